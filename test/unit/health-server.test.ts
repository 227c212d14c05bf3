/**
 * /live and /ready on HEALTH_PORT (CONTRACT §7), on brokers built by createBroker as every node is, with
 * stand-in services: one whose start the test holds, one whose store the test takes away.
 */
import type { ServiceBroker } from "moleculer";
import { loadConfig, type Config } from "../../lib/config";
import { brokerOptions } from "../../moleculer.config";
import { createBroker } from "../../server";
import { freePort } from "../helpers/ferretdb";

async function nodeConfig(env: Record<string, string> = {}): Promise<Config> {
	return {
		...loadConfig({ HEALTH_PORT: String(await freePort()), METRICS_PORT: "0", LOG_LEVEL: "warn", ...env }),
		nodeId: `health-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
		services: []
	};
}

async function probe(port: number, path: string, method = "GET"): Promise<{ status: number; body: any; allow: string | null }> {
	const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, signal: AbortSignal.timeout(2_000) });
	const text = await res.text();
	return { status: res.status, body: text ? JSON.parse(text) : null, allow: res.headers.get("allow") };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
	let resolve!: () => void;
	const promise = new Promise<void>(r => (resolve = r));
	return { promise, resolve };
}

describe("health server", () => {
	const brokers: ServiceBroker[] = [];
	afterEach(async () => {
		await Promise.all(brokers.splice(0).map(b => b.stop()));
	});

	it("answers /live at once and /ready 503 until every service has started, then 200; HEAD alike", async () => {
		const config = await nodeConfig();
		const broker = createBroker(config);
		brokers.push(broker);
		const gate = deferred();
		broker.createService({ name: "slow", started: () => gate.promise });
		const started = broker.start();

		// The server listens before the services start.
		let live = { status: 0 } as { status: number };
		for (let i = 0; i < 100 && live.status !== 200; i++) {
			live = await probe(config.healthPort, "/live").catch(() => ({ status: 0 }));
			if (live.status !== 200) await new Promise(r => setTimeout(r, 20));
		}
		expect(live.status).toBe(200);
		const before = await probe(config.healthPort, "/ready");
		expect(before.status).toBe(503);
		expect(before.body).toEqual({ status: "unavailable", checks: { started: false } });
		expect((await probe(config.healthPort, "/ready", "HEAD")).status).toBe(503);

		gate.resolve();
		await started;
		const after = await probe(config.healthPort, "/ready");
		expect(after).toMatchObject({ status: 200, body: { status: "ok", checks: { started: true } } });
		const head = await probe(config.healthPort, "/ready", "HEAD");
		expect([head.status, head.body]).toEqual([200, null]);
		expect((await probe(config.healthPort, "/live", "HEAD")).status).toBe(200);
	});

	it("/ready is 503 while a local service cannot reach its store, 200 when it can again", async () => {
		const config = await nodeConfig();
		const broker = createBroker(config);
		brokers.push(broker);
		let reachable = true;
		broker.createService({ name: "keeper", methods: { storeReachable: () => reachable } });
		broker.createService({ name: "plain" });
		await broker.start();

		expect(await probe(config.healthPort, "/ready")).toMatchObject({ status: 200, body: { checks: { started: true, "store:keeper": true } } });
		reachable = false;
		expect(await probe(config.healthPort, "/ready")).toMatchObject({ status: 503, body: { status: "unavailable", checks: { "store:keeper": false } } });
		expect((await probe(config.healthPort, "/live")).status).toBe(200);
		reachable = true;
		expect((await probe(config.healthPort, "/ready")).status).toBe(200);
	});

	it("refuses other methods (405 with Allow) and other paths (404)", async () => {
		const config = await nodeConfig();
		const broker = createBroker(config);
		brokers.push(broker);
		await broker.start();
		expect(await probe(config.healthPort, "/ready", "POST")).toMatchObject({ status: 405, allow: "GET, HEAD" });
		expect((await probe(config.healthPort, "/metrics")).status).toBe(404);
		expect((await probe(config.healthPort, "/live?verbose=1")).status).toBe(200);
	});

	it("is 503 while the node stops, and closes its port once the node has stopped", async () => {
		const config = await nodeConfig();
		const broker = createBroker(config);
		const gate = deferred();
		broker.createService({ name: "lingering", stopped: () => gate.promise });
		await broker.start();
		expect((await probe(config.healthPort, "/ready")).status).toBe(200);
		const stopped = broker.stop();
		await new Promise(r => setTimeout(r, 50));
		expect((await probe(config.healthPort, "/ready")).status).toBe(503);
		expect((await probe(config.healthPort, "/live")).status).toBe(200);
		gate.resolve();
		await stopped;
		await expect(probe(config.healthPort, "/live")).rejects.toThrow();
	});

	it("a port in use stops the start with a message naming HEALTH_PORT", async () => {
		const config = await nodeConfig();
		const first = createBroker(config);
		brokers.push(first);
		await first.start();
		const second = createBroker({ ...config, nodeId: `${config.nodeId}-2` });
		await expect(second.start()).rejects.toThrow(new RegExp(`HEALTH_PORT ${config.healthPort}: .*EADDRINUSE`));
		await second.stop();
	});

	it("HEALTH_PORT=0 serves nothing", async () => {
		const config = await nodeConfig({ HEALTH_PORT: "0" });
		expect(config.healthPort).toBe(0);
		const names = (brokerOptions(config).middlewares ?? []).map(m => (m as { name?: string }).name);
		expect(names).not.toContain("HealthServer");
		expect(brokerOptions({ ...config, healthPort: 3001 }).middlewares?.map(m => (m as { name?: string }).name)).toContain("HealthServer");
		const servers = () => process.getActiveResourcesInfo().filter(r => r === "TCPServerWrap").length;
		const before = servers();
		const broker = createBroker(config);
		brokers.push(broker);
		await broker.start();
		expect(servers()).toBe(before);
	});
});
