import { loadConfig } from "./lib/config";
import { replCommands } from "./operator";
import { createBroker } from "./server";

/**
 * An operator's console. Joined to a cluster (TRANSPORTER set, SERVICES unset) it runs no services of its
 * own and drives the others; on the embedded default it runs the whole backend, since two processes must
 * not share one DATA_DIR.
 */
async function main(): Promise<void> {
	const config = loadConfig();
	if (config.transporter && !process.env.SERVICES) config.services = [];
	// Operator commands (user, user-disable, admin-grant, mail-failed, cluster, …): see operator/.
	const broker = createBroker(config, { nodeID: `repl-${config.nodeId}`, replOptions: { customCommands: replCommands() } });
	await broker.start();
	broker.repl();
}

main().catch(err => {
	console.error("Could not start the REPL:", err instanceof Error ? err.message : err);
	process.exit(1);
});
