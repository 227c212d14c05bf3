import type { FerretDb } from "../helpers/ferretdb";

export default async function globalTeardown(): Promise<void> {
	await (globalThis as { __ferretdb?: FerretDb }).__ferretdb?.destroy();
}
