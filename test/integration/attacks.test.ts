/**
 * The attack suite: each describe is one attack, made from the attacker's side over HTTP, and asserts that the
 * defence holds (so each fails when its defence is taken out). General behaviour is tested elsewhere.
 */
import fs from "node:fs";
import path from "node:path";
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign as cryptoSign, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import { startApp, type HttpResult, type RequestOptions, type TestApp } from "../helpers/app";
import {
	Secrets,
	awayFromMinuteBoundary,
	decodeJwt,
	expectError,
	expectRetryAfter,
	login,
	registerUser,
	uniqueEmail,
	type Account,
	type Tokens
} from "../helpers/kit";

const AUTH = "/api/v1/auth";
const USERS = "/api/v1/users";
const NOTIFICATIONS = "/api/v1/notifications";
const ADMIN_EMAIL = "attack-admin@example.com";
const ADMIN_PASSWORD = "the attack suite's admin passphrase";

// --- What the whole file did, for the secrecy checks at the end ---------------------------------------------

const apps: TestApp[] = [];
const responses: Array<{ label: string; res: HttpResult<any> }> = [];
/** Passwords, tokens and one-time tokens: none may appear in a log line. */
const secrets = new Secrets();
/** Passwords used (or tried): none may appear in any response. */
const passwords = new Set<string>([ADMIN_PASSWORD]);
secrets.add(ADMIN_PASSWORD);

/** startApp, with every response (and, through `apps`, every log line) kept for the secrecy checks. */
async function openApp(overrides: Parameters<typeof startApp>[0] = {}, env: Record<string, string> = {}): Promise<TestApp> {
	const app = await startApp(overrides, env);
	const raw = app.request.bind(app);
	app.request = (async (method: string, urlPath: string, opts?: RequestOptions) => {
		const res = await raw(method, urlPath, opts);
		responses.push({ label: `${method} ${urlPath.slice(0, 80)}`, res });
		if (res.body && typeof res.body === "object") secrets.addTokens(res.body);
		return res;
	}) as TestApp["request"];
	apps.push(app);
	return app;
}

function newPassword(label = "pw"): string {
	const value = `${label}-${randomUUID()}-Zq`;
	passwords.add(value);
	secrets.add(value);
	return value;
}

function account(app: TestApp, opts: { verify?: boolean } = {}): Promise<Account> {
	return registerUser(app, { secrets, password: newPassword(), ...opts });
}

async function signIn(app: TestApp, acc: Account): Promise<Tokens> {
	return login(app, acc.email, acc.password, { secrets });
}

/** Refused with this status and type and the contract's error body, nothing else (no rows, no tokens); `label` names the case. */
function expectRefused(res: HttpResult<any>, label: string, status: number, type: string): void {
	expect({ label, status: res.status, type: res.body?.type }).toEqual({ label, status, type });
	expectError(res, status, type);
}

/**
 * The fastest of several tries: load on the machine only ever adds time, so the fastest try shows the work a
 * path itself does (a skipped hash or a database round trip before answering still shows in it).
 */
const fastest = (xs: number[]) => Math.min(...xs);

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
	const started = performance.now();
	const value = await work();
	return { ms: performance.now() - started, value };
}

// --- The shared target: a default app with an admin (LOGIN_MAX_FAILURES=3) -----------------------------------

let app: TestApp;

beforeAll(async () => {
	app = await openApp({ loginMaxFailures: 3, logLevel: "debug", adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
});
afterAll(async () => {
	for (const a of apps) await a.stop();
});

// --- Forged and stale access tokens --------------------------------------------------------------------------

describe("attack: forged, altered and stale access tokens", () => {
	let victim: Account;
	let tokens: Tokens;
	let kid: string;
	let publicPem: string;
	let privateKey: string;

	const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

	/** The header of a real token (alg, typ, kid): forgeries change only what they are about. */
	const realHeader = (): Record<string, any> => decodeJwt(tokens.accessToken).header;

	/** Signs with `key` (by default the server's real private key, read from the dev key file) under the real header plus `header`. */
	function sign(payload: Record<string, unknown>, header: Record<string, unknown> = {}, key: string | KeyObject = privateKey): string {
		const full = { ...realHeader(), ...header };
		return jwt.sign(payload, key, { algorithm: full.alg, header: full as jwt.JwtHeader });
	}
	const signReal = (payload: Record<string, unknown>, header: Record<string, unknown> = {}) => sign(payload, header);

	function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
		const now = Math.floor(Date.now() / 1000);
		const { payload } = decodeJwt(tokens.accessToken);
		return { ...payload, jti: randomUUID(), iat: now, exp: now + 600, ...overrides };
	}

	async function expectUnauthorized(token: string, label: string, route = `${USERS}/me`): Promise<void> {
		const res = await app.request("GET", route, { token });
		expect({ label, status: res.status }).toEqual({ label, status: 401 });
		expectError(res, 401, "INVALID_TOKEN");
	}

	beforeAll(async () => {
		victim = await account(app);
		tokens = await signIn(app, victim);
		kid = decodeJwt(tokens.accessToken).header.kid;
		const jwks = await app.request("GET", "/.well-known/jwks.json");
		const jwk = jwks.body.keys.find((k: any) => k.kid === kid);
		expect(jwk).toBeDefined();
		publicPem = createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "pem" }).toString();
		privateKey = fs.readFileSync(path.join(app.config.dataDir, "keys", "jwt-private.pem"), "utf8");
	});

	it("controls: the real token, and one signed alike with the real key, are accepted", async () => {
		expect((await app.request("GET", `${USERS}/me`, { token: tokens.accessToken })).status).toBe(200);
		expect((await app.request("GET", `${USERS}/me`, { token: signReal(claims()) })).status).toBe(200);
	});

	it("refuses alg: none", async () => {
		const { payload } = decodeJwt(tokens.accessToken);
		for (const alg of ["none", "None", "NONE"]) {
			const body = `${b64({ ...realHeader(), alg })}.${b64({ ...payload, roles: ["user", "admin"] })}`;
			await expectUnauthorized(`${body}.`, `alg ${alg}`);
			await expectUnauthorized(`${body}.`, `alg ${alg} on an admin route`, USERS);
		}
	});

	it("refuses HS256 signed with the server's public key (algorithm confusion)", async () => {
		const { payload } = decodeJwt(tokens.accessToken);
		for (const secret of [publicPem, publicPem.trim()]) {
			const body = `${b64({ ...realHeader(), alg: "HS256" })}.${b64({ ...payload, roles: ["user", "admin"] })}`;
			const forged = `${body}.${createHmac("sha256", secret).update(body).digest("base64url")}`;
			await expectUnauthorized(forged, "HS256 with the public key");
			await expectUnauthorized(forged, "HS256 with the public key on an admin route", USERS);
		}
	});

	it("pins the algorithm to the key: the real key under another algorithm (ES384, ES512 for an ES256 key) is refused", async () => {
		// The dev key is EC P-256, so its tokens are ES256 (README); the header cannot choose another scheme, even
		// one the same key can produce. Signed by hand: jsonwebtoken itself refuses a P-256 key for ES384/ES512.
		expect(realHeader().alg).toBe("ES256");
		const key = createPrivateKey(privateKey);
		expect(key.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
		for (const [alg, hash] of [["ES384", "sha384"], ["ES512", "sha512"]]) {
			const input = `${b64({ ...realHeader(), alg })}.${b64(claims())}`;
			const signature = cryptoSign(hash, Buffer.from(input), { key, dsaEncoding: "ieee-p1363" }).toString("base64url");
			await expectUnauthorized(`${input}.${signature}`, `${alg} with the real key`);
		}
		// The same hash as ES256 but the DER signature encoding (not JWS's): refused too.
		const input = `${b64(realHeader())}.${b64(claims())}`;
		await expectUnauthorized(`${input}.${cryptoSign("sha256", Buffer.from(input), key).toString("base64url")}`, "DER-encoded ES256 signature");
	});

	it("refuses a payload changed to roles:[admin] under the original signature", async () => {
		const { header, payload, parts } = decodeJwt(tokens.accessToken);
		const tampered = `${b64(header)}.${b64({ ...payload, roles: ["user", "admin"] })}.${parts[2]}`;
		await expectUnauthorized(tampered, "tampered roles", USERS);
		await expectUnauthorized(tampered, "tampered roles on /me");
		const otherSub = `${parts[0]}.${b64({ ...payload, sub: randomUUID() })}.${parts[2]}`;
		await expectUnauthorized(otherSub, "tampered sub");
	});

	it("refuses an expired token (the real one, replayed after its lifetime)", async () => {
		await app.clock.ahead((app.config.accessTokenTtl + 60) * 1000, () => expectUnauthorized(tokens.accessToken, "expired"));
		const now = Math.floor(Date.now() / 1000);
		await expectUnauthorized(signReal(claims({ iat: now - 3600, exp: now - 60 })), "exp in the past");
	});

	it("refuses a token that is not valid yet (nbf in the future), signed with the real key", async () => {
		await expectUnauthorized(signReal(claims({ nbf: Math.floor(Date.now() / 1000) + 3600 })), "nbf in the future");
	});

	it("refuses a wrong audience and a wrong issuer, signed with the real key", async () => {
		await expectUnauthorized(signReal(claims({ aud: "some-other-service" })), "wrong aud");
		await expectUnauthorized(signReal(claims({ aud: [] })), "empty aud");
		await expectUnauthorized(signReal(claims({ iss: "https://evil.example" })), "wrong iss");
		const bare = claims();
		delete bare.aud;
		delete bare.iss;
		await expectUnauthorized(signReal(bare), "no aud, no iss");
	});

	it("refuses an unknown kid, the real kid on another key's signature, and keys or key URLs offered in the header", async () => {
		// A key of the real key's type (EC P-256), so every forgery below is a valid ES256 signature, by the wrong key.
		const attacker = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
		const attackerJwk = attacker.publicKey.export({ format: "jwk" });
		const payload = { ...claims(), roles: ["user", "admin"] };
		await expectUnauthorized(sign(payload, { kid: "attacker-key" }, attacker.privateKey), "unknown kid", USERS);
		await expectUnauthorized(sign(payload, {}, attacker.privateKey), "real kid, other key", USERS);
		await expectUnauthorized(sign(payload, { jwk: { ...attackerJwk, kid } }, attacker.privateKey), "embedded jwk", USERS);
		await expectUnauthorized(sign(payload, { jku: "https://attacker.example/jwks.json" }, attacker.privateKey), "jku", USERS);
		await expectUnauthorized(sign(payload, { kid: undefined, jwk: attackerJwk }, attacker.privateKey), "embedded jwk, no kid", USERS);
		await expectUnauthorized(signReal(claims(), { kid: undefined }), "no kid");
		await expectUnauthorized(signReal(claims(), { kid: "../../keys/jwt-private.pem" }), "path as kid");
	});

	it("refuses a JWT of another type (typ not at+jwt), signed with the real key", async () => {
		await expectUnauthorized(signReal(claims(), { typ: "JWT" }), "typ JWT");
		await expectUnauthorized(signReal(claims(), { typ: undefined }), "no typ");
	});

	it("refuses the token of an ended session and of a deleted user", async () => {
		const acc = await account(app);
		const ended = await signIn(app, acc);
		const other = await signIn(app, acc);
		expect((await app.request("POST", `${AUTH}/logout`, { token: ended.accessToken })).status).toBe(204);
		await expectUnauthorized(ended.accessToken, "ended session");

		expect((await app.request("GET", `${USERS}/me`, { token: other.accessToken })).status).toBe(200);
		expect((await app.request("DELETE", `${USERS}/me`, { token: other.accessToken, body: { password: acc.password } })).status).toBe(204);
		await expectUnauthorized(other.accessToken, "deleted user");
		await expectUnauthorized(other.accessToken, "deleted user's sessions", `${AUTH}/sessions`);
	});
});

// --- Refresh-token theft -------------------------------------------------------------------------------------

describe("attack: replaying a spent refresh token", () => {
	it("answers TOKEN_REUSED and ends the whole session, its newest tokens included", async () => {
		const acc = await account(app);
		const first = await signIn(app, acc);
		const second = await app.request("POST", `${AUTH}/refresh`, { body: { refreshToken: first.refreshToken } });
		expect(second.status).toBe(200);
		// The legitimate client rotates once more: its newest tokens are what the attack must kill too.
		const newest = await app.request("POST", `${AUTH}/refresh`, { body: { refreshToken: second.body.refreshToken } });
		expect(newest.status).toBe(200);
		expect((await app.request("GET", `${USERS}/me`, { token: newest.body.accessToken })).status).toBe(200);

		// The thief replays the stolen (spent) first token, after REFRESH_REUSE_INTERVAL (within it, it would
		// still get the successor: two tabs refreshing at once).
		app.clock.advance(10_001);
		expectError(await app.request("POST", `${AUTH}/refresh`, { body: { refreshToken: first.refreshToken } }), 401, "TOKEN_REUSED");

		expectError(await app.request("GET", `${USERS}/me`, { token: newest.body.accessToken }), 401, "INVALID_TOKEN");
		expectError(await app.request("POST", `${AUTH}/refresh`, { body: { refreshToken: newest.body.refreshToken } }), 401, "INVALID_TOKEN");
		expectError(await app.request("POST", `${AUTH}/refresh`, { body: { refreshToken: second.body.refreshToken } }), 401, "INVALID_TOKEN");
		// Another session of the same user is not the stolen one.
		const elsewhere = await signIn(app, acc);
		expect((await app.request("GET", `${USERS}/me`, { token: elsewhere.accessToken })).status).toBe(200);
	});
});

// --- One-time token confusion --------------------------------------------------------------------------------

describe("attack: a one-time token used for the other purpose", () => {
	it("refuses a verification token as a reset token and the reverse (400 INVALID_TOKEN); each still works for its own purpose", async () => {
		const acc = await account(app, { verify: false });
		const verifyToken = await app.mail.tokenFor(acc.email, "verify-email");
		secrets.add(verifyToken);
		const hijack = newPassword("hijack");
		expectError(await app.request("POST", `${AUTH}/password/reset`, { body: { token: verifyToken, password: hijack } }), 400, "INVALID_TOKEN");
		const verified = await app.request("POST", `${AUTH}/verify-email`, { body: { token: verifyToken } });
		expect(verified.status).toBe(200);
		expect(verified.body.emailVerified).toBe(true);
		expectError(await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: hijack } }), 401, "INVALID_CREDENTIALS");

		expect((await app.request("POST", `${AUTH}/password/forgot`, { body: { email: acc.email } })).status).toBe(202);
		const resetToken = await app.mail.tokenFor(acc.email, "reset-password");
		secrets.add(resetToken);
		expectError(await app.request("POST", `${AUTH}/verify-email`, { body: { token: resetToken } }), 400, "INVALID_TOKEN");
		expectError(await app.request("POST", `${AUTH}/email/confirm`, { body: { token: verifyToken } }), 400, "INVALID_TOKEN");
		const chosen = newPassword("reset");
		expect((await app.request("POST", `${AUTH}/password/reset`, { body: { token: resetToken, password: chosen } })).status).toBe(204);
		await login(app, acc.email, chosen, { secrets });
		// And neither works twice.
		expectError(await app.request("POST", `${AUTH}/verify-email`, { body: { token: verifyToken } }), 400, "INVALID_TOKEN");
		expectError(await app.request("POST", `${AUTH}/password/reset`, { body: { token: resetToken, password: newPassword("again") } }), 400, "INVALID_TOKEN");
	});

	it("refuses an e-mail change token (sent to the new, unproven address) as a reset or verification token, and a reset token as a change confirmation", async () => {
		const acc = await account(app);
		const tokens = await signIn(app, acc);
		const newEmail = uniqueEmail("moved");
		expect((await app.request("POST", `${USERS}/me/email`, { token: tokens.accessToken, body: { newEmail, password: acc.password } })).status).toBe(202);
		const changeMail = await app.mail.waitFor(m => m.to.toLowerCase() === newEmail && /\/confirm-email\?token=/.test(m.text));
		const changeToken = /\/confirm-email\?token=([A-Za-z0-9_-]+)/.exec(changeMail.text)![1];
		secrets.add(changeToken);
		expect((await app.request("POST", `${AUTH}/password/forgot`, { body: { email: acc.email } })).status).toBe(202);
		const resetToken = await app.mail.tokenFor(acc.email, "reset-password");
		secrets.add(resetToken);

		// While a change is pending, only its own token may confirm it.
		expectError(await app.request("POST", `${AUTH}/email/confirm`, { body: { token: resetToken } }), 400, "INVALID_TOKEN");
		// Whoever holds the new address must not get the account's password out of it.
		expectError(await app.request("POST", `${AUTH}/password/reset`, { body: { token: changeToken, password: newPassword("takeover") } }), 400, "INVALID_TOKEN");
		expectError(await app.request("POST", `${AUTH}/verify-email`, { body: { token: changeToken } }), 400, "INVALID_TOKEN");
		await signIn(app, acc);

		const confirmed = await app.request("POST", `${AUTH}/email/confirm`, { body: { token: changeToken } });
		expect(confirmed.status).toBe(200);
		expect(confirmed.body.email).toBe(newEmail);
	});
});

// --- Account enumeration -------------------------------------------------------------------------------------

describe("attack: account enumeration by answer and by time (BCRYPT_ROUNDS=10)", () => {
	let slow: TestApp;
	let acc: Account;
	/** Known addresses no reset e-mail went to yet, one per sample: each would cost the full work if it were awaited. */
	const fresh: Account[] = [];

	beforeAll(async () => {
		// A realistic cost, so that a skipped hash would show in the timings.
		slow = await openApp({ bcryptRounds: 10, emailVerificationRequired: false, loginMaxFailures: 1000 });
		acc = await account(slow, { verify: false });
		for (let i = 0; i < 7; i++) fresh.push(await account(slow, { verify: false }));
	});

	it("login: an unknown address and a wrong password look and take alike", async () => {
		const attempt = (email: string) => timed(() => slow.request("POST", `${AUTH}/login`, { body: { email, password: "not the password at all" } }));
		await attempt(uniqueEmail("warm"));
		await attempt(acc.email);
		const known: number[] = [];
		const unknown: number[] = [];
		for (let i = 0; i < 7; i++) {
			const k = await attempt(acc.email);
			const u = await attempt(uniqueEmail("ghost"));
			expectError(k.value, 401, "INVALID_CREDENTIALS");
			expect({ status: u.value.status, text: u.value.text }).toEqual({ status: k.value.status, text: k.value.text });
			known.push(k.ms);
			unknown.push(u.ms);
		}
		const ratio = fastest(unknown) / fastest(known);
		expect({ ratio, known: fastest(known), unknown: fastest(unknown), ok: ratio > 0.5 && ratio < 2 }).toMatchObject({ ok: true });
	});

	it("password/forgot: an unknown and a known address look and take alike (both answered before any work)", async () => {
		const ask = (email: string) => timed(() => slow.request("POST", `${AUTH}/password/forgot`, { body: { email } }));
		await ask(uniqueEmail("warm"));
		const known: number[] = [];
		const unknown: number[] = [];
		for (const target of fresh) {
			const k = await ask(target.email);
			const u = await ask(uniqueEmail("ghost"));
			expect(k.value.status).toBe(202);
			expect({ status: u.value.status, text: u.value.text }).toEqual({ status: k.value.status, text: k.value.text });
			known.push(k.ms);
			unknown.push(u.ms);
		}
		// Both take about a millisecond; a floor keeps scheduler noise on tiny numbers from counting as a factor, so
		// only work of several milliseconds done before answering (a database round trip, mail delivery) would show.
		const floor = 3;
		const ratio = Math.max(fastest(unknown), floor) / Math.max(fastest(known), floor);
		expect({ ratio, known: fastest(known), unknown: fastest(unknown), ok: ratio > 0.5 && ratio < 2 }).toMatchObject({ ok: true });
	});
});

// --- Password guessing ---------------------------------------------------------------------------------------

describe("attack: guessing passwords for one address (LOGIN_MAX_FAILURES=3)", () => {
	it("locks a known address, and refuses the right password while locked", async () => {
		const acc = await account(app);
		for (let i = 0; i < 3; i++) {
			expectError(await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: `guess number ${i}` } }), 401, "INVALID_CREDENTIALS");
		}
		const locked = await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: acc.password } });
		expectError(locked, 429, "TOO_MANY_ATTEMPTS");
		expectRetryAfter(locked);
	});

	it("locks an unknown address the same way", async () => {
		const ghost = uniqueEmail("ghost");
		for (let i = 0; i < 3; i++) {
			expectError(await app.request("POST", `${AUTH}/login`, { body: { email: ghost, password: `guess number ${i}` } }), 401, "INVALID_CREDENTIALS");
		}
		const locked = await app.request("POST", `${AUTH}/login`, { body: { email: ghost, password: "guess number 3" } });
		expectError(locked, 429, "TOO_MANY_ATTEMPTS");
		expectRetryAfter(locked);
	});
});

describe("attack: dodging the per-IP limit with X-Forwarded-For, no TRUST_PROXY (AUTH_RATE_LIMIT_PER_MINUTE=5)", () => {
	it("counts the socket's address whatever X-Forwarded-For says", async () => {
		const limited = await openApp({ authRateLimitPerMinute: 5, trustProxy: false });
		await awayFromMinuteBoundary();
		let n = 0;
		const spoof = () => ({ "x-forwarded-for": `198.51.100.${++n}, 203.0.113.${n}` });
		for (let i = 0; i < 5; i++) {
			expectError(await limited.request("POST", `${AUTH}/login`, { body: { email: uniqueEmail("ip"), password: "wrong password" }, headers: spoof() }), 401, "INVALID_CREDENTIALS");
		}
		for (const headers of [spoof(), spoof(), {}]) {
			const res = await limited.request("POST", `${AUTH}/login`, { body: { email: uniqueEmail("ip"), password: "wrong password" }, headers });
			expectError(res, 429, "RATE_LIMITED");
			expectRetryAfter(res, 70);
		}
	});
});

describe("attack: dodging the per-IP limit behind a proxy, TRUST_PROXY=true (AUTH_RATE_LIMIT_PER_MINUTE=3)", () => {
	it("takes the last X-Forwarded-For entry (the one the proxy appended) as the client", async () => {
		const proxied = await openApp({ authRateLimitPerMinute: 3, trustProxy: true });
		await awayFromMinuteBoundary();
		const attempt = (xff: string) => proxied.request("POST", `${AUTH}/login`, { body: { email: uniqueEmail("ip"), password: "wrong password" }, headers: { "x-forwarded-for": xff } });
		for (let i = 0; i < 3; i++) expectError(await attempt("203.0.113.7"), 401, "INVALID_CREDENTIALS");
		const limited = await attempt("203.0.113.7");
		expectError(limited, 429, "RATE_LIMITED");
		expectRetryAfter(limited, 70);
		// The client writes addresses of its own in front of what the proxy appends: still the same client.
		for (const forged of ["198.51.100.1, 203.0.113.7", "198.51.100.2,198.51.100.3, 203.0.113.7"]) {
			expectError(await attempt(forged), 429, "RATE_LIMITED");
		}
		// And writing the limited client's address in front does not make another client limited.
		expectError(await attempt("203.0.113.7, 203.0.113.9"), 401, "INVALID_CREDENTIALS");
		expectError(await attempt("203.0.113.8"), 401, "INVALID_CREDENTIALS");
	});
});

// --- NoSQL operator injection --------------------------------------------------------------------------------

describe("attack: NoSQL operator injection", () => {
	let victim: Account;
	let admin: Tokens;

	beforeAll(async () => {
		victim = await account(app);
		admin = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD, { secrets });
	});

	it("refuses operators in the open auth routes' bodies", async () => {
		const pw = newPassword();
		const cases: Array<[string, unknown]> = [
			["/login", { email: { $gt: "" }, password: victim.password }],
			["/login", { email: victim.email, password: { $ne: null } }],
			["/login", { email: { $ne: null }, password: { $ne: null } }],
			["/login", { email: { $regex: ".*" }, password: { $gt: "" } }],
			["/register", { email: { $gt: "" }, password: pw }],
			["/register", { email: uniqueEmail("inj"), password: { $ne: null } }],
			["/verify-email", { token: { $ne: null } }],
			["/verify-email", { token: { $gt: "" } }],
			["/refresh", { refreshToken: { $ne: null } }],
			["/refresh", { refreshToken: { $gt: "" } }],
			["/password/reset", { token: { $ne: null }, password: pw }],
			["/password/forgot", { email: { $ne: null } }],
			["/verify-email/resend", { email: { $gt: "" } }]
		];
		for (const [route, body] of cases) {
			// An operator object where a string belongs fails the parameter rules.
			expectRefused(await app.request("POST", `${AUTH}${route}`, { body }), `${route} ${JSON.stringify(body)}`, 422, "VALIDATION_ERROR");
		}
		// The victim's account is untouched: no verify, no reset happened.
		await signIn(app, victim);
	});

	it("refuses operators in the admin list's query string", async () => {
		expect((await app.request("GET", `${USERS}?search=${encodeURIComponent(victim.email)}`, { token: admin.accessToken })).body.total).toBe(1);
		for (const query of [
			"search[$regex]=.*",
			"search[$ne]=x",
			"status[$ne]=x",
			"role[$in][]=admin",
			"role[$ne]=admin",
			"sort[$natural]=1",
			"page[$gt]=0",
			"pageSize[$gt]=0"
		]) {
			expectRefused(await app.request("GET", `${USERS}?${query}`, { token: admin.accessToken }), query, 422, "VALIDATION_ERROR");
		}
	});
});

// --- Mass assignment -----------------------------------------------------------------------------------------

describe("attack: mass assignment", () => {
	it("register with roles / emailVerified / status / id grants nothing", async () => {
		for (const extra of [{ roles: ["admin"] }, { roles: ["user", "admin"], emailVerified: true }, { status: "active", emailVerified: true }, { id: "attacker-chosen-id" }, { _id: "attacker-chosen-id" }]) {
			const email = uniqueEmail("mass");
			const password = newPassword();
			// Register's parameters are strict: any field beyond {email, password, displayName, locale} is refused.
			const res = await app.request("POST", `${AUTH}/register`, { body: { email, password, ...extra } });
			expectError(res, 422, "VALIDATION_ERROR");
			// No account was made: the address cannot sign in, let alone as an admin.
			const signin = await app.request("POST", `${AUTH}/login`, { body: { email, password } });
			expectError(signin, 401, "INVALID_CREDENTIALS");
		}
	});

	it("PATCH /users/me with roles / email / status / emailVerified is 422 and changes nothing", async () => {
		const acc = await account(app);
		const tokens = await signIn(app, acc);
		const before = (await app.request("GET", `${USERS}/me`, { token: tokens.accessToken })).body;
		for (const extra of [
			{ roles: ["user", "admin"] },
			{ email: uniqueEmail("taken-over") },
			{ status: "active" },
			{ emailVerified: false },
			{ id: randomUUID() },
			{ createdAt: "2000-01-01T00:00:00.000Z" },
			{ passwordHash: "$2b$04$abcdefghijklmnopqrstuuAbCdEfGhIjKlMnOpQrStUvWxYz01234" }
		]) {
			expectError(await app.request("PATCH", `${USERS}/me`, { token: tokens.accessToken, body: { displayName: "Mallory", ...extra } }), 422, "VALIDATION_ERROR");
		}
		const after = (await app.request("GET", `${USERS}/me`, { token: tokens.accessToken })).body;
		expect(after).toEqual(before);
		const fresh = await signIn(app, acc);
		expect(decodeJwt(fresh.accessToken).payload.roles).toEqual(["user"]);
		expectError(await app.request("GET", USERS, { token: fresh.accessToken }), 403, "FORBIDDEN");
	});

	it("__proto__ and constructor.prototype in a body grant nothing and pollute nothing", async () => {
		const acc = await account(app);
		const tokens = await signIn(app, acc);
		const polluted = '{"roles":["user","admin"],"emailVerified":true,"status":"active","isAdmin":true}';
		const bodies = [
			`{"displayName":"Proto","__proto__":${polluted}}`,
			`{"displayName":"Proto","constructor":{"prototype":${polluted}}}`,
			`{"__proto__":{"__proto__":${polluted}},"displayName":"Proto"}`
		];
		// `__proto__` keys are dropped while parsing, so those bodies are a plain name change; `constructor` is an
		// unknown field of PATCH /users/me, so 422.
		const expected = [200, 422, 200];
		for (const [i, rawBody] of bodies.entries()) {
			const res = await app.request("PATCH", `${USERS}/me`, { token: tokens.accessToken, rawBody });
			if (expected[i] === 200) {
				expect({ i, status: res.status }).toEqual({ i, status: 200 });
				expect(res.body.roles).toEqual(["user"]);
				expect(res.body.displayName).toBe("Proto");
			} else {
				expectError(res, 422, "VALIDATION_ERROR");
			}
		}
		const email = uniqueEmail("proto");
		const password = newPassword();
		const reg = await app.request("POST", `${AUTH}/register`, { rawBody: `{"email":"${email}","password":"${password}","__proto__":${polluted}}` });
		// The `__proto__` key is dropped while parsing: an ordinary sign-up.
		expect(reg.status).toBe(201);
		expect(reg.body.roles).toEqual(["user"]);
		expect(reg.body.emailVerified).toBe(false);
		// Nothing leaked onto Object.prototype of this process (the services run in it).
		const probe: any = {};
		expect([probe.roles, probe.emailVerified, probe.status, probe.isAdmin]).toEqual([undefined, undefined, undefined, undefined]);
		const me = (await app.request("GET", `${USERS}/me`, { token: (await signIn(app, acc)).accessToken })).body;
		expect(me.roles).toEqual(["user"]);
		expectError(await app.request("GET", USERS, { token: tokens.accessToken }), 403, "FORBIDDEN");
	});
});

// --- Insecure direct object references -----------------------------------------------------------------------

describe("attack: another user's objects by id (IDOR), and admin-only actions", () => {
	let mallory: Tokens;
	let alice: Account;
	let aliceTokens: Tokens;

	beforeAll(async () => {
		mallory = await signIn(app, await account(app));
		alice = await account(app);
		// A security notice for Alice (it ends her sessions), then a fresh session.
		const old = await signIn(app, alice);
		expect((await app.request("POST", `${AUTH}/logout-all`, { token: old.accessToken })).status).toBe(204);
		aliceTokens = await signIn(app, alice);
	});

	it("reading, patching and deleting another user through /users/:id is 403", async () => {
		const id = alice.user.id;
		expectError(await app.request("GET", `${USERS}/${id}`, { token: mallory.accessToken }), 403, "FORBIDDEN");
		expectError(await app.request("PATCH", `${USERS}/${id}`, { token: mallory.accessToken, body: { displayName: "pwned" } }), 403, "FORBIDDEN");
		expectError(await app.request("PATCH", `${USERS}/${id}`, { token: mallory.accessToken, body: { status: "disabled" } }), 403, "FORBIDDEN");
		expectError(await app.request("DELETE", `${USERS}/${id}`, { token: mallory.accessToken }), 403, "FORBIDDEN");
		const me = await app.request("GET", `${USERS}/me`, { token: aliceTokens.accessToken });
		expect(me.status).toBe(200);
		expect(me.body.displayName).not.toBe("pwned");
		expect(me.body.status).toBe("active");
	});

	it("ending another user's session is 404, and the session lives on", async () => {
		const sid = decodeJwt(aliceTokens.accessToken).payload.sid;
		expectError(await app.request("DELETE", `${AUTH}/sessions/${sid}`, { token: mallory.accessToken }), 404, "NOT_FOUND");
		expect((await app.request("GET", `${USERS}/me`, { token: aliceTokens.accessToken })).status).toBe(200);
		const refreshed = await app.request("POST", `${AUTH}/refresh`, { body: { refreshToken: aliceTokens.refreshToken } });
		expect(refreshed.status).toBe(200);
		aliceTokens = refreshed.body;
	});

	it("lifting one's own login lock or reading the audit trail without the admin role is 403", async () => {
		const acc = await account(app);
		const own = await signIn(app, acc);
		for (let i = 0; i < 3; i++) await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: `guess ${i}` } });
		expectError(await app.request("POST", `${AUTH}/throttles/clear`, { token: own.accessToken, body: { email: acc.email } }), 403, "FORBIDDEN");
		expectError(await app.request("POST", `${AUTH}/throttles/clear`, { token: own.accessToken, body: { ip: "127.0.0.1" } }), 403, "FORBIDDEN");
		expectError(await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: acc.password } }), 429, "TOO_MANY_ATTEMPTS");
		expectError(await app.request("GET", "/api/v1/audit", { token: mallory.accessToken }), 403, "FORBIDDEN");
		expectError(await app.request("GET", "/api/v1/audit/verify", { token: mallory.accessToken }), 403, "FORBIDDEN");
	});

	it("marking another user's notification read is 404, and it stays unread", async () => {
		const list = await app.request("GET", `${NOTIFICATIONS}?pageSize=100`, { token: aliceTokens.accessToken });
		const target = list.body.rows.find((r: any) => !r.read);
		expect(target).toBeDefined();
		expectError(await app.request("POST", `${NOTIFICATIONS}/${target.id}/read`, { token: mallory.accessToken }), 404, "NOT_FOUND");
		const after = await app.request("GET", `${NOTIFICATIONS}?pageSize=100`, { token: aliceTokens.accessToken });
		expect(after.body.rows.find((r: any) => r.id === target.id).read).toBe(false);
		expect(after.body.unread).toBe(list.body.unread);
	});
});

// --- Hostile bodies ------------------------------------------------------------------------------------------

describe("attack: oversized, malformed and odd request bodies", () => {
	it("answers more than 100 KB with 413, on open and authenticated routes", async () => {
		const big = "x".repeat(110 * 1024);
		expectError(await app.request("POST", `${AUTH}/register`, { body: { email: uniqueEmail("big"), password: newPassword(), displayName: big } }), 413, "PAYLOAD_TOO_LARGE");
		expectError(await app.request("POST", `${AUTH}/login`, { body: { email: uniqueEmail("big"), password: big } }), 413, "PAYLOAD_TOO_LARGE");
		const tokens = await signIn(app, await account(app));
		expectError(await app.request("PATCH", `${USERS}/me`, { token: tokens.accessToken, body: { bio: big } }), 413, "PAYLOAD_TOO_LARGE");
	});

	it("answers malformed JSON with 400", async () => {
		for (const rawBody of ['{"email":"a@example.com","password":', "{email: 'a@example.com'}", '{"email":"a@example.com",}', "\u0000\u0001", "{".repeat(10)]) {
			expectError(await app.request("POST", `${AUTH}/login`, { rawBody }), 400, "BAD_REQUEST");
		}
	});

	it("answers a JSON string, number, boolean or null as the body with 400, and an array with 422", async () => {
		const acc = await account(app);
		const pair = JSON.stringify({ email: acc.email, password: acc.password });
		// The strict JSON parser takes only objects and arrays; an array then has none of the named parameters.
		for (const rawBody of ['"hello"', "42", "null", "true"]) {
			expectRefused(await app.request("POST", `${AUTH}/login`, { rawBody }), rawBody, 400, "BAD_REQUEST");
		}
		for (const rawBody of [`[${pair}]`, `[${pair},${pair}]`, "[]"]) {
			expectRefused(await app.request("POST", `${AUTH}/login`, { rawBody }), rawBody.slice(0, 40), 422, "VALIDATION_ERROR");
		}
	});

	it("survives deep nesting: 400, and the server still answers", async () => {
		const depth = 30_000;
		const nestedArrays = `{"email":${"[".repeat(depth)}${"]".repeat(depth)},"password":"x"}`;
		const nestedObjects = `{"email":"a@example.com","password":${'{"a":'.repeat(12_000)}1${"}".repeat(12_000)}}`;
		for (const rawBody of [nestedArrays, nestedObjects]) {
			expect(rawBody.length).toBeLessThan(100 * 1024);
			// Refused before parsing (MAX_JSON_DEPTH).
			expectRefused(await app.request("POST", `${AUTH}/login`, { rawBody }), `nested ${rawBody.slice(0, 20)}`, 400, "BAD_REQUEST");
		}
		expect((await app.request("GET", "/api/health/live")).status).toBe(200);
		await signIn(app, await account(app));
	});

	it("does not echo the values sent back in validation errors", async () => {
		const acc = await account(app);
		// A password typed into the address field, and a password sent with the wrong type.
		const sent: Array<[string, unknown]> = [
			["/register", { email: acc.password, password: acc.password }],
			["/login", { email: acc.email, password: [acc.password] }],
			["/login", { email: acc.email, password: { value: acc.password } }]
		];
		for (const [route, body] of sent) {
			const res = await app.request("POST", `${AUTH}${route}`, { body });
			expect(res.text.toLowerCase()).not.toContain(acc.password.toLowerCase());
			expectError(res, 422, "VALIDATION_ERROR");
		}
	});
});

// --- Secrecy, over everything above --------------------------------------------------------------------------

describe("attack: fishing for secrets in responses and logs", () => {
	/** Every one-time token e-mailed by any app above. */
	function oneTimeTokens(): string[] {
		const pattern = /\/(?:verify-email|reset-password|confirm-email)\?token=([A-Za-z0-9_-]+)/g;
		return apps.flatMap(a => a.mail.messages.flatMap(m => [...`${m.text}\n${m.html}`.matchAll(pattern)].map(match => match[1])));
	}

	it("no response body or header holds a password, a hash, another response's refresh token, a one-time token or a stack", async () => {
		// The audit trail of everything above is a response too.
		const admin = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD, { secrets });
		for (let page = 1; page <= 50; page++) {
			const res = await app.request("GET", `/api/v1/audit?pageSize=100&page=${page}`, { token: admin.accessToken });
			expect(res.status).toBe(200);
			if (page >= res.body.totalPages) break;
		}

		expect(responses.length).toBeGreaterThan(150);
		const linkTokens = oneTimeTokens();
		expect(linkTokens.length).toBeGreaterThan(5);
		for (const t of linkTokens) secrets.add(t);
		const refreshSecrets = responses.map(r => r.res.body?.refreshToken).filter((t): t is string => typeof t === "string").map(t => t.slice(t.indexOf(".") + 1));
		expect(refreshSecrets.length).toBeGreaterThan(10);

		const problems: string[] = [];
		for (const { label, res } of responses) {
			const headers = [...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join("\n");
			const own = typeof res.body?.refreshToken === "string" ? res.body.refreshToken.slice(res.body.refreshToken.indexOf(".") + 1) : undefined;
			for (const text of [res.text, headers]) {
				if (/\$2[aby]\$\d\d\$/.test(text)) problems.push(`${label}: bcrypt hash`);
				if (/"stack"|\bat \S+ \(.*:\d+:\d+\)/.test(text)) problems.push(`${label}: stack trace`);
				// Case-insensitively: an address field lower-cases what it is given (a password typed into it, say).
				for (const p of passwords) if (text.toLowerCase().includes(p.toLowerCase())) problems.push(`${label}: password ${p.slice(0, 8)}…`);
				for (const t of linkTokens) if (text.includes(t)) problems.push(`${label}: one-time token ${t.slice(0, 8)}…`);
				for (const s of refreshSecrets) if (s !== own && text.includes(s)) problems.push(`${label}: refresh token ${s.slice(0, 8)}…`);
			}
		}
		expect(problems).toEqual([]);
	});

	it("no log line of any app holds a password, token or hash used above", () => {
		const logs = apps.flatMap(a => a.logs);
		expect(logs.length).toBeGreaterThan(0);
		expect(secrets.size).toBeGreaterThan(50);
		expect(secrets.leaks(logs)).toEqual([]);
		expect(logs.filter(line => /\$2[aby]\$\d\d\$/.test(line))).toEqual([]);
	});
});
