/**
 * POST /api/v1/auth/login and GET /.well-known/jwks.json: the token response, the access token's form,
 * credential errors, per-address throttling and the per-IP limit (CONTRACT §1, §2).
 */
import { createPublicKey } from "node:crypto";
import jwt from "jsonwebtoken";
import { startApp, type TestApp } from "../helpers/app";
import { TestClock } from "../helpers/clock";
import {
	Secrets,
	awayFromMinuteBoundary,
	decodeJwt,
	expectError,
	expectIso,
	expectRetryAfter,
	expectUser,
	login,
	registerUser,
	sleep,
	uniqueEmail,
	} from "../helpers/kit";

const AUTH = "/api/v1/auth";
const APP_URL = "https://login.example.test";

describe("auth: login (verification required, LOGIN_MAX_FAILURES=3)", () => {
	let app: TestApp;
	const secrets = new Secrets();
	const adminEmail = "root-admin@example.com";
	const adminPassword = "the admin's own long passphrase";

	beforeAll(async () => {
		app = await startApp({ loginMaxFailures: 3, logLevel: "debug", adminEmail, adminPassword }, { APP_URL });
		secrets.add(adminPassword);
	});
	afterAll(() => app.stop());

	it("answers 200 {accessToken, refreshToken, tokenType, expiresIn, user} with Cache-Control: no-store", async () => {
		const acc = await registerUser(app, { secrets });
		const res = await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: acc.password } });
		expect(res.status).toBe(200);
		secrets.addTokens(res.body);
		expect(res.headers.get("cache-control")).toBe("no-store");
		expect(Object.keys(res.body).sort()).toEqual(["accessToken", "expiresIn", "refreshToken", "tokenType", "user"]);
		expect(res.body.tokenType).toBe("Bearer");
		expect(res.body.expiresIn).toBe(app.config.accessTokenTtl);
		expect(typeof res.body.accessToken).toBe("string");
		expect(typeof res.body.refreshToken).toBe("string");
		// `<session id (UUID)>.<32 random bytes, base64url>` (lib/tokens/opaque.ts).
		expect(res.body.refreshToken).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$/);
		expect(res.body.refreshToken).not.toBe(res.body.accessToken);
		expectUser(res.body.user);
		expect(res.body.user.id).toBe(acc.user.id);
		expect(res.body.user.emailVerified).toBe(true);
		expectIso(res.body.user.lastLoginAt);
		expect(res.text).not.toContain(acc.password);

		// The access token works on an authenticated route.
		const me = await app.request("GET", "/api/v1/users/me", { token: res.body.accessToken });
		expect(me.status).toBe(200);
		expect(me.body.id).toBe(acc.user.id);
	});

	it("issues an asymmetric JWT with kid, sub, sid, roles, iss, aud, iat, exp, jti, verifiable with a key from the JWKS", async () => {
		const acc = await registerUser(app, { secrets });
		const first = await login(app, acc.email, acc.password, { secrets });
		const second = await login(app, acc.email, acc.password, { secrets });

		const jwks = await app.request("GET", "/.well-known/jwks.json");
		expect(jwks.status).toBe(200);
		expect(Array.isArray(jwks.body.keys)).toBe(true);
		expect(jwks.body.keys.length).toBeGreaterThan(0);
		for (const key of jwks.body.keys) {
			expect(typeof key.kid).toBe("string");
			expect(typeof key.kty).toBe("string");
			// Public halves only.
			for (const priv of ["d", "p", "q", "dp", "dq", "qi", "k"]) expect(key).not.toHaveProperty(priv);
		}

		for (const tokens of [first, second]) {
			const { header, payload } = decodeJwt(tokens.accessToken);
			// The development key generated into DATA_DIR is EC P-256 (lib/tokens/keys.ts).
			expect(header.alg).toBe("ES256");
			expect(typeof header.kid).toBe("string");
			for (const claim of ["sub", "sid", "roles", "iss", "aud", "iat", "exp", "jti"]) expect(payload).toHaveProperty(claim);
			expect(payload.sub).toBe(acc.user.id);
			expect(payload.roles).toEqual(["user"]);
			expect(payload.exp - payload.iat).toBe(tokens.expiresIn);
			expect(Math.abs(payload.iat - Date.now() / 1000)).toBeLessThan(60);
			// Nothing private in the payload.
			expect(JSON.stringify(payload)).not.toContain(acc.email);

			const jwk = jwks.body.keys.find((k: any) => k.kid === header.kid);
			expect(jwk).toBeDefined();
			const publicKey = createPublicKey({ key: jwk, format: "jwk" });
			const verified = jwt.verify(tokens.accessToken, publicKey, { algorithms: [header.alg], issuer: payload.iss, audience: payload.aud }) as jwt.JwtPayload;
			expect(verified.sub).toBe(acc.user.id);
			expect(verified.iss).toBe(app.config.jwtIssuer);
			expect(verified.aud).toBe(app.config.jwtAudience);
			// A flipped signature bit does not verify.
			const parts = tokens.accessToken.split(".");
			const sig = Buffer.from(parts[2], "base64url");
			sig[0] ^= 1;
			expect(() => jwt.verify(`${parts[0]}.${parts[1]}.${sig.toString("base64url")}`, publicKey, { algorithms: [header.alg] })).toThrow();
		}
		const a = decodeJwt(first.accessToken).payload;
		const b = decodeJwt(second.accessToken).payload;
		expect(a.jti).not.toBe(b.jti);
		expect(a.sid).not.toBe(b.sid);
		expect(first.refreshToken).not.toBe(second.refreshToken);

		// sid names the session: GET /sessions marks it current.
		const sessions = await app.request("GET", `${AUTH}/sessions`, { token: first.accessToken });
		expect(sessions.status).toBe(200);
		expect(sessions.body.find((s: any) => s.current).id).toBe(a.sid);
	});

	it("compares the address trimmed and case-insensitively", async () => {
		const acc = await registerUser(app, { secrets });
		const tokens = await login(app, `  ${acc.email.toUpperCase()}\t`, acc.password, { secrets });
		expect(tokens.user.id).toBe(acc.user.id);
	});

	it("answers an unknown address and a wrong password with identical 401 INVALID_CREDENTIALS bodies", async () => {
		const acc = await registerUser(app, { secrets });
		const unknown = await app.request("POST", `${AUTH}/login`, { body: { email: uniqueEmail("ghost"), password: acc.password } });
		const wrong = await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: "definitely not it" } });
		expectError(unknown, 401, "INVALID_CREDENTIALS");
		expectError(wrong, 401, "INVALID_CREDENTIALS");
		expect(wrong.text).toBe(unknown.text);
		expect(wrong.headers.get("content-type")).toBe(unknown.headers.get("content-type"));
		expect(wrong.headers.get("retry-after")).toBeNull();
		// Right password again: a single failure does not lock.
		await login(app, acc.email, acc.password, { secrets });
	});

	it("answers EMAIL_NOT_VERIFIED (403) only to the right password", async () => {
		const acc = await registerUser(app, { secrets, verify: false });
		const right = await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: acc.password } });
		expectError(right, 403, "EMAIL_NOT_VERIFIED");
		expect(right.text).not.toMatch(/accessToken|refreshToken/);
		const wrong = await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: "not the password" } });
		expectError(wrong, 401, "INVALID_CREDENTIALS");
		const unknown = await app.request("POST", `${AUTH}/login`, { body: { email: uniqueEmail("ghost"), password: "not the password" } });
		expect(wrong.text).toBe(unknown.text);
	});

	it("answers ACCOUNT_DISABLED (403) only to the right password, and a disabled account's sessions end", async () => {
		const acc = await registerUser(app, { secrets });
		const tokens = await login(app, acc.email, acc.password, { secrets });
		const admin = await login(app, adminEmail, adminPassword, { secrets });
		const patch = await app.request("PATCH", `/api/v1/users/${acc.user.id}`, { token: admin.accessToken, body: { status: "disabled" } });
		expect(patch.status).toBe(200);
		expect(patch.body.status).toBe("disabled");

		const right = await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: acc.password } });
		expectError(right, 403, "ACCOUNT_DISABLED");
		const wrong = await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: "not the password" } });
		expectError(wrong, 401, "INVALID_CREDENTIALS");
		const unknown = await app.request("POST", `${AUTH}/login`, { body: { email: uniqueEmail("ghost"), password: "not the password" } });
		expect(wrong.text).toBe(unknown.text);

		expectError(await app.request("GET", `${AUTH}/sessions`, { token: tokens.accessToken }), 401, "INVALID_TOKEN");
		expectError(await app.request("POST", `${AUTH}/refresh`, { body: { refreshToken: tokens.refreshToken } }), 401, "INVALID_TOKEN");
	});

	it("refuses bodies that are not {email, password} (422) and malformed JSON (400)", async () => {
		const acc = await registerUser(app, { secrets });
		for (const body of [
			{},
			{ email: acc.email },
			{ password: acc.password },
			{ email: { $gt: "" }, password: acc.password },
			{ email: acc.email, password: { $ne: "" } },
			{ email: acc.email, password: acc.password, remember: true }
		]) {
			const res = await app.request("POST", `${AUTH}/login`, { body });
			expectError(res, 422, "VALIDATION_ERROR");
			expect(res.text).not.toContain(acc.password);
		}
		expectError(await app.request("POST", `${AUTH}/login`, { rawBody: `{"email":"${acc.email}","password":` }), 400, "BAD_REQUEST");
	});

	describe("per-address throttling", () => {
		it("after 3 failures for a known address answers 429 TOO_MANY_ATTEMPTS with Retry-After, even to the right password", async () => {
			const acc = await registerUser(app, { secrets });
			for (let i = 0; i < 3; i++) {
				expectError(await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: `wrong password ${i}` } }), 401, "INVALID_CREDENTIALS");
			}
			const locked = await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: acc.password } });
			expectError(locked, 429, "TOO_MANY_ATTEMPTS");
			expectRetryAfter(locked);
			expect(locked.text).not.toMatch(/accessToken/);
			// The same address written differently is the same address.
			const variant = await app.request("POST", `${AUTH}/login`, { body: { email: ` ${acc.email.toUpperCase()} `, password: acc.password } });
			expectError(variant, 429, "TOO_MANY_ATTEMPTS");
			expectRetryAfter(variant);
			// Other addresses are not affected.
			const other = await registerUser(app, { secrets });
			await login(app, other.email, other.password, { secrets });
		});

		it("throttles an unknown address the same way", async () => {
			const ghost = uniqueEmail("ghost");
			for (let i = 0; i < 3; i++) {
				expectError(await app.request("POST", `${AUTH}/login`, { body: { email: ghost, password: `guess number ${i}` } }), 401, "INVALID_CREDENTIALS");
			}
			const locked = await app.request("POST", `${AUTH}/login`, { body: { email: ghost, password: "guess number 4" } });
			expectError(locked, 429, "TOO_MANY_ATTEMPTS");
			expectRetryAfter(locked);
		});

		it("counts concurrent failures too: a burst of wrong guesses cannot slip past the limit", async () => {
			const acc = await registerUser(app, { secrets });
			// Exactly LOGIN_MAX_FAILURES at once: each is checked before its own failure is counted, so each is a plain
			// wrong password; if any failure were lost to the race, the right password would still get in below.
			const burst = await Promise.all(
				Array.from({ length: app.config.loginMaxFailures }, (_, i) => app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: `parallel guess ${i}` } }))
			);
			for (const res of burst) expectError(res, 401, "INVALID_CREDENTIALS");
			const after = await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: acc.password } });
			secrets.addTokens(after.body);
			expectError(after, 429, "TOO_MANY_ATTEMPTS");
			expectRetryAfter(after);
		});

		it("resets the count after a success", async () => {
			const acc = await registerUser(app, { secrets });
			for (let round = 0; round < 3; round++) {
				for (let i = 0; i < 2; i++) {
					expectError(await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: `wrong ${round}-${i}` } }), 401, "INVALID_CREDENTIALS");
				}
				await login(app, acc.email, acc.password, { secrets });
			}
		});

		it("locks for a growing delay and lets the right password in once the delay is over", async () => {
			const acc = await registerUser(app, { secrets });
			for (let i = 0; i < 3; i++) await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: `wrong ${i}` } });
			const firstLock = await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: acc.password } });
			expectError(firstLock, 429, "TOO_MANY_ATTEMPTS");
			const firstDelay = expectRetryAfter(firstLock);

			// After the first delay: one more failure locks again, for longer.
			let offset = (firstDelay + 2) * 1000;
			const secondDelay = await app.clock.ahead(offset, async () => {
				expectError(await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: "wrong again" } }), 401, "INVALID_CREDENTIALS");
				const again = await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: acc.password } });
				expectError(again, 429, "TOO_MANY_ATTEMPTS");
				return expectRetryAfter(again);
			});
			expect(secondDelay).toBeGreaterThan(firstDelay);

			// After that one: the right password works and the count starts over.
			offset += (secondDelay + 2) * 1000;
			await app.clock.ahead(offset, async () => {
				const ok = await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: acc.password } });
				expect(ok.status).toBe(200);
				secrets.addTokens(ok.body);
				expectError(await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: "one slip" } }), 401, "INVALID_CREDENTIALS");
				const fine = await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: acc.password } });
				expect(fine.status).toBe(200);
				secrets.addTokens(fine.body);
			});
		});
	});

	it("never wrote a password or token used above into the logs", () => {
		expect(secrets.size).toBeGreaterThan(10);
		expect(secrets.leaks(app.logs)).toEqual([]);
		expect(app.logs.filter(line => /\$2[aby]\$\d\d\$/.test(line))).toEqual([]);
	});
});

describe("auth: credentials in the query string (LOG_LEVEL=debug)", () => {
	let app: TestApp;
	const secrets = new Secrets();
	beforeAll(async () => {
		app = await startApp({ logLevel: "debug" });
	});
	afterAll(() => app.stop());

	it("keeps a password or token sent in the query string out of the logs", async () => {
		const acc = await registerUser(app, { secrets });
		const q = new URLSearchParams({ email: acc.email, password: acc.password }).toString();
		const res = await app.request("POST", `${AUTH}/login?${q}`);
		// Credentials are taken from bodies only: the gateway refuses a query string on a POST.
		expectError(res, 422, "VALIDATION_ERROR");
		const token = "QueryStringToken_0123456789abcdef";
		secrets.add(token);
		await app.request("POST", `${AUTH}/verify-email?token=${token}`);
		await app.request("POST", `${AUTH}/password/reset?token=${token}&password=${encodeURIComponent(acc.password)}`);
		const leaked = app.logs.filter(line => line.includes(token) || line.includes(encodeURIComponent(acc.password)) || line.includes(acc.password) || line.includes(acc.password.replace(/ /g, "+")));
		expect(leaked).toEqual([]);
	});
});

describe("auth: login with EMAIL_VERIFICATION_REQUIRED=false", () => {
	let app: TestApp;
	const secrets = new Secrets();
	beforeAll(async () => {
		app = await startApp({ emailVerificationRequired: false, accessTokenTtl: 10 });
	});
	afterAll(() => app.stop());

	it("lets an unverified account log in (and honours ACCESS_TOKEN_TTL)", async () => {
		const acc = await registerUser(app, { secrets, verify: false });
		const tokens = await login(app, acc.email, acc.password, { secrets });
		expect(tokens.user.emailVerified).toBe(false);
		expect(tokens.expiresIn).toBe(10);
		const { payload } = decodeJwt(tokens.accessToken);
		expect(payload.exp - payload.iat).toBe(10);
		expect((await app.request("GET", "/api/v1/users/me", { token: tokens.accessToken })).status).toBe(200);
		// Still not with a wrong password.
		expectError(await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: "wrong password" } }), 401, "INVALID_CREDENTIALS");
	});
});

describe("auth: login answers in about the same time for an unknown address and a wrong password", () => {
	let app: TestApp;
	const secrets = new Secrets();
	beforeAll(async () => {
		// A realistic cost, so that a skipped hash would show.
		app = await startApp({ bcryptRounds: 10, emailVerificationRequired: false, loginMaxFailures: 1000 });
	});
	afterAll(() => app.stop());

	it("takes comparable time either way", async () => {
		const acc = await registerUser(app, { secrets, verify: false });
		const time = async (email: string) => {
			const started = performance.now();
			const res = await app.request("POST", `${AUTH}/login`, { body: { email, password: "a wrong password" } });
			expect(res.status).toBe(401);
			return performance.now() - started;
		};
		await time(uniqueEmail("warm"));
		await time(acc.email);
		const known: number[] = [];
		const unknown: number[] = [];
		for (let i = 0; i < 6; i++) {
			known.push(await time(acc.email));
			unknown.push(await time(uniqueEmail("ghost")));
		}
		// The fastest try of each: load only ever adds time, so it shows the work each path itself does.
		const ratio = Math.min(...unknown) / Math.min(...known);
		expect(ratio).toBeGreaterThan(0.5);
		expect(ratio).toBeLessThan(2);
	});
});

describe("auth: per-IP limit without TRUST_PROXY (AUTH_RATE_LIMIT_PER_MINUTE=5)", () => {
	let app: TestApp;
	const secrets = new Secrets();
	beforeAll(async () => {
		app = await startApp({ authRateLimitPerMinute: 5, emailVerificationRequired: false, trustProxy: false });
	});
	afterAll(() => app.stop());

	it("answers 429 RATE_LIMITED with Retry-After past the limit, whatever X-Forwarded-For says, on every unauthenticated route", async () => {
		await awayFromMinuteBoundary();
		let n = 0;
		const xff = () => ({ "x-forwarded-for": `198.51.100.${++n}` });
		const email = uniqueEmail("ip");
		const password = "rate limited passphrase";
		secrets.add(password);
		// 1: register, 2: login (token kept), 3-5: failures. Each from a "different" forwarded address.
		expect((await app.request("POST", `${AUTH}/register`, { body: { email, password }, headers: xff() })).status).toBe(201);
		const tokens = await login(app, email, password, { secrets, headers: xff() });
		for (let i = 0; i < 3; i++) {
			expectError(await app.request("POST", `${AUTH}/login`, { body: { email: uniqueEmail("ghost"), password: "wrong password" }, headers: xff() }), 401, "INVALID_CREDENTIALS");
		}
		const limited = await app.request("POST", `${AUTH}/login`, { body: { email, password }, headers: xff() });
		expectError(limited, 429, "RATE_LIMITED");
		expectRetryAfter(limited, 70);

		const others: Array<[string, unknown]> = [
			["/register", { email: uniqueEmail("late"), password: "late passphrase here" }],
			["/verify-email", { token: "whatever-token-value" }],
			["/verify-email/resend", { email }],
			["/refresh", { refreshToken: tokens.refreshToken }],
			["/password/forgot", { email }],
			["/password/reset", { token: "whatever-token-value", password: "late passphrase here" }],
			["/login", { email, password }]
		];
		for (const [path, body] of others) {
			const res = await app.request("POST", `${AUTH}${path}`, { body, headers: xff() });
			expectError(res, 429, "RATE_LIMITED");
			expectRetryAfter(res, 70);
		}
		// Authenticated routes are not counted, and the session's address is the socket's, not the header's.
		const sessions = await app.request("GET", `${AUTH}/sessions`, { token: tokens.accessToken, headers: xff() });
		expect(sessions.status).toBe(200);
		expect(sessions.body).toHaveLength(1);
		expect(sessions.body[0].ip).toBe("127.0.0.1");
	});
});

describe("auth: per-IP limit with TRUST_PROXY=true (AUTH_RATE_LIMIT_PER_MINUTE=3)", () => {
	let app: TestApp;
	const secrets = new Secrets();
	beforeAll(async () => {
		app = await startApp({ authRateLimitPerMinute: 3, emailVerificationRequired: false, trustProxy: true });
	});
	afterAll(() => app.stop());

	it("counts each X-Forwarded-For client separately", async () => {
		await awayFromMinuteBoundary();
		const a = { "x-forwarded-for": "203.0.113.7" };
		const b = { "x-forwarded-for": "203.0.113.8" };
		for (let i = 0; i < 3; i++) {
			expectError(await app.request("POST", `${AUTH}/login`, { body: { email: uniqueEmail("ghost"), password: "wrong password" }, headers: a }), 401, "INVALID_CREDENTIALS");
		}
		const limitedA = await app.request("POST", `${AUTH}/login`, { body: { email: uniqueEmail("ghost"), password: "wrong password" }, headers: a });
		expectError(limitedA, 429, "RATE_LIMITED");
		expectRetryAfter(limitedA, 70);
		// A client cannot dodge the limit by putting addresses of its own in front: the entry the (trusted) proxy
		// appended, the last one, is the client (README, TRUST_PROXY).
		expectError(await app.request("POST", `${AUTH}/login`, { body: { email: uniqueEmail("ghost"), password: "wrong password" }, headers: { "x-forwarded-for": "198.51.100.77, 203.0.113.7" } }), 429, "RATE_LIMITED");

		// B is another client.
		expectError(await app.request("POST", `${AUTH}/login`, { body: { email: uniqueEmail("ghost"), password: "wrong password" }, headers: b }), 401, "INVALID_CREDENTIALS");

		// And the session records the forwarded address.
		const c = { "x-forwarded-for": "192.0.2.44" };
		const email = uniqueEmail("proxied");
		const password = "proxied client passphrase";
		secrets.add(password);
		expect((await app.request("POST", `${AUTH}/register`, { body: { email, password }, headers: c })).status).toBe(201);
		const tokens = await login(app, email, password, { secrets, headers: { ...c, "user-agent": "AuthTest/1.0" } });
		const sessions = await app.request("GET", `${AUTH}/sessions`, { token: tokens.accessToken });
		expect(sessions.body[0].ip).toBe("192.0.2.44");
		expect(sessions.body[0].userAgent).toBe("AuthTest/1.0");
	});
});

describe("auth: a route whose service is down", () => {
	let app: TestApp;
	beforeAll(async () => {
		app = await startApp();
	});
	afterAll(() => app.stop());

	it("answers 503 SERVICE_UNAVAILABLE, not 404, when the auth service is not running", async () => {
		// Ready first (the gateway has loaded the ended sessions from auth), then auth goes away.
		for (let i = 0; i < 50 && (await app.request("GET", "/api/health/ready")).status !== 200; i++) await sleep(100);
		expect((await app.request("GET", "/api/health/ready")).status).toBe(200);
		await app.broker.destroyService(app.broker.getLocalService("auth")!);
		const res = await app.request("POST", `${AUTH}/login`, { body: { email: uniqueEmail("down"), password: "some passphrase" } });
		expectError(res, 503, "SERVICE_UNAVAILABLE");
		const ready = await app.request("GET", "/api/health/ready");
		expect(ready.status).toBe(503);
	});
});

describe("auth: per-IP limit across a minute boundary (AUTH_RATE_LIMIT_PER_MINUTE=5)", () => {
	const LIMIT = 5;
	const clock = new TestClock(Math.floor(Date.now() / 60_000) * 60_000 + 58_000);
	let app: TestApp;
	beforeAll(async () => {
		app = await startApp({ authRateLimitPerMinute: LIMIT, trustProxy: false }, {}, { clock });
	});
	afterAll(() => app.stop());

	it("twice the limit sent across the boundary (58 s to 62 s): only the limit passes, no 60-second span passes more", async () => {
		const statuses: number[] = [];
		for (let i = 0; i < 2 * LIMIT; i++) {
			statuses.push((await app.request("POST", `${AUTH}/password/forgot`, { body: { email: uniqueEmail("edge") } })).status);
			clock.advance(400);
		}
		expect(statuses).toEqual([...Array(LIMIT).fill(202), ...Array(LIMIT).fill(429)]);
		// A minute after the first ones, the client may go on.
		clock.advance(70_000);
		expect((await app.request("POST", `${AUTH}/password/forgot`, { body: { email: uniqueEmail("edge") } })).status).toBe(202);
	});
});
