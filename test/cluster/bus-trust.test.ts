/**
 * Identity on the bus is proven, not asserted (CONTRACT §7). A gateway and a backend node (users, auth,
 * notifications) join an authenticated nats-server; a separate broker that holds the NATS credentials but no
 * key joins the same namespace and calls protected actions with forged identities in several shapes: each
 * is refused by the node that runs the action, while the same calls through the gateway with a real token
 * succeed, and calls from action to action (token propagated in meta) keep working.
 */
import { generateKeyPairSync } from "node:crypto";
import { ServiceBroker, type ServiceBroker as Broker } from "moleculer";
import { signAccessToken } from "../../lib/tokens/access";
import { loadSigningKey, thumbprint, type SigningKey } from "../../lib/tokens/keys";
import { signOperatorAssertion } from "../../lib/tokens/operator";
import type { AppMeta } from "../../lib/types";
import { createBroker } from "../../server";
import { startApp, type TestApp } from "../helpers/app";
import { NatsServer, waitFor } from "../helpers/cluster";
import { decodeJwt, login, registerUser, type Tokens } from "../helpers/kit";

const NATS_USER = "backend";
const NATS_PASS = "bus-trust-secret";
const ADMIN_EMAIL = "bus-admin@example.com";
const ADMIN_PASSWORD = "bus admin passphrase";

describe("bus trust: a broker on the same NATS cannot pose as anyone", () => {
	let nats: NatsServer;
	let gateway: TestApp;
	let backend: Broker;
	let rogue: Broker;
	let admin: Tokens;
	let adminSid: string;
	let signingKey: SigningKey;
	const namespace = `bus-trust-${process.pid}`;

	beforeAll(async () => {
		nats = await NatsServer.create();
		await nats.start({ user: NATS_USER, pass: NATS_PASS });
		const transporter = `nats://${NATS_USER}:${NATS_PASS}@127.0.0.1:${nats.port}`;
		gateway = await startApp({ services: ["api"], transporter, namespace, logLevel: "warn" });
		// The backend node: another broker, the same dev key (DATA_DIR) and SMTP sink as the gateway's.
		backend = createBroker({ ...gateway.config, services: ["users", "auth", "notifications"], nodeId: `backend-${process.pid}`, adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD }, { logger: false });
		await backend.start();
		await (backend.getLocalService("auth") as unknown as { adminBootstrap: Promise<unknown> }).adminBootstrap;
		await waitFor("gateway ready", async () => (await gateway.request("GET", "/api/health/ready")).status === 200, 20_000);
		admin = await login(gateway, ADMIN_EMAIL, ADMIN_PASSWORD);
		adminSid = decodeJwt(admin.accessToken).payload.sid;
		signingKey = loadSigningKey(gateway.config);

		rogue = new ServiceBroker({ namespace, nodeID: `rogue-${process.pid}`, transporter: { type: "NATS", options: { url: transporter } }, logger: false, requestTimeout: 5_000 });
		await rogue.start();
		await rogue.waitForServices(["users", "auth"], 10_000);
	}, 60_000);

	afterAll(async () => {
		await rogue?.stop();
		await backend?.stop();
		await gateway?.stop();
		await nats?.stop();
	});

	/** What the node running the action answered the rogue broker: "accepted", or "<code> <type>". */
	async function answer(action: string, params: object, meta: AppMeta): Promise<string> {
		try {
			await rogue.call(action, params, { meta });
			return "accepted";
		} catch (err) {
			const e = err as { code?: number; type?: string };
			return `${e.code} ${e.type}`;
		}
	}

	function foreignKey(kid?: string): SigningKey {
		const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
		return { kid: kid ?? thumbprint(publicKey), alg: "PS256", key: publicKey, privateKey };
	}

	function adminTokenSignedBy(key: SigningKey, at = Date.now()): string {
		const opts = { issuer: gateway.config.jwtIssuer, audience: gateway.config.jwtAudience, ttl: 900, now: at };
		return signAccessToken({ userId: admin.user.id, sessionId: adminSid, roles: ["user", "admin"] }, key, opts);
	}

	/** Admin-only actions of both backend services, and one that only needs a user. */
	const PROTECTED: Array<[string, object]> = [
		["users.list", {}],
		["users.update", { id: "someone", roles: ["user", "admin"] }],
		["auth.clearThrottle", { email: "someone@example.com" }],
		["users.me", {}]
	];

	it.each(PROTECTED)("%s: refuses a made-up admin in meta.user (no token, no authFailure) with 401", async (action, params) => {
		expect(await answer(action, params, { user: { id: "forged", sid: "forged", roles: ["user", "admin"] } })).toBe("401 UNAUTHORIZED");
	});

	it.each(PROTECTED)("%s: refuses the real admin's id and session id with admin roles in meta.user, without the token, with 401", async (action, params) => {
		expect(await answer(action, params, { user: { id: admin.user.id, sid: adminSid, roles: ["user", "admin"] } })).toBe("401 UNAUTHORIZED");
	});

	it.each(PROTECTED)("%s: refuses an admin token signed by another key (unknown kid, or ours) with 401", async (action, params) => {
		expect(await answer(action, params, { accessToken: adminTokenSignedBy(foreignKey()) })).toBe("401 INVALID_TOKEN");
		expect(await answer(action, params, { accessToken: adminTokenSignedBy(foreignKey(signingKey.kid)) })).toBe("401 INVALID_TOKEN");
	});

	it.each(PROTECTED)("%s: refuses an expired admin token signed by our key, with meta.user admin too, with 401", async (action, params) => {
		const expired = adminTokenSignedBy(signingKey, Date.now() - 3_600_000);
		expect(await answer(action, params, { accessToken: expired, user: { id: admin.user.id, sid: adminSid, roles: ["admin"] } })).toBe("401 INVALID_TOKEN");
	});

	it("refuses an operator assertion signed by another key with 401", async () => {
		const opts = { issuer: gateway.config.jwtIssuer, audience: gateway.config.jwtAudience };
		expect(await answer("users.list", {}, { operatorAssertion: signOperatorAssertion("mallory", foreignKey(signingKey.kid), opts) })).toBe("401 INVALID_TOKEN");
		expect(await answer("users.list", {}, { operatorAssertion: admin.accessToken })).toBe("401 INVALID_TOKEN");
	});

	it("refuses a user's real token with admin roles claimed in meta.user with 403", async () => {
		const alice = await registerUser(gateway, { login: true });
		const forged = { accessToken: alice.accessToken, user: { id: alice.user.id, sid: "x", roles: ["user", "admin"] as Array<"user" | "admin"> } };
		expect(await answer("users.list", {}, forged)).toBe("403 FORBIDDEN");
		expect(await answer("users.update", { id: alice.user.id, roles: ["user", "admin"] }, forged)).toBe("403 FORBIDDEN");
		expect((await gateway.request("GET", "/api/v1/users/me", { token: alice.accessToken })).body.roles).toEqual(["user"]);
	});

	it("refuses on the backend node the token of a session ended at the gateway (revocation reaches every node)", async () => {
		const second = await login(gateway, ADMIN_EMAIL, ADMIN_PASSWORD);
		expect(await answer("users.list", {}, { accessToken: second.accessToken })).toBe("accepted");
		expect((await gateway.request("POST", "/api/v1/auth/logout", { token: second.accessToken })).status).toBe(204);
		await waitFor("the backend refusing the ended session", async () => (await answer("users.list", {}, { accessToken: second.accessToken })) === "401 INVALID_TOKEN", 2_000);
	});

	it("the same calls through the gateway with the real admin token succeed", async () => {
		const list = await gateway.request("GET", "/api/v1/users", { token: admin.accessToken });
		expect(list.status).toBe(200);
		expect(list.body.rows.map((u: { email: string }) => u.email)).toContain(ADMIN_EMAIL);
		expect((await gateway.request("POST", "/api/v1/auth/throttles/clear", { token: admin.accessToken, body: { email: "someone@example.com" } })).status).toBe(204);
		expect((await gateway.request("GET", "/api/v1/users/me", { token: admin.accessToken })).body.email).toBe(ADMIN_EMAIL);
	});

	it("calls from action to action keep working: deleting one's account (users → auth) through the gateway", async () => {
		const bob = await registerUser(gateway, { login: true });
		expect((await gateway.request("DELETE", "/api/v1/users/me", { token: bob.accessToken, body: { password: bob.password } })).status).toBe(204);
		expect((await gateway.request("GET", "/api/v1/users/me", { token: bob.accessToken })).status).toBe(401);
	});
});
