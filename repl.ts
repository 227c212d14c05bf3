import type { REPLServer } from "node:repl";
import { loadConfig } from "./lib/config";
import { OperatorCallMiddleware, PromptAwareOutput, ReplLogger, replCommands } from "./operator";
import { localOperator } from "./lib/operator";
import { orExitOnConfigError, prepareNode } from "./server";

/**
 * An operator's console, in the node it starts (CONTRACT §7). Embedded (no TRANSPORTER): the whole backend
 * with a console, holding DATA_DIR's lock like any node on it. With TRANSPORTER and SERVICES=none: no services
 * of its own, joined to the cluster, its commands acting on the cluster's nodes. Either way the calls typed
 * at it act as the operator, proven by a signed assertion (lib/tokens/operator.ts), and log lines never garble the prompt (operator/console.ts).
 */
async function main(): Promise<void> {
	const config = orExitOnConfigError(() => loadConfig());
	// A console runs beside other nodes on this machine: no health or metrics port unless asked for.
	if (!process.env.HEALTH_PORT) config.healthPort = 0;
	if (!process.env.METRICS_PORT) config.metricsPort = 0;
	const output = new PromptAwareOutput();
	const operator = localOperator();
	const broker = prepareNode(config, {
		nodeID: `repl-${config.nodeId}`,
		logger: new ReplLogger(output, { level: config.logLevel, formatter: config.production ? "json" : "short", colors: !config.production && process.stdout.isTTY === true, moduleColors: false }),
		// After every node's middlewares (server.ts createBroker).
		middlewares: [OperatorCallMiddleware(operator)],
		replOptions: { customCommands: replCommands() }
	});
	await broker.start();
	if (config.services.length === 0 && config.transporter) {
		// Joined: the commands need the cluster's services; say so when they are not there (yet).
		await broker.waitForServices(["users", "auth"], 10_000).catch(() => broker.logger.warn("users and auth are not reachable yet: commands fail until they are."));
	}
	broker.logger.info(`Operator console as ${operator.name}: ${config.services.length ? `running ${config.services.join(", ")}` : "joined to the cluster"}. Type help, or exit.`);
	output.attach(broker.repl() as unknown as REPLServer);
}

main().catch(err => {
	console.error("Could not start the REPL:", err instanceof Error ? err.message : err);
	process.exit(1);
});
