import type { Config } from "@jest/types";
import { endCoverageRun } from "../helpers/openapi-coverage";

/** After the whole integration suite: every route of the OpenAPI document was exercised. */
export default function globalTeardown(globalConfig: Config.GlobalConfig): void {
	endCoverageRun(globalConfig);
}
