import { startCoverageRun } from "../helpers/openapi-coverage";

/** The answers of this run are recorded for the OpenAPI coverage check (global-teardown.ts). */
export default function globalSetup(): void {
	startCoverageRun();
}
