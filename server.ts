import { ServiceBroker, type BrokerOptions, type ServiceSchema } from "moleculer";
import { CallerIdentity } from "./lib/bus-identity";
import { loadSigningKey, type SigningKey } from "./lib/tokens/keys";
import { enableOperators, signOperatorAssertion } from "./lib/tokens/operator";
import { systemClock } from "./lib/clock";
import { ConfigError, loadConfig, type Config, type ServiceName } from "./lib/config";
import type { ServiceDeps } from "./lib/types";
import { brokerOptions } from "./moleculer.config";
import apiService from "./services/api/api.service";
import identityService from "./services/identity/identity.service";
import authService from "./services/auth/auth.service";
import notificationsService from "./services/notifications/notifications.service";
import usersService from "./services/users/users.service";
import { version } from "./package.json";

const FACTORIES: Record<ServiceName, (config: Config, deps: ServiceDeps) => ServiceSchema> = {
	api: (config, deps) => apiService(config, deps, version),
	users: usersService,
	auth: authService,
	notifications: notificationsService
};

/** A broker running the services this node's configuration names. Tests pass `deps` (a clock they move). */
export function createBroker(config: Config, overrides: Partial<BrokerOptions> = {}, deps: Partial<ServiceDeps> = {}): ServiceBroker {
	// Verification keys on every node that runs a service: each verifies its callers itself (CONTRACT §7).
	const identity = deps.identity ?? (config.services.length > 0 ? CallerIdentity.fromConfig(config) : new CallerIdentity(new Map(), { issuer: config.jwtIssuer, audience: config.jwtAudience }));
	const all: ServiceDeps = { clock: systemClock, identity, ...deps };
	const broker = new ServiceBroker({ ...brokerOptions(config, all), ...overrides });
	if (config.services.length > 0) broker.createService(identityService(all));
	// A node that holds the signing key can act for an operator at its console (the REPL's commands).
	if (config.jwtPrivateKey || !config.production) {
		let key: SigningKey | undefined;
		enableOperators(broker, operator => signOperatorAssertion(operator, (key ??= loadSigningKey(config)), { issuer: config.jwtIssuer, audience: config.jwtAudience, now: all.clock.now() }));
	}
	for (const name of config.services) broker.createService(FACTORIES[name](config, all));
	return broker;
}

async function main(): Promise<void> {
	let config: Config;
	try {
		config = loadConfig();
	} catch (err) {
		if (err instanceof ConfigError) {
			console.error(`Configuration error: ${err.message}`);
			process.exit(78); // EX_CONFIG
		}
		throw err;
	}
	let broker: ServiceBroker;
	try {
		broker = createBroker(config);
	} catch (err) {
		if (err instanceof ConfigError) {
			console.error(`Configuration error: ${err.message}`);
			process.exit(78);
		}
		throw err;
	}
	// The broker stops gracefully on SIGTERM/SIGINT, finishing in-flight requests (tracking).
	await broker.start();
}

if (require.main === module) {
	main().catch(err => {
		console.error("Could not start:", err instanceof Error ? err.message : err);
		process.exit(1);
	});
}
