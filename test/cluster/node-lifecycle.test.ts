/**
 * A node's start and stop on NATS, with every log line kept: no "not registered" warning nor timed-out call
 * while nodes start (readiness asked all along, services on another node coming later), and a stop while
 * NATS is down that logs no error (upstream: `[NatsError: DISCONNECT]` from a flush, or `Cannot read
 * properties of null (reading 'flush')`) and leaves no NATS client behind.
 */
import fs from "node:fs";
import type { ServiceBroker } from "moleculer";
import { loadConfig, type Config } from "../../lib/config";
import { createBroker } from "../../server";
import { CaptureLogger, tempDir } from "../helpers/app";
import { NatsServer, waitFor } from "../helpers/cluster";

const NATS_AUTH = { user: "backend", pass: "lifecycle-secret" };

describe("node start and stop over NATS", () => {
	let nats: NatsServer;
	let dataDir: string;
	const brokers: ServiceBroker[] = [];

	beforeAll(async () => {
		nats = await NatsServer.create();
		await nats.start(NATS_AUTH);
		dataDir = tempDir("ub-lifecycle-");
	});

	afterAll(async () => {
		for (const b of brokers) await b.stop().catch(() => undefined);
		await nats?.stop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	function node(name: string, services: Config["services"], namespace: string, env: Record<string, string> = {}): { broker: ServiceBroker; logs: string[] } {
		const config: Config = {
			...loadConfig({ TRANSPORTER: `nats://${NATS_AUTH.user}:${NATS_AUTH.pass}@127.0.0.1:${nats.port}`, NAMESPACE: namespace, BCRYPT_ROUNDS: "4", ...env }),
			services,
			nodeId: `${name}-${process.pid}`,
			dataDir: `${dataDir}/${namespace}`,
			port: 0,
			metricsPort: 0,
			healthPort: 0,
			inMemoryStore: true
		};
		const logs: string[] = [];
		const broker = createBroker(config, { logger: new CaptureLogger(logs, "info") });
		brokers.push(broker);
		return { broker, logs };
	}

	it("warns of nothing while a gateway waits for services that start later, readiness asked all along", async () => {
		const gw = node("gw", ["api"], "lifecycle-start");
		await gw.broker.start();
		const port = (gw.broker.getLocalService("api") as unknown as { server: { address(): { port: number } } }).server.address().port;
		const statuses: number[] = [];
		let asking = true;
		const probe = (async () => {
			while (asking) {
				statuses.push((await fetch(`http://127.0.0.1:${port}/api/health/ready`)).status);
				await new Promise(r => setTimeout(r, 50));
			}
		})();
		await new Promise(r => setTimeout(r, 1_000));
		const backend = node("backend", ["users", "auth", "notifications"], "lifecycle-start", { ADMIN_EMAIL: "life@example.com", ADMIN_PASSWORD: "lifecycle passphrase" });
		await backend.broker.start();
		const bootstrapped = await (backend.broker.getLocalService("auth") as unknown as { adminBootstrap: Promise<unknown> }).adminBootstrap;
		expect(bootstrapped).toEqual({ email: "life@example.com", created: true });
		await waitFor("gateway ready", async () => statuses.at(-1) === 200, 15_000);
		asking = false;
		await probe;
		expect(statuses[0]).toBe(503);
		const warnings = [...gw.logs, ...backend.logs].filter(l => /^(WARN|ERROR)/.test(l));
		expect(warnings).toEqual([]);
	}, 40_000);

	it("an all-in-one node creates the admin at once after it starts, calling itself over NATS", async () => {
		const aio = node("aio", ["api", "users", "auth", "notifications"], "lifecycle-aio", { ADMIN_EMAIL: "aio@example.com", ADMIN_PASSWORD: "lifecycle passphrase" });
		const started = Date.now();
		await aio.broker.start();
		expect(await (aio.broker.getLocalService("auth") as unknown as { adminBootstrap: Promise<unknown> }).adminBootstrap).toEqual({ email: "aio@example.com", created: true });
		const took = Date.now() - started;
		console.log(`all-in-one node: admin created ${took} ms after start began`);
		expect(took).toBeLessThan(2_500); // the first (timed-out) call alone took 2.5 s before
		expect(aio.logs.filter(l => /^(WARN|ERROR)/.test(l))).toEqual([]);
	}, 30_000);

	it("stops while NATS is down without an error, and its NATS client does not outlive it", async () => {
		const n = node("stopper", ["api", "users", "auth", "notifications"], "lifecycle-stop");
		await n.broker.start();
		// Ready (its ended sessions loaded): no call of its own is in flight when NATS goes.
		const port = (n.broker.getLocalService("api") as unknown as { server: { address(): { port: number } } }).server.address().port;
		await waitFor("ready", async () => (await fetch(`http://127.0.0.1:${port}/api/health/ready`)).status === 200, 15_000);
		await nats.stop();
		await new Promise(r => setTimeout(r, 1_500));
		const unhandled: unknown[] = [];
		const onUnhandled = (err: unknown) => void unhandled.push(err);
		process.on("unhandledRejection", onUnhandled);
		try {
			const stopping = Date.now();
			await n.broker.stop();
			console.log(`stopped with NATS down in ${Date.now() - stopping} ms`);
			await new Promise(r => setTimeout(r, 1_500));
		} finally {
			process.off("unhandledRejection", onUnhandled);
			await nats.start(NATS_AUTH);
		}
		expect(unhandled).toEqual([]);
		expect(n.logs.filter(l => /^ERROR|flush/.test(l))).toEqual([]);
		const client = (n.broker.transit as unknown as { tx: { client: unknown } }).tx.client;
		expect(client).toBeNull();
	}, 30_000);
});
