/**
 * The simplest way to scale out (CONTRACT §3, §7): identical nodes that each run every service (TRANSPORTER
 * set, SERVICES unset) with ADMIN_EMAIL, on one MongoDB (FerretDB) and an authenticated nats-server. They
 * start together (each may be the one that creates the admin), and are restarted one at a time under load
 * (GET /me through every node in the rotation, as a load balancer does) without a failed request.
 */
import fs from "node:fs";
import { BackendNode, Load, NatsServer, sharedDataDir, waitFor } from "../helpers/cluster";
import { FerretDb } from "../helpers/ferretdb";
import { MailCatcher } from "../helpers/mail-catcher";

const NATS_AUTH = { user: "backend", pass: "identical-secret" };
const ADMIN_EMAIL = "cluster-root@example.com";
const ADMIN_PASSWORD = "cluster root passphrase";
const NAMES = ["node-1", "node-2", "node-3"];

async function post(node: BackendNode, path: string, body: unknown, token?: string) {
	const res = await fetch(`${node.url}${path}`, {
		method: "POST",
		headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
		body: JSON.stringify(body)
	});
	const text = await res.text();
	return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe("cluster: three identical all-in-one nodes with ADMIN_EMAIL", () => {
	let nats: NatsServer;
	let ferret: FerretDb;
	let mail: MailCatcher;
	let dataDir: string;
	let shared: Record<string, string>;
	/** The nodes in the load balancer's rotation. */
	const nodes = new Map<string, BackendNode>();
	const all: BackendNode[] = [];

	const start = async (name: string) => {
		const node = await BackendNode.start({ name, services: "all", env: { LOG_LEVEL: "warn" } }, shared);
		all.push(node);
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
			MONGO_URI: `${ferret.uri}/identical`,
			DATA_DIR: dataDir,
			SMTP_URL: await mail.start(),
			BCRYPT_ROUNDS: "4",
			ADMIN_EMAIL,
			ADMIN_PASSWORD
		};
		const { loadSigningKey } = await import("../../lib/tokens/keys");
		const { loadConfig } = await import("../../lib/config");
		loadSigningKey({ ...loadConfig({}), dataDir });
		const started = await Promise.all(NAMES.map(start));
		await Promise.all(started.map(n => n.ready(90_000)));
		for (const n of started) nodes.set(n.name, n);
	}, 150_000);

	afterAll(async () => {
		await Promise.all(all.map(n => n.kill("SIGKILL")));
		await nats?.stop();
		await ferret?.destroy();
		await mail?.stop();
		if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
	});

	afterEach(() => {
		const state = expect.getState();
		if (state.assertionCalls !== state.numPassingAsserts) for (const n of all) console.log(`--- ${n.name}\n${n.output.slice(-3000)}`);
	});

	let adminToken: string;

	it("all three start, and exactly one admin account exists, created once (one audit entry)", async () => {
		const [first] = nodes.values();
		const login = await post(first, "/api/v1/auth/login", { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
		expect(login.status).toBe(200);
		adminToken = login.body.accessToken;
		for (const node of nodes.values()) {
			const list: { rows: Array<{ email: string; roles: string[] }> } = (await (await fetch(`${node.url}/api/v1/users?search=${encodeURIComponent(ADMIN_EMAIL)}`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as never;
			expect(list.rows.map(u => [u.email, u.roles])).toEqual([[ADMIN_EMAIL, ["user", "admin"]]]);
		}
		const audit: { rows: unknown[] } = (await (await fetch(`${first.url}/api/v1/audit?type=admin.bootstrap`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as never;
		expect(audit.rows.length).toBe(1);
		for (const node of nodes.values()) expect(node.output).not.toMatch(/not registered|timed out|Could not set up/);
	});

	it("each node's read cache of /me: a change through one node is in the next read through the others, a disabled account is refused everywhere", async () => {
		const [first, ...others] = nodes.values();
		const email = `cached-${Date.now()}@example.com`;
		const password = "cached reader passphrase";
		expect((await post(first, "/api/v1/auth/register", { email, password })).status).toBe(201);
		expect((await post(first, "/api/v1/auth/verify-email", { token: await mail.tokenFor(email, "verify-email", 20_000) })).status).toBe(200);
		const login = await post(first, "/api/v1/auth/login", { email, password });
		expect(login.status).toBe(200);
		const token: string = login.body.accessToken;
		const read = async (node: BackendNode) => {
			const res = await fetch(`${node.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${token}` } });
			const text = await res.text();
			return { status: res.status, body: text ? JSON.parse(text) : null };
		};
		// Read twice on every node: each holds the user in its cache.
		for (const node of nodes.values()) for (let i = 0; i < 2; i++) expect((await read(node)).body.displayName).toBe("");

		const renamed = await fetch(`${first.url}/api/v1/users/me`, {
			method: "PATCH",
			headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
			body: JSON.stringify({ displayName: "Renamed on the first node" })
		});
		expect(renamed.status).toBe(200);
		const changed = Date.now();
		expect((await read(first)).body.displayName).toBe("Renamed on the first node");
		for (const node of others) {
			await waitFor(`${node.name} reading the new name`, async () => (await read(node)).body.displayName === "Renamed on the first node", 1_000);
		}
		console.log(`the change was read at every node after ${Date.now() - changed} ms`);

		const disabled = await fetch(`${first.url}/api/v1/users/${login.body.user.id}`, {
			method: "PATCH",
			headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
			body: JSON.stringify({ status: "disabled" })
		});
		expect(disabled.status).toBe(200);
		expect((await read(first)).status).toBe(401);
		for (const node of others) await waitFor(`${node.name} refusing the disabled account`, async () => (await read(node)).status === 401, 1_000);
	}, 60_000);

	it("restarts each node in turn under load without a failed request", async () => {
		const [first] = nodes.values();
		const email = `identical-${Date.now()}@example.com`;
		expect((await post(first, "/api/v1/auth/register", { email, password: "identical passphrase" })).status).toBe(201);
		const verify = await mail.tokenFor(email, "verify-email", 20_000);
		expect((await post(first, "/api/v1/auth/verify-email", { token: verify })).status).toBe(200);
		const token = (await post(first, "/api/v1/auth/login", { email, password: "identical passphrase" })).body.accessToken as string;

		const load = new Load(() => [...nodes.values()], token, 6);
		await new Promise(r => setTimeout(r, 2_000));
		const rounds: string[] = [];
		for (const name of NAMES) {
			const old = nodes.get(name)!;
			// Out of the rotation first (a load balancer drains a terminating pod), then a graceful stop.
			nodes.delete(name);
			const from = Date.now();
			await old.kill("SIGTERM");
			const back = await start(name);
			await back.ready(90_000);
			nodes.set(name, back);
			await new Promise(r => setTimeout(r, 2_000));
			rounds.push(`${name}: ${JSON.stringify(load.report(from, Date.now()))}`);
			expect(await old.proc.exited).toBe(0);
		}
		await load.stop();
		const whole = load.report();
		console.log(`restart under load, per node:\n${rounds.join("\n")}\nwhole run: ${JSON.stringify(whole)}`);
		expect(whole.requests).toBeGreaterThan(300);
		expect(whole.failed).toBe(0);
		// The admin was not created again by the restarted nodes.
		const audit: { rows: unknown[] } = (await (await fetch(`${[...nodes.values()][0].url}/api/v1/audit?type=admin.bootstrap`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as never;
		expect(audit.rows.length).toBe(1);
	}, 400_000);
});
