/**
 * The cluster as it is deployed: separate node processes joined over NATS, on MongoDB (FerretDB) — two
 * gateways, two `users` replicas, `auth`, `notifications` — and what must hold when nodes and NATS fail.
 */
import { FerretDb } from "../helpers/ferretdb";
import { MailCatcher } from "../helpers/mail-catcher";
import { BackendNode, Load, NatsServer, sharedDataDir, waitFor } from "../helpers/cluster";
import { awayFromMinuteBoundary } from "../helpers/kit";
import fs from "node:fs";

const AUTH = "/api/v1/auth";
/** The cluster's NATS requires a user and password, as deployed (CONTRACT §7). */
const NATS_AUTH = { user: "backend", pass: "cluster-secret" };

async function post(gw: BackendNode, path: string, body: unknown, token?: string, clientIp?: string) {
	const res = await fetch(`${gw.url}${path}`, {
		method: "POST",
		headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...(clientIp ? { "x-forwarded-for": clientIp } : {}) },
		body: JSON.stringify(body)
	});
	const text = await res.text();
	return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function me(gw: BackendNode, token: string): Promise<number> {
	return getStatus(gw, "/api/v1/users/me", token);
}

async function getStatus(gw: BackendNode, path: string, token: string): Promise<number> {
	const res = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
	await res.arrayBuffer();
	return res.status;
}

describe("cluster: nodes over NATS on MongoDB", () => {
	let nats: NatsServer;
	let ferret: FerretDb;
	let mail: MailCatcher;
	let dataDir: string;
	let shared: Record<string, string>;
	const nodes: BackendNode[] = [];
	let gw1: BackendNode;
	let gw2: BackendNode;
	let usersA: BackendNode;
	let usersB: BackendNode;
	let usersC: BackendNode;

	const startNode = async (name: string, services: string[], env: Record<string, string> = {}) => {
		const node = await BackendNode.start({ name, services, env }, shared);
		nodes.push(node);
		return node;
	};

	beforeAll(async () => {
		nats = await NatsServer.create();
		await nats.start(NATS_AUTH);
		ferret = await FerretDb.create();
		await ferret.start();
		mail = new MailCatcher();
		dataDir = sharedDataDir();
		shared = {
			TRANSPORTER: `nats://${NATS_AUTH.user}:${NATS_AUTH.pass}@127.0.0.1:${nats.port}`,
			MONGO_URI: `${ferret.uri}/cluster`,
			DATA_DIR: dataDir,
			SMTP_URL: await mail.start(),
			BCRYPT_ROUNDS: "4",
			// Small enough to reach in a test; each test below speaks from a client IP of its own (X-Forwarded-For).
			AUTH_RATE_LIMIT_PER_MINUTE: "40",
			TRUST_PROXY: "true",
			LOG_LEVEL: "warn"
		};
		// The signing key is made once before the nodes start, as an operator would provide it.
		const { loadSigningKey } = await import("../../lib/tokens/keys");
		const { loadConfig } = await import("../../lib/config");
		loadSigningKey({ ...loadConfig({}), dataDir });

		[gw1, gw2, usersA, usersB] = await Promise.all([
			startNode("gw-1", ["api"]),
			startNode("gw-2", ["api"]),
			startNode("users-a", ["users"]),
			startNode("users-b", ["users"]),
			startNode("auth-1", ["auth"]),
			startNode("auth-2", ["auth"]),
			startNode("notifications-1", ["notifications"])
		]);
		await Promise.all([gw1.ready(60_000), gw2.ready(60_000)]);
	}, 120_000);

	afterAll(async () => {
		await Promise.all(nodes.map(n => n.kill("SIGKILL")));
		await nats?.stop();
		await ferret?.destroy();
		await mail?.stop();
		if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
	});

	afterEach(() => {
		// On failure, the nodes' own words help most.
		const state = expect.getState();
		if (state.assertionCalls !== state.numPassingAsserts) {
			for (const n of nodes) console.log(`--- ${n.name}\n${n.output.slice(-2000)}`);
		}
	});

	let email: string;
	const password = "cluster passphrase";
	let token: string;

	it("registers through one gateway and serves the verified user through the other", async () => {
		email = `cluster-${Date.now()}@example.com`;
		const reg = await post(gw1, `${AUTH}/register`, { email, password });
		expect(reg.status).toBe(201);
		const verifyToken = await mail.tokenFor(email, "verify-email", 20_000);
		const verified = await post(gw2, `${AUTH}/verify-email`, { token: verifyToken });
		expect(verified.status).toBe(200);
		expect(verified.body.emailVerified).toBe(true);
		const login = await post(gw2, `${AUTH}/login`, { email, password });
		expect(login.status).toBe(200);
		token = login.body.accessToken;
		expect(await me(gw1, token)).toBe(200);
		expect(await me(gw2, token)).toBe(200);
	});

	it("two tabs: simultaneous refreshes with one token through both gateways, on both auth replicas, all get the same successor", async () => {
		const login = await post(gw1, `${AUTH}/login`, { email, password }, undefined, "198.51.100.77");
		expect(login.status).toBe(200);
		// Three per gateway: each gateway's round robin hands them to auth-1 and auth-2 in turn.
		const answers = await Promise.all([gw1, gw2, gw1, gw2, gw1, gw2].map(gw => post(gw, `${AUTH}/refresh`, { refreshToken: login.body.refreshToken }, undefined, "198.51.100.77")));
		expect(answers.map(a => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
		expect(new Set(answers.map(a => a.body.refreshToken)).size).toBe(1);
		for (const a of answers) expect(await me(gw2, a.body.accessToken)).toBe(200);
		const next = await post(gw2, `${AUTH}/refresh`, { refreshToken: answers[0].body.refreshToken }, undefined, "198.51.100.77");
		expect(next.status).toBe(200);
	});

	it("refuses at every gateway within a second a session ended at one, and a gateway started later knows it", async () => {
		const login = await post(gw1, `${AUTH}/login`, { email, password });
		const doomed = login.body.accessToken as string;
		expect(await me(gw2, doomed)).toBe(200);
		const ended = Date.now();
		expect((await post(gw1, `${AUTH}/logout`, {}, doomed)).status).toBe(204);
		await waitFor("gw-2 refusing the ended session", async () => (await me(gw2, doomed)) === 401, 1_000);
		console.log(`revocation seen at the other gateway after ${Date.now() - ended} ms`);

		const gw3 = await startNode("gw-3", ["api"]);
		await gw3.ready(60_000);
		expect(await me(gw3, doomed)).toBe(401);
		expect(await me(gw3, token)).toBe(200);
		await gw3.kill("SIGTERM");
		nodes.splice(nodes.indexOf(gw3), 1);
	}, 90_000);

	it("throttles across both gateways and both auth replicas: per address and per client IP", async () => {
		// Per address: failures counted wherever they land.
		const victim = `victim-${Date.now()}@example.com`;
		expect((await post(gw1, `${AUTH}/register`, { email: victim, password }, undefined, "198.51.100.1")).status).toBe(201);
		const failures = [];
		for (let i = 0; i < 5; i++) {
			failures.push((await post(i % 2 ? gw2 : gw1, `${AUTH}/login`, { email: victim, password: `wrong guess ${i}` }, undefined, "198.51.100.2")).status);
		}
		expect(failures).toEqual([401, 401, 401, 401, 401]);
		for (const gw of [gw1, gw2]) {
			const locked = await post(gw, `${AUTH}/login`, { email: victim, password }, undefined, "198.51.100.3");
			expect(locked.status).toBe(429);
			expect(locked.body.type).toBe("TOO_MANY_ATTEMPTS");
		}

		// Per client IP: 40 a minute in all, whichever gateway and replica serve them.
		await awayFromMinuteBoundary();
		const ip = "203.0.113.40";
		const statuses: number[] = [];
		for (let i = 0; i < 41; i++) {
			statuses.push((await post(i % 2 ? gw2 : gw1, `${AUTH}/password/forgot`, { email: `nobody-${i}@example.com` }, undefined, ip)).status);
		}
		expect(statuses.slice(0, 40).every(s => s === 202)).toBe(true);
		expect(statuses[40]).toBe(429);
		const again = await post(gw1, `${AUTH}/login`, { email: victim, password }, undefined, ip);
		expect(again.status).toBe(429);
		expect(again.body.type).toBe("RATE_LIMITED");
	}, 60_000);

	it("loses no request when a users replica is SIGKILLed, nor when another is SIGTERMed", async () => {
		const load = new Load(() => [gw1, gw2], token, 8);
		await new Promise(r => setTimeout(r, 2_000));

		const killedAt = Date.now();
		await usersA.kill("SIGKILL");
		await new Promise(r => setTimeout(r, 8_000));
		const kill = load.report(killedAt, Date.now());
		console.log("SIGKILL users-a:", JSON.stringify(kill));

		// A replacement joins (as an orchestrator would start one); then the other replica is stopped gracefully.
		usersC = await startNode("users-c", ["users"], { LOG_LEVEL: "info" });
		await usersC.said(/ServiceBroker with \d+ service\(s\) started successfully/);
		// Its INFO reaches the gateways at once; a heartbeat later every node surely knows it.
		await new Promise(r => setTimeout(r, 2_000));
		const termAt = Date.now();
		await usersB.kill("SIGTERM");
		await new Promise(r => setTimeout(r, 5_000));
		const term = load.report(termAt, Date.now());
		console.log("SIGTERM users-b:", JSON.stringify(term));

		await load.stop();
		const all = load.report();
		console.log("whole run:", JSON.stringify(all));
		expect(kill.requests).toBeGreaterThan(50);
		expect(kill.failed).toBe(0);
		expect(term.requests).toBeGreaterThan(50);
		expect(term.failed).toBe(0);
		expect(all.failed).toBe(0);
	}, 120_000);

	it("serves again within 10 s of a NATS restart, without restarting any node", async () => {
		await nats.stop("SIGKILL");
		await new Promise(r => setTimeout(r, 1_000));
		const restartedAt = Date.now();
		await nats.start(NATS_AUTH);
		const seen: string[] = [];
		// Not GET /me: each gateway may answer it from its read cache without the bus. The session list is
		// always auth's, on another node.
		await waitFor(
			"GET /auth/sessions through both gateways",
			async () => {
				const [a, b] = [await getStatus(gw1, `${AUTH}/sessions`, token), await getStatus(gw2, `${AUTH}/sessions`, token)];
				seen.push(`${Date.now() - restartedAt}:${a}/${b}`);
				return a === 200 && b === 200;
			},
			10_000
		).finally(() => console.log("after the NATS restart:", seen.join(" ")));
		console.log(`serving again ${Date.now() - restartedAt} ms after NATS restarted`);
		// Writes across nodes work again too.
		expect((await post(gw2, `${AUTH}/login`, { email, password })).status).toBe(200);
	}, 60_000);

	it("answers 503 on readiness while no users node is live, and 200 once one returns", async () => {
		const ready = async (gw: BackendNode) => (await fetch(`${gw.url}/api/health/ready`)).status;
		expect(await ready(gw1)).toBe(200);
		await usersC.kill("SIGTERM");
		await waitFor("gw-1 not ready without users", async () => (await ready(gw1)) === 503, 15_000);
		expect(await ready(gw2)).toBe(503);
		expect((await fetch(`${gw1.url}/api/health/live`)).status).toBe(200);

		await startNode("users-d", ["users"]);
		await waitFor("gw-1 ready again", async () => (await ready(gw1)) === 200, 60_000);
		await waitFor("gw-2 ready again", async () => (await ready(gw2)) === 200, 10_000);
		expect(await me(gw2, token)).toBe(200);
	}, 90_000);
});
