import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateKeyPairSync } from "node:crypto";
import type { Context } from "moleculer";
import { CallerIdentity } from "../../lib/bus-identity";
import { loadConfig } from "../../lib/config";
import { ApiError } from "../../lib/errors";
import { signAccessToken } from "../../lib/tokens/access";
import { loadSigningKey, thumbprint, type SigningKey } from "../../lib/tokens/keys";
import { signOperatorAssertion } from "../../lib/tokens/operator";
import type { Role } from "../../lib/enums";
import type { AccessRule, AppMeta, AuthUser } from "../../lib/types";
import { AccessControlMiddleware } from "../../middlewares/access-control";

type Next = (ctx: Context) => Promise<unknown>;
type Wrapper = (next: Next, action: AccessRule & { name?: string }) => Next;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "access-control-test-"));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
const config = loadConfig({ DATA_DIR: dataDir });
const key = loadSigningKey(config);
const TTL = 900;
const now = Date.now();
const clock = { now: () => now };

function otherKey(kid?: string): SigningKey {
	const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
	return { kid: kid ?? thumbprint(publicKey), alg: "PS256", key: publicKey, privateKey };
}

function token(roles: Role[], opts: { sid?: string; by?: SigningKey; at?: number; userId?: string } = {}): string {
	return signAccessToken({ userId: opts.userId ?? "u1", sessionId: opts.sid ?? "s1", roles }, opts.by ?? key, {
		issuer: config.jwtIssuer,
		audience: config.jwtAudience,
		ttl: TTL,
		now: opts.at ?? now
	});
}

const userToken = token(["user"]);
const adminToken = token(["user", "admin"], { userId: "a1", sid: "s2" });
const forgedAdmin: AuthUser = { id: "a1", sid: "s2", roles: ["user", "admin"] };

function fakeCtx(meta: AppMeta): Context<unknown, AppMeta> {
	return { meta, params: {} } as unknown as Context<unknown, AppMeta>;
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
	try {
		await promise;
	} catch (err) {
		return err as ApiError;
	}
	throw new Error("expected a rejection");
}

describe("AccessControlMiddleware.localAction", () => {
	let identity: CallerIdentity;
	let wrap: Wrapper;
	let next: jest.Mock<Promise<unknown>, [Context]>;
	beforeEach(() => {
		identity = CallerIdentity.fromConfig(config);
		wrap = (AccessControlMiddleware(identity, clock) as unknown as { localAction: Wrapper }).localAction;
		next = jest.fn(async (_ctx: Context) => "handler result" as unknown);
	});

	it("is named AccessControl", () => {
		expect(AccessControlMiddleware(identity, clock).name).toBe("AccessControl");
	});

	describe("open actions", () => {
		it("run for anyone, and see the user the token proves", async () => {
			const ctx = fakeCtx({ accessToken: userToken });
			await expect(wrap(next, { name: "auth.login" })(ctx)).resolves.toBe("handler result");
			expect(ctx.meta.user).toEqual({ id: "u1", sid: "s1", roles: ["user"] });
		});

		it("never see a user sent without a token (no forged actor reaches a handler or the audit trail)", async () => {
			const ctx = fakeCtx({ user: forgedAdmin });
			await wrap(next, { name: "users.create" })(ctx);
			expect(next).toHaveBeenCalledTimes(1);
			expect(ctx.meta.user).toBeUndefined();
		});
	});

	describe('auth: "required"', () => {
		it("calls the handler for any user whose token is valid", async () => {
			const ctx = fakeCtx({ accessToken: userToken });
			await expect(wrap(next, { name: "users.me", auth: "required" })(ctx)).resolves.toBe("handler result");
			expect(next).toHaveBeenCalledWith(ctx);
		});

		it("answers 401 UNAUTHORIZED without a token, whatever meta.user says", async () => {
			const handler = wrap(next, { auth: "required" });
			for (const meta of [{}, { user: null }, { user: forgedAdmin }] as AppMeta[]) {
				const err = await rejection(handler(fakeCtx(meta)));
				expect(err).toBeInstanceOf(ApiError);
				expect([err.code, err.type]).toEqual([401, "UNAUTHORIZED"]);
			}
			expect(next).not.toHaveBeenCalled();
		});

		it.each(["invalid", "expired", "revoked"] as const)("answers 401 INVALID_TOKEN when the gateway found the token %s", async authFailure => {
			const err = await rejection(wrap(next, { auth: "required" })(fakeCtx({ authFailure })));
			expect([err.code, err.type]).toEqual([401, "INVALID_TOKEN"]);
			expect(next).not.toHaveBeenCalled();
		});

		it("rejects (does not throw synchronously)", () => {
			const handler = wrap(next, { auth: "required" });
			let result: Promise<unknown> | undefined;
			expect(() => {
				result = handler(fakeCtx({}));
			}).not.toThrow();
			return expect(result).rejects.toBeInstanceOf(ApiError);
		});
	});

	describe("roles", () => {
		it("lets a holder of the role through", async () => {
			await expect(wrap(next, { name: "users.list", roles: ["admin"] })(fakeCtx({ accessToken: adminToken }))).resolves.toBe("handler result");
		});

		it("answers 403 FORBIDDEN to a user without the role, even with admin roles claimed in meta.user", async () => {
			const err = await rejection(wrap(next, { roles: ["admin"] })(fakeCtx({ accessToken: userToken, user: forgedAdmin })));
			expect([err.code, err.type]).toEqual([403, "FORBIDDEN"]);
			expect(next).not.toHaveBeenCalled();
		});

		it("accepts any one of several roles", async () => {
			await expect(wrap(next, { roles: ["admin", "user"] })(fakeCtx({ accessToken: userToken }))).resolves.toBe("handler result");
		});
	});

	describe("tokens verified on the receiving node", () => {
		const refused = async (meta: AppMeta) => {
			const err = await rejection(wrap(next, { roles: ["admin"] })(fakeCtx(meta)));
			expect(next).not.toHaveBeenCalled();
			return [err.code, err.type];
		};

		it("refuses an admin token signed by another key, whether its kid is unknown or ours", async () => {
			expect(await refused({ accessToken: token(["admin"], { by: otherKey() }) })).toEqual([401, "INVALID_TOKEN"]);
			expect(await refused({ accessToken: token(["admin"], { by: otherKey(key.kid) }) })).toEqual([401, "INVALID_TOKEN"]);
		});

		it("refuses an expired token (by the clock it is given), with authFailure removed", async () => {
			expect(await refused({ accessToken: token(["admin"], { at: now - (TTL + 5) * 1000 }) })).toEqual([401, "INVALID_TOKEN"]);
		});

		it("refuses a token of a revoked session, also when it was verified (and cached) before", async () => {
			const doomed = token(["admin"], { sid: "doomed" });
			await expect(wrap(next, { roles: ["admin"] })(fakeCtx({ accessToken: doomed }))).resolves.toBe("handler result");
			identity.revoke([{ id: "doomed", until: now + 60_000 }]);
			next.mockClear();
			expect(await refused({ accessToken: doomed })).toEqual([401, "INVALID_TOKEN"]);
		});

		it("refuses a cached token once it expires", async () => {
			let at = now;
			const later = (AccessControlMiddleware(identity, { now: () => at }) as unknown as { localAction: Wrapper }).localAction;
			const handler = later(next, { roles: ["admin"] });
			await expect(handler(fakeCtx({ accessToken: adminToken }))).resolves.toBe("handler result");
			at = now + (TTL + 1) * 1000;
			expect((await rejection(handler(fakeCtx({ accessToken: adminToken })))).type).toBe("INVALID_TOKEN");
		});

		it("refuses an access token presented as an operator assertion, and the reverse", async () => {
			expect(await refused({ operatorAssertion: adminToken })).toEqual([401, "INVALID_TOKEN"]);
			const assertion = signOperatorAssertion("alice", key, { issuer: config.jwtIssuer, audience: config.jwtAudience, now });
			expect(await refused({ accessToken: assertion })).toEqual([401, "INVALID_TOKEN"]);
		});
	});

	describe("operators", () => {
		it("act as admin with an assertion signed by the signing key, recorded as operator:<name>", async () => {
			const ctx = fakeCtx({ operatorAssertion: signOperatorAssertion("ops@host", key, { issuer: config.jwtIssuer, audience: config.jwtAudience, now }) });
			await expect(wrap(next, { name: "users.list", roles: ["admin"] })(ctx)).resolves.toBe("handler result");
			expect(ctx.meta.user).toEqual({ id: "operator:ops@host", sid: "operator", roles: ["user", "admin"] });
		});

		it("are nobody with an unsigned `meta.operator` (the console's identity is proven, never asserted)", async () => {
			for (const operator of [{ name: "ops@host" }, { name: "" }, "ops"]) {
				const err = await rejection(wrap(next, { name: "users.list", roles: ["admin"] })(fakeCtx({ operator } as unknown as AppMeta)));
				expect(err.type).toBe("UNAUTHORIZED");
			}
			expect(next).not.toHaveBeenCalled();
		});

		it("are refused with an assertion signed by another key or expired", async () => {
			const handler = wrap(next, { roles: ["admin"] });
			const foreign = signOperatorAssertion("mallory", otherKey(key.kid), { issuer: config.jwtIssuer, audience: config.jwtAudience, now });
			const old = signOperatorAssertion("alice", key, { issuer: config.jwtIssuer, audience: config.jwtAudience, now: now - 3_600_000 });
			for (const operatorAssertion of [foreign, old]) expect((await rejection(handler(fakeCtx({ operatorAssertion })))).code).toBe(401);
			expect(next).not.toHaveBeenCalled();
		});
	});

	it("passes the handler's own rejection through", async () => {
		next.mockRejectedValueOnce(new Error("boom"));
		await expect(wrap(next, { auth: "required" })(fakeCtx({ accessToken: userToken }))).rejects.toThrow("boom");
	});
});

describe("CallerIdentity cache", () => {
	it("is bounded: the oldest entry goes first", () => {
		const identity = new CallerIdentity(CallerIdentity.fromConfig(config).keys, { issuer: config.jwtIssuer, audience: config.jwtAudience }, 3);
		const tokens = ["a", "b", "c", "d"].map(sid => token(["user"], { sid }));
		for (const t of tokens) expect(identity.verifyToken(t, now)).toMatchObject({ id: "u1" });
		expect(identity.cached).toBe(3);
	});

	it("costs little per call: a cached token is checked far faster than verified", () => {
		const identity = CallerIdentity.fromConfig(config);
		const fresh = Array.from({ length: 200 }, (_, i) => token(["user"], { sid: `p${i}` }));
		let t0 = performance.now();
		for (const t of fresh) identity.verifyToken(t, now);
		const verifyUs = ((performance.now() - t0) * 1000) / fresh.length;
		t0 = performance.now();
		for (let i = 0; i < 20_000; i++) identity.verifyToken(fresh[i % fresh.length], now);
		const cachedUs = ((performance.now() - t0) * 1000) / 20_000;
		console.log(`per call: first verification ${verifyUs.toFixed(1)} µs, cached ${cachedUs.toFixed(2)} µs`);
		expect(cachedUs * 10).toBeLessThan(verifyUs);
	});
});

describe("CallerIdentity.fromConfig", () => {
	it("in production, refuses a node with neither JWT_PUBLIC_KEYS nor JWT_PRIVATE_KEY, naming JWT_PUBLIC_KEYS", () => {
		const prod = loadConfig({ NODE_ENV: "production", DATA_DIR: dataDir, BCRYPT_ROUNDS: "12" });
		expect(() => CallerIdentity.fromConfig(prod)).toThrow(/^JWT_PUBLIC_KEYS is required when NODE_ENV=production/);
	});
});

describe("AccessControlMiddleware: a token limited to second-factor enrolment (MFA_REQUIRED_ROLES)", () => {
	const identity = CallerIdentity.fromConfig(config);
	const wrap = (AccessControlMiddleware(identity, clock) as unknown as { localAction: Wrapper }).localAction;
	const next = jest.fn(async (_ctx: Context) => "handler result" as unknown);
	beforeEach(() => next.mockClear());
	const enrolling = signAccessToken({ userId: "a1", sessionId: "s2", roles: ["user", "admin"], enrolmentOnly: true }, key, { issuer: config.jwtIssuer, audience: config.jwtAudience, ttl: TTL, now });

	it("reaches the actions marked `enrolment`", async () => {
		await expect(wrap(next, { auth: "required", enrolment: true })(fakeCtx({ accessToken: enrolling }))).resolves.toBe("handler result");
	});

	it("answers 403 MFA_REQUIRED on every other secured action, roles or not, before the handler", async () => {
		for (const rule of [{ auth: "required" }, { roles: ["admin"] }] as AccessRule[]) {
			const err = await rejection(wrap(next, rule)(fakeCtx({ accessToken: enrolling })));
			expect({ type: err.type, code: err.code }).toEqual({ type: "MFA_REQUIRED", code: 403 });
		}
		expect(next).not.toHaveBeenCalled();
	});

	it("leaves full tokens alone on the same actions", async () => {
		await expect(wrap(next, { roles: ["admin"] })(fakeCtx({ accessToken: adminToken }))).resolves.toBe("handler result");
	});
});
