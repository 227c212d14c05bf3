/**
 * TRANSPORTER with credentials (CONTRACT §7) against a real nats-server that requires a user and password:
 * brokers built by createBroker, as every node is, in this process. Runs in the cluster project
 * (jest.config.js: skipped with a reason without nats-server locally, required under CI=true).
 */
import { Loggers, type LogLevels, type ServiceBroker } from "moleculer";
import type { LoggerOptions as BaseLoggerOptions } from "moleculer/src/loggers/base";
import { loadConfig } from "../../lib/config";
import { createBroker } from "../../server";
import { NatsServer, waitFor } from "../helpers/cluster";
import { freePort } from "../helpers/ferretdb";

const USER = "backend";
// Characters that must be percent-encoded in a URL: the node must decode them before NATS sees them.
const PASS = "s3cret:p@ss/word";
const TOKEN_LIKE = "s3cret";

/** Keeps every log line of a broker. */
class CaptureLogger extends Loggers.Base<BaseLoggerOptions> {
	constructor(private readonly lines: string[]) {
		super({ level: "debug" as LogLevels });
	}

	override getLogHandler(bindings: Parameters<Loggers.Base<BaseLoggerOptions>["getLogHandler"]>[0]) {
		return (type: string, args: unknown[]) => {
			const text = args.map(a => (a instanceof Error ? `${a.message} ${a.stack}` : typeof a === "object" ? JSON.stringify(a) : String(a))).join(" ");
			this.lines.push(`${type.toUpperCase()} ${bindings.mod ?? ""}: ${text}`);
		};
	}
}

interface Node {
	broker: ServiceBroker;
	logs: string[];
	healthPort: number;
	started: Promise<void>;
}

describe("NATS with authentication", () => {
	let nats: NatsServer;
	const nodes: Node[] = [];
	const namespace = `nats-auth-${process.pid}`;

	/** `refused`: the broker is expected never to connect; it then does not retry (moleculer's retry timer outlives a stop). */
	async function startNode(transporter: string, echo: boolean, extraEnv: Record<string, string> = {}, refused = false): Promise<Node> {
		const healthPort = await freePort();
		const config = {
			...loadConfig({ TRANSPORTER: transporter, NAMESPACE: namespace, NODE_ID: `nats-auth-${nodes.length}-${process.pid}`, HEALTH_PORT: String(healthPort), METRICS_PORT: "0", LOG_LEVEL: "debug", ...extraEnv }),
			services: []
		};
		const logs: string[] = [];
		const broker = createBroker(config, { logger: new CaptureLogger(logs), ...(refused ? { transit: { disableReconnect: true } } : {}) });
		if (echo) broker.createService({ name: "echo", actions: { say: { handler: ctx => ({ said: ctx.params.text, by: broker.nodeID }) } } });
		const started = broker.start();
		started.catch(() => undefined);
		const node = { broker, logs, healthPort, started };
		nodes.push(node);
		return node;
	}

	const url = (creds: string) => `nats://${creds}127.0.0.1:${nats.port}`;
	const withPassword = () => url(`${USER}:${encodeURIComponent(PASS)}@`);
	const status = async (node: Node, path: string) => (await fetch(`http://127.0.0.1:${node.healthPort}${path}`, { signal: AbortSignal.timeout(2_000) })).status;

	beforeAll(async () => {
		nats = await NatsServer.create();
		await nats.start({ user: USER, pass: PASS });
	});

	afterAll(async () => {
		await Promise.all(nodes.map(n => n.broker.stop().catch(() => undefined)));
		await nats?.stop();
	});

	it("brokers with the right credentials connect: a call crosses from one to the other", async () => {
		const a = await startNode(withPassword(), true);
		const b = await startNode(withPassword(), false);
		await Promise.all([a.started, b.started]);
		await b.broker.waitForServices("echo", 10_000);
		const answer = await b.broker.call<{ said: string; by: string }, { text: string }>("echo.say", { text: "hello" });
		expect(answer).toEqual({ said: "hello", by: a.broker.nodeID });
		expect(a.broker.namespace).toBe(namespace);
		// Each node is ready, the transporter connected.
		expect(await status(a, "/ready")).toBe(200);
		expect(await status(b, "/ready")).toBe(200);
	});

	it("logs the host, never the password", async () => {
		const [a] = nodes;
		const all = a.logs.join("\n");
		expect(all).toContain(`nats://127.0.0.1:${nats.port}`);
		expect(all).toMatch(/user "backend"/);
		expect(all).not.toContain(PASS);
		expect(all).not.toContain(encodeURIComponent(PASS));
		expect(all).not.toContain(TOKEN_LIKE);
	});

	it.each([
		["no credentials", () => url("")],
		["a wrong password", () => url(`${USER}:wrong-password@`)],
		["a token instead", () => url(`not-the-token@`)]
	])("a broker with %s is refused, and never ready", async (_what, transporter) => {
		const node = await startNode(transporter(), false, {}, true);
		await waitFor("the refusal to be logged", async () => node.logs.some(l => /authorization violation/i.test(l)), 10_000);
		expect(node.broker.transit?.connected).toBe(false);
		expect(node.broker.started).toBe(false);
		expect(await status(node, "/live")).toBe(200);
		expect(await status(node, "/ready")).toBe(503);
		// Nobody on the bus saw it.
		for (const other of nodes.filter(n => n.broker.started)) expect(other.broker.registry.nodes.toArray().map(n => n.id)).not.toContain(node.broker.nodeID);
		expect(node.logs.join("\n")).not.toContain(PASS);
		await node.broker.stop();
	});

	it("a token is read from NATS_TOKEN and never logged", async () => {
		const server = await NatsServer.create();
		const token = "t0ken-value-1234";
		await server.start({ token });
		try {
			const transporter = `nats://127.0.0.1:${server.port}`;
			const good = await startNode(transporter, false, { NATS_TOKEN: token });
			await good.started;
			expect(await status(good, "/ready")).toBe(200);
			const bad = await startNode(transporter, false, { NATS_TOKEN: "wrong" }, true);
			await waitFor("the refusal to be logged", async () => bad.logs.some(l => /authorization violation/i.test(l)), 10_000);
			expect(bad.broker.started).toBe(false);
			const logs = [...good.logs, ...bad.logs].join("\n");
			expect(good.logs.join("\n")).toContain(`nats://127.0.0.1:${server.port} (token)`);
			expect(logs).not.toContain(token);
			await Promise.all([good.broker.stop(), bad.broker.stop()]);
		} finally {
			await server.stop();
		}
	});

	it("/ready turns 503 while NATS is away and 200 once the node has reconnected", async () => {
		const [a] = nodes;
		expect(await status(a, "/ready")).toBe(200);
		await nats.stop();
		await waitFor("/ready to say 503", async () => (await status(a, "/ready")) === 503, 15_000);
		expect(await status(a, "/live")).toBe(200);
		await nats.start({ user: USER, pass: PASS });
		await waitFor("/ready to say 200 again", async () => (await status(a, "/ready")) === 200, 20_000);
	});
});
