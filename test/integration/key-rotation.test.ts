/**
 * Rotating the signing key (README "Rotating the signing key"; CONTRACT §1 JWT_PRIVATE_KEY / JWT_PUBLIC_KEYS):
 * three nodes in turn on one store — signing with A; signing with B while accepting A and B; then B only.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import jwt from "jsonwebtoken";
import { startApp, type TestApp } from "../helpers/app";
import { Secrets, decodeJwt, expectError, login, registerUser, type Account, type Tokens } from "../helpers/kit";

const AUTH = "/api/v1/auth";

interface KeyPair {
	privatePem: string;
	publicPem: string;
	/** The modulus of the public key (JWK `n`): identifies the key in a JWKS. */
	n: string;
}

function rsaKey(): KeyPair {
	const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
	return {
		privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
		publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
		n: publicKey.export({ format: "jwk" }).n as string
	};
}

describe("signing-key rotation", () => {
	const A = rsaKey();
	const B = rsaKey();
	const secrets = new Secrets();
	let dataDir: string;
	let mongoUri: string | undefined;
	let app: TestApp | undefined;

	let alice: Account;
	/** Issued by app 1 (key A). */
	let oldSession: Tokens;
	let oldRefreshOnly: Tokens;
	let kidA: string;
	/** Issued by app 2 (key B). */
	let newSession: Tokens;
	let refreshedUnder2: Tokens;
	let kidB: string;

	const me = (token: string) => app!.request("GET", "/api/v1/users/me", { token });
	const jwks = async () => {
		const res = await app!.request("GET", "/.well-known/jwks.json");
		expect(res.status).toBe(200);
		return res.body.keys as any[];
	};
	/** The kid the JWKS gives the key with this modulus. */
	const kidOf = (keys: any[], key: KeyPair): string | undefined => keys.find(k => k.n === key.n)?.kid;

	async function restart(env: Record<string, string>): Promise<void> {
		if (app) await app.stop();
		app = undefined;
		app = await startApp({ dataDir, ...(mongoUri ? { mongoUri } : {}) }, env);
	}

	beforeAll(() => {
		// The harness removes only the folder it made itself; this one is shared by the three apps.
		dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "ub-rotation-"));
	});
	afterAll(async () => {
		await app?.stop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	describe("app 1: JWT_PRIVATE_KEY=A, JWT_PUBLIC_KEYS=A", () => {
		beforeAll(async () => {
			app = await startApp({ dataDir }, { JWT_PRIVATE_KEY: A.privatePem, JWT_PUBLIC_KEYS: A.publicPem });
			// The mongoose project gives each app a database of its own: the next apps must use this one.
			mongoUri = app.config.mongoUri;
			alice = await registerUser(app, { secrets });
			oldSession = await login(app, alice.email, alice.password, { secrets });
			oldRefreshOnly = await login(app, alice.email, alice.password, { secrets });
		});

		it("publishes key A only, and signs with it", async () => {
			const keys = await jwks();
			expect(keys).toHaveLength(1);
			expect(keys[0].n).toBe(A.n);
			kidA = keys[0].kid;
			expect(typeof kidA).toBe("string");
			const { header } = decodeJwt(oldSession.accessToken);
			expect(header.kid).toBe(kidA);
			expect(header.alg).toBe("PS256");
			expect(() => jwt.verify(oldSession.accessToken, createPublicKey(A.publicPem), { algorithms: ["PS256"] })).not.toThrow();
			expect(() => jwt.verify(oldSession.accessToken, createPublicKey(B.publicPem), { algorithms: ["PS256"] })).toThrow();
			expect((await me(oldSession.accessToken)).status).toBe(200);
		});
	});

	describe("app 2 on the same store: JWT_PRIVATE_KEY=B, JWT_PUBLIC_KEYS=A+B", () => {
		beforeAll(async () => {
			await restart({ JWT_PRIVATE_KEY: B.privatePem, JWT_PUBLIC_KEYS: `${A.publicPem}\n${B.publicPem}` });
		});

		it("runs on the same store (the account is there)", async () => {
			expect(app!.config.dataDir).toBe(dataDir);
			expect(app!.config.mongoUri).toBe(mongoUri);
			newSession = await login(app!, alice.email, alice.password, { secrets });
			expect(newSession.user.id).toBe(alice.user.id);
		});

		it("still accepts the access token signed with A (no one is signed out)", async () => {
			const res = await me(oldSession.accessToken);
			expect(res.status).toBe(200);
			expect(res.body.id).toBe(alice.user.id);
			const sessions = await app!.request("GET", `${AUTH}/sessions`, { token: oldSession.accessToken });
			expect(sessions.status).toBe(200);
			expect(sessions.body.find((s: any) => s.current)?.id).toBe(decodeJwt(oldSession.accessToken).payload.sid);
		});

		it("signs new tokens with B, under B's kid", async () => {
			const { header } = decodeJwt(newSession.accessToken);
			const keys = await jwks();
			kidB = kidOf(keys, B)!;
			expect(kidB).toBeDefined();
			expect(kidB).not.toBe(kidA);
			expect(header.kid).toBe(kidB);
			expect(() => jwt.verify(newSession.accessToken, createPublicKey(B.publicPem), { algorithms: ["PS256"] })).not.toThrow();
			expect((await me(newSession.accessToken)).status).toBe(200);
		});

		it("publishes both keys in the JWKS", async () => {
			const keys = await jwks();
			expect(keys.map(k => k.kid).sort()).toEqual([kidA, kidB].sort());
			expect(kidOf(keys, A)).toBe(kidA);
			for (const k of keys) {
				expect(k).toMatchObject({ kty: "RSA", alg: "PS256", use: "sig" });
				expect(k.d).toBeUndefined();
				expect(k.p).toBeUndefined();
			}
		});

		it("refreshes a refresh token issued under A: same session, a token signed with B", async () => {
			const res = await app!.request<Tokens>("POST", `${AUTH}/refresh`, { body: { refreshToken: oldRefreshOnly.refreshToken } });
			expect(res.status).toBe(200);
			secrets.addTokens(res.body);
			refreshedUnder2 = res.body;
			const { header, payload } = decodeJwt(res.body.accessToken);
			expect(header.kid).toBe(kidB);
			expect(payload.sid).toBe(decodeJwt(oldRefreshOnly.accessToken).payload.sid);
			expect((await me(res.body.accessToken)).status).toBe(200);
			// The old session's own refresh token works too.
			const again = await app!.request<Tokens>("POST", `${AUTH}/refresh`, { body: { refreshToken: oldSession.refreshToken } });
			expect(again.status).toBe(200);
			secrets.addTokens(again.body);
			oldSession = { ...oldSession, refreshToken: again.body.refreshToken };
		});
	});

	describe("app 3 on the same store: B only (given as .env-style escaped PEMs)", () => {
		beforeAll(async () => {
			const escaped = (pem: string) => pem.trim().replace(/\n/g, "\\n");
			await restart({ JWT_PRIVATE_KEY: escaped(B.privatePem), JWT_PUBLIC_KEYS: escaped(B.publicPem) });
		});

		it("publishes key B only", async () => {
			const keys = await jwks();
			expect(keys.map(k => k.kid)).toEqual([kidB]);
			expect(keys[0].n).toBe(B.n);
		});

		it("refuses the token signed with A (401) and accepts the ones signed with B", async () => {
			expect(decodeJwt(oldSession.accessToken).header.kid).toBe(kidA);
			expectError(await me(oldSession.accessToken), 401, "INVALID_TOKEN");
			for (const t of [newSession, refreshedUnder2]) {
				const res = await me(t.accessToken);
				expect(res.status).toBe(200);
				expect(res.body.id).toBe(alice.user.id);
			}
		});

		it("a session begun under A goes on with a refresh: the new token is signed with B", async () => {
			const res = await app!.request<Tokens>("POST", `${AUTH}/refresh`, { body: { refreshToken: oldSession.refreshToken } });
			expect(res.status).toBe(200);
			secrets.addTokens(res.body);
			expect(decodeJwt(res.body.accessToken).header.kid).toBe(kidB);
			expect((await me(res.body.accessToken)).status).toBe(200);
		});

		it("no key material or token appears in the logs", () => {
			const text = app!.logs.join("\n");
			expect(text).not.toContain("PRIVATE KEY");
			expect(text).not.toContain(B.privatePem.split("\n")[1]);
			expect(secrets.leaks(app!.logs)).toEqual([]);
		});
	});
});
