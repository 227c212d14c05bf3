import { ServiceBroker, type BrokerOptions, type ServiceSchema } from "moleculer";
import { systemClock } from "./lib/clock";
import { ConfigError, loadConfig, type Config, type ServiceName } from "./lib/config";
import { lockDataDir, needsDataDirLock } from "./lib/data-dir-lock";
import type { ServiceDeps } from "./lib/types";
import { brokerOptions } from "./moleculer.config";
import apiService from "./services/api/api.service";
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
	const broker = new ServiceBroker({ ...brokerOptions(config), ...overrides });
	const all: ServiceDeps = { clock: systemClock, ...deps };
	for (const name of config.services) broker.createService(FACTORIES[name](config, all));
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
