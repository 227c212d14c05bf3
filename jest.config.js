const fs = require("node:fs");
const path = require("node:path");

const common = {
	testEnvironment: "node",
	rootDir: __dirname,
	transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2023" }, module: { type: "commonjs" } }] }
};

/** The mongoose suite needs FerretDB: without it, skip with a reason locally, fail in CI. */
function ferretdbAvailable() {
	const candidates = [process.env.FERRETDB_BIN, path.join(__dirname, ".tools/ferretdb")];
	for (const dir of (process.env.PATH || "").split(path.delimiter)) candidates.push(path.join(dir, "ferretdb"));
	return candidates.some(c => c && fs.existsSync(c));
}

const projects = [
	{
		...common,
		displayName: "embedded",
		testMatch: ["<rootDir>/test/unit/**/*.test.ts", "<rootDir>/test/integration/**/*.test.ts"],
		// Every answer is checked against the OpenAPI document; after a full run, every route was exercised.
		globalSetup: "<rootDir>/test/integration/global-setup.ts",
		globalTeardown: "<rootDir>/test/integration/global-teardown.ts"
	}
];

if (ferretdbAvailable() || process.env.CI === "true") {
	// The same integration suite again, on mongoose against FerretDB, plus the database fault tests.
	projects.push({
		...common,
		displayName: "mongoose",
		testMatch: ["<rootDir>/test/integration/**/*.test.ts", "<rootDir>/test/mongo/**/*.test.ts"],
		setupFiles: ["<rootDir>/test/mongo/store-env.ts"],
		globalSetup: "<rootDir>/test/mongo/global-setup.ts",
		globalTeardown: "<rootDir>/test/mongo/global-teardown.ts"
	});
} else {
	console.warn("Skipping the mongoose suite: no FerretDB binary (run scripts/install-ferretdb.sh, or set FERRETDB_BIN).");
}

/** The cluster suite needs nats-server and FerretDB: without them, skip with a reason locally, fail in CI. */
function natsAvailable() {
	const candidates = [process.env.NATS_SERVER_BIN, "/usr/sbin/nats-server", "/usr/bin/nats-server"];
	for (const dir of (process.env.PATH || "").split(path.delimiter)) candidates.push(path.join(dir, "nats-server"));
	return candidates.some(c => c && fs.existsSync(c));
}

if ((natsAvailable() && ferretdbAvailable()) || process.env.CI === "true") {
	// Separate node processes over NATS: two gateways, users replicas, auth, notifications.
	projects.push({ ...common, displayName: "cluster", testMatch: ["<rootDir>/test/cluster/**/*.test.ts"] });
} else {
	console.warn("Skipping the cluster suite: it needs nats-server and FerretDB (apt-get install nats-server; scripts/install-ferretdb.sh).");
}

/** The hosted pages in headless Chromium: without /usr/bin/chromium the suite skips with a reason (fails in CI). */
projects.push({ ...common, displayName: "browser", testMatch: ["<rootDir>/test/browser/**/*.test.ts"], setupFilesAfterEnv: ["<rootDir>/test/browser/setup.ts"] });

/** @type {import('jest').Config} */
module.exports = {
	projects,
	testTimeout: 30000,
	// Integration suites start brokers and servers: keep them from competing for the two cores.
	maxWorkers: 2
};
