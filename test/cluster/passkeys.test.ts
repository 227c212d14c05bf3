/**
 * Passkey ceremonies across auth replicas: separate node processes over NATS on MongoDB (FerretDB). Two edge
 * nodes each run a gateway and an `auth` replica; a gateway prefers its own node's replica (registry
 * preferLocal), so a ceremony begun through one edge and finished through the other is begun and finished by
 * two different replicas, the challenge shared only through the store. The last test makes it certain: the
 * replica that began the ceremony is killed before the other finishes it. The browser's part is played by the
 * software authenticator of the unit tests (a browser across processes adds nothing the store does not).
 */
import fs from "node:fs";
import { BackendNode, NatsServer, sharedDataDir } from "../helpers/cluster";
import { FerretDb } from "../helpers/ferretdb";
import { MailCatcher } from "../helpers/mail-catcher";
import { SoftAuthenticator } from "../unit/mfa/soft-authenticator";

const AUTH = "/api/v1/auth";
const ORIGIN = "https://id.example.com";
const RP_ID = "example.com";

async function post(node: BackendNode, path: string, body: unknown, token?: string) {
	const res = await fetch(`${node.url}${path}`, {
		method: "POST",
		headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
		body: JSON.stringify(body)
	});
	const text = await res.text();
	return { status: res.status, body: text ? JSON.parse(text) : null };
}

const amrOf = (accessToken: string) => JSON.parse(Buffer.from(accessToken.split(".")[1], "base64url").toString("utf8")).amr;

describe("cluster: passkey ceremonies across auth replicas", () => {
	let nats: NatsServer;
	let ferret: FerretDb;
	let mail: MailCatcher;
	let dataDir: string;
	const nodes: BackendNode[] = [];
	let edgeA: BackendNode;
	let edgeB: BackendNode;
	const key = new SoftAuthenticator(ORIGIN, RP_ID);

	beforeAll(async () => {
		nats = await NatsServer.create();
		await nats.start();
		ferret = await FerretDb.create();
		await ferret.start();
		mail = new MailCatcher();
		dataDir = sharedDataDir();
		const shared = {
			TRANSPORTER: nats.url,
			MONGO_URI: `${ferret.uri}/passkeys`,
			DATA_DIR: dataDir,
			SMTP_URL: await mail.start(),
			BCRYPT_ROUNDS: "4",
			WEBAUTHN_ORIGINS: ORIGIN,
			WEBAUTHN_RP_ID: RP_ID,
			LOG_LEVEL: "warn"
		};
		// The signing key is made once before the nodes start, as an operator would provide it.
		const { loadSigningKey } = await import("../../lib/tokens/keys");
		const { loadConfig } = await import("../../lib/config");
		loadSigningKey({ ...loadConfig({}), dataDir });
		const start = async (name: string, services: string[]) => {
			const node = await BackendNode.start({ name, services }, shared);
			nodes.push(node);
			return node;
		};
		[edgeA, edgeB] = await Promise.all([start("edge-a", ["api", "auth"]), start("edge-b", ["api", "auth"]), start("users-1", ["users"]), start("notifications-1", ["notifications"])]);
		await Promise.all([edgeA.ready(60_000), edgeB.ready(60_000)]);
	}, 120_000);

	afterAll(async () => {
		await Promise.all(nodes.map(n => n.kill("SIGKILL")));
		await nats?.stop();
		await ferret?.destroy();
		await mail?.stop();
		if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
	});

	afterEach(() => {
		const state = expect.getState();
		if (state.assertionCalls !== state.numPassingAsserts) for (const n of nodes) console.log(`--- ${n.name}\n${n.output.slice(-2000)}`);
	});

	let email: string;

	it("enrols a passkey begun on one replica and finished on the other", async () => {
		email = `passkey-${Date.now()}@example.com`;
		const password = "cluster passphrase";
		expect((await post(edgeA, `${AUTH}/register`, { email, password })).status).toBe(201);
		expect((await post(edgeA, `${AUTH}/verify-email`, { token: await mail.tokenFor(email, "verify-email", 20_000) })).status).toBe(200);
		const { accessToken } = (await post(edgeA, `${AUTH}/login`, { email, password })).body;
		const options = await post(edgeA, `${AUTH}/passkeys/register/options`, {}, accessToken);
		expect(options.status).toBe(200);
		const enrolled = await post(edgeB, `${AUTH}/passkeys/register/verify`, { name: "Cluster key", response: key.register(options.body) }, accessToken);
		expect({ status: enrolled.status, name: enrolled.body.name, codes: enrolled.body.recoveryCodes.length }).toEqual({ status: 201, name: "Cluster key", codes: 10 });
	}, 60_000);

	it("signs in discoverably and by e-mail, each begun on one replica and finished on the other", async () => {
		for (const [begin, finish, start] of [
			[edgeB, edgeA, {}],
			[edgeA, edgeB, { email }]
		] as const) {
			const begun = await post(begin, `${AUTH}/passkeys/login/options`, start);
			expect(begun.status).toBe(200);
			const done = await post(finish, `${AUTH}/passkeys/login/verify`, { challengeId: begun.body.challengeId, response: key.assert(begun.body.options) });
			expect({ status: done.status, amr: amrOf(done.body.accessToken), email: done.body.user.email }).toEqual({ status: 200, amr: ["hwk", "mfa"], email });
		}
	}, 30_000);

	it("refuses the same assertion at the other replica once one has accepted it (the challenge is spent in the store)", async () => {
		const begun = await post(edgeA, `${AUTH}/passkeys/login/options`, {});
		const body = { challengeId: begun.body.challengeId, response: key.assert(begun.body.options) };
		expect((await post(edgeA, `${AUTH}/passkeys/login/verify`, body)).status).toBe(200);
		const replayed = await post(edgeB, `${AUTH}/passkeys/login/verify`, body);
		expect({ status: replayed.status, type: replayed.body.type }).toEqual({ status: 400, type: "INVALID_TOKEN" });
	}, 30_000);

	it("finishes a sign-in after the replica that began it is gone", async () => {
		const begun = await post(edgeA, `${AUTH}/passkeys/login/options`, { email });
		expect(begun.status).toBe(200);
		await edgeA.kill("SIGKILL");
		const done = await post(edgeB, `${AUTH}/passkeys/login/verify`, { challengeId: begun.body.challengeId, response: key.assert(begun.body.options) });
		expect({ status: done.status, amr: amrOf(done.body.accessToken) }).toEqual({ status: 200, amr: ["hwk", "mfa"] });
	}, 30_000);
});
