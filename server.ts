import { ServiceBroker, type BrokerOptions, type ServiceSchema } from "moleculer";
import { CallerIdentity } from "./lib/bus-identity";
import { loadSigningKey, type SigningKey } from "./lib/tokens/keys";
import { enableOperators, signOperatorAssertion } from "./lib/tokens/operator";
import { systemClock } from "./lib/clock";
import { UserReadCache } from "./lib/user-cache";
import { ConfigError, loadConfig, type Config, type ServiceName } from "./lib/config";
import { lockDataDir, needsDataDirLock } from "./lib/data-dir-lock";
import type { ServiceDeps } from "./lib/types";
import { brokerOptions } from "./moleculer.config";
import identityService from "./services/identity/identity.service";
import { version } from "./package.json";

type Factory = (config: Config, deps: ServiceDeps) => ServiceSchema;

/*
 * Each service's code (and what it pulls in: mongoose and the models, moleculer-web, the hashing pool…) is
 * loaded only on a node that runs it: a gateway alone stays small.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const FACTORIES: Record<ServiceName, () => Factory> = {
	api: () => {
		const api = (require("./services/api/api.service") as typeof import("./services/api/api.service")).default;
		return (config, deps) => api(config, deps, version);
	},
	users: () => (require("./services/users/users.service") as typeof import("./services/users/users.service")).default,
	auth: () => (require("./services/auth/auth.service") as typeof import("./services/auth/auth.service")).default,
	notifications: () => (require("./services/notifications/notifications.service") as typeof import("./services/notifications/notifications.service")).default
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** A broker running the services this node's configuration names. Tests pass `deps` (a clock they move). */
export function createBroker(config: Config, overrides: Partial<BrokerOptions> = {}, deps: Partial<ServiceDeps> = {}): ServiceBroker {
	// Verification keys on every node that runs a service: each verifies its callers itself (CONTRACT §7).
	const identity = deps.identity ?? (config.services.length > 0 ? CallerIdentity.fromConfig(config) : new CallerIdentity(new Map(), { issuer: config.jwtIssuer, audience: config.jwtAudience }));
	const all: ServiceDeps = { clock: systemClock, identity, userCache: new UserReadCache(), ...deps };
	const options = brokerOptions(config, all);
	// A node's own middlewares (the REPL's OperatorCall) come after every node's, which they never replace.
	const broker = new ServiceBroker({ ...options, ...overrides, middlewares: [...(options.middlewares ?? []), ...(overrides.middlewares ?? [])] });
	if (config.services.length > 0) broker.createService(identityService(all));
	// A node that holds the signing key can act for an operator at its console (the REPL's commands).
	if (config.jwtPrivateKey || !config.production) {
		let key: SigningKey | undefined;
		enableOperators(broker, operator => signOperatorAssertion(operator, (key ??= loadSigningKey(config)), { issuer: config.jwtIssuer, audience: config.jwtAudience, now: all.clock.now() }));
	}
	for (const name of config.services) broker.createService(FACTORIES[name]()(config, all));
	return broker;
}

/** Runs `build`; a configuration the node must not start with stops the process with exit code 78 (EX_CONFIG). */
export function orExitOnConfigError<T>(build: () => T): T {
	try {
		return build();
	} catch (err) {
		if (err instanceof ConfigError) {
			console.error(`Configuration error: ${err.message}`);
			process.exit(78); // EX_CONFIG
		}
		throw err;
	}
}

/** The node's broker, after the checks every start makes: a valid configuration, and the lock on an embedded store's DATA_DIR. */
export function prepareNode(config: Config, overrides: Partial<BrokerOptions> = {}): ServiceBroker {
	// One process per embedded store (CONTRACT §7): released when the process exits.
	if (needsDataDirLock(config)) orExitOnConfigError(() => lockDataDir(config.dataDir));
	return orExitOnConfigError(() => createBroker(config, overrides));
}

async function main(): Promise<void> {
	const config = orExitOnConfigError(() => loadConfig());
	const broker = prepareNode(config);
	// The broker stops gracefully on SIGTERM/SIGINT, finishing in-flight requests (tracking).
	await broker.start();
}

if (require.main === module) {
	main().catch(err => {
		console.error("Could not start:", err instanceof Error ? err.message : err);
		process.exit(1);
	});
}
