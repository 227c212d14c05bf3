import { FerretDb } from "../helpers/ferretdb";

/** One FerretDB for the whole mongoose run; each app gets a database of its own on it. */
export default async function globalSetup(): Promise<void> {
	const server = await FerretDb.create();
	await server.start();
	process.env.TEST_MONGO_URI = server.uri;
	process.env.TEST_MONGO_DATA_DIR = server.dataDir;
	(globalThis as { __ferretdb?: FerretDb }).__ferretdb = server;
}
