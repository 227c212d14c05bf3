/**
 * TOTP, recovery codes and the login's second step through HTTP (CONTRACT §4), on whichever store the project
 * runs (NeDB here, FerretDB in the mongoose project). Codes are computed by the test with `otpauth` from the
 * secret the setup showed, at times the TestClock is moved to.
 */
import { Secret, TOTP } from "otpauth";
import type { Collection } from "../../lib/collection";
import { localOperator, operatorUser } from "../../lib/operator";
import { resetMfa } from "../../operator";
import type { PasskeyRecord } from "../../services/auth/mfa/passkey-credential";
import { startApp, type TestApp } from "../helpers/app";
import { TestClock } from "../helpers/clock";
import { freePort } from "../helpers/ferretdb";
import { Secrets, decodeJwt, expectError, login, registerUser, type TestUser } from "../helpers/kit";

const AUTH = "/api/v1/auth";
const ADMIN_EMAIL = "mfa-root@example.com";
const ADMIN_PASSWORD = "mfa root passphrase";
const STEP = 30_000;
const RECOVERY_CODE = /^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/;

/** A user with TOTP on: the secret the setup showed, and the recovery codes the confirmation handed out. */
interface Enrolled extends TestUser {
	secret: string;
	recoveryCodes: string[];
}

describe("second factors: TOTP and recovery codes", () => {
	let app: TestApp;
	let metricsUrl: string;
	const clock = new TestClock(Date.now());
	const secrets = new Secrets();
	/** The admin, signed in afresh: the tests move the clock past an access token's life. */
	const admin = () => login(app, ADMIN_EMAIL, ADMIN_PASSWORD, { secrets });

	/** The code of `secret` at the clock's time plus `offsetMs`. */
	const codeAt = (secret: string, offsetMs = 0) =>
		new TOTP({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 }).generate({ timestamp: clock.now() + offsetMs });
	/** A code of a step no earlier code used (nor one accepted a step early, within the drift): the clock moves 3 steps first. */
	const freshCode = (secret: string) => {
		clock.advance(3 * STEP);
		return codeAt(secret);
	};
	const post = (path: string, body: unknown, token?: string) => app.request("POST", `${AUTH}${path}`, { body, token });
	const passwordStep = async (u: { email: string; password: string }) => {
		const res = await post("/login", { email: u.email, password: u.password });
		expect(res.status).toBe(200);
		secrets.add(res.body.mfaToken);
		return res;
	};

	async function enrol(opts: { email?: string } = {}): Promise<Enrolled> {
		const account = await registerUser(app, { login: true, secrets, ...opts });
		const setup = await post("/mfa/totp/setup", { password: account.password }, account.accessToken);
		expect(setup.status).toBe(200);
		secrets.add(setup.body.secret);
		const confirmed = await post("/mfa/totp/confirm", { code: freshCode(setup.body.secret) }, account.accessToken);
		expect(confirmed.status).toBe(200);
		secrets.add(...confirmed.body.recoveryCodes);
		return { ...account, secret: setup.body.secret, recoveryCodes: confirmed.body.recoveryCodes };
	}

	async function scrape(name: string, labels: Record<string, string>): Promise<number> {
		const text = await (await fetch(metricsUrl)).text();
		const line = text.split("\n").find(l => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
		return line ? Number(line.trim().split(/\s+/).pop()) : 0;
	}

	beforeAll(async () => {
		const metricsPort = await freePort();
		metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
		// 10 failures before the address locks, so that 5 wrong codes kill an mfaToken before the lock comes.
		app = await startApp({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD, loginMaxFailures: 10, metricsPort }, {}, { clock });
		secrets.add(ADMIN_PASSWORD);
	});
	afterAll(() => app.stop());

	describe("enrolment", () => {
		it("sets up with the password, shows the secret once, and is on only after a right code; 10 recovery codes", async () => {
			const u = await registerUser(app, { login: true, secrets });
			expect((await app.request("GET", `${AUTH}/mfa`, { token: u.accessToken })).body).toEqual({ totp: false, recoveryCodesRemaining: 0, passkeys: [] });
			expectError(await post("/mfa/totp/setup", { password: "not the password" }, u.accessToken), 401, "INVALID_CREDENTIALS");

			const setup = await post("/mfa/totp/setup", { password: u.password }, u.accessToken);
			expect(setup.status).toBe(200);
			expect(setup.headers.get("cache-control")).toBe("no-store");
			const { secret, otpauthUrl } = setup.body;
			secrets.add(secret);
			expect(secret).toMatch(/^[A-Z2-7]{32}$/);
			const url = new URL(otpauthUrl);
			expect([url.protocol, url.host, url.searchParams.get("secret"), url.searchParams.get("issuer"), url.searchParams.get("digits"), url.searchParams.get("period")]).toEqual([
				"otpauth:",
				"totp",
				secret,
				"User backend",
				"6",
				"30"
			]);
			expect(decodeURIComponent(url.pathname)).toContain(u.email);
			// Set up but not confirmed: not on, and the password alone still signs in.
			expect((await app.request("GET", `${AUTH}/mfa`, { token: u.accessToken })).body.totp).toBe(false);
			expect((await post("/login", { email: u.email, password: u.password })).body.tokenType).toBe("Bearer");

			expectError(await post("/mfa/totp/confirm", { code: codeAt(secret, 10 * STEP) }, u.accessToken), 422, "INVALID_MFA_CODE");
			const confirmed = await post("/mfa/totp/confirm", { code: freshCode(secret) }, u.accessToken);
			expect(confirmed.status).toBe(200);
			const codes: string[] = confirmed.body.recoveryCodes;
			secrets.add(...codes);
			expect(codes).toHaveLength(10);
			expect(new Set(codes).size).toBe(10);
			for (const code of codes) expect(code).toMatch(RECOVERY_CODE);

			const status = await app.request("GET", `${AUTH}/mfa`, { token: u.accessToken });
			expect(status.body).toEqual({ totp: true, recoveryCodesRemaining: 10, passkeys: [] });
			expect(status.text).not.toContain(secret);
			// A second setup while on is refused: a stolen session cannot swap the authenticator.
			expectError(await post("/mfa/totp/setup", { password: u.password }, u.accessToken), 422, "VALIDATION_ERROR");
		});

		it("tells the user by e-mail and in the app, and writes the audit trail", async () => {
			const u = await enrol();
			const mail = await app.mail.waitFor(m => m.to === u.email && /second factor was added/i.test(m.subject));
			expect(mail.text).toContain("authenticator app");
			const inbox = await app.request("GET", "/api/v1/notifications", { token: u.accessToken });
			expect(inbox.body.rows.map((n: { type: string }) => n.type)).toContain("mfa-enabled");
			const audit = await app.request("GET", `/api/v1/audit?userId=${u.user.id}`, { token: (await admin()).accessToken });
			expect(audit.body.rows.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(["mfa.totp.setup", "mfa.totp.enable"]));
		});

		it("lists passkeys from the passkey store; TOTP joining a passkey hands out no new recovery codes", async () => {
			const u = await registerUser(app, { login: true, secrets });
			const passkeys = (app.broker.getLocalService("auth") as unknown as { core: { factors: { passkeys: Collection<PasskeyRecord> } } }).core.factors.passkeys;
			const createdAt = new Date(clock.now());
			await passkeys.insert({ _id: `pk-${u.user.id}`, credentialId: `cred-${u.user.id}`, userId: u.user.id, publicKey: "pQECAyYgASFYIA", counter: 0, transports: ["internal"], name: "Laptop", createdAt, lastUsedAt: null });
			const status = await app.request("GET", `${AUTH}/mfa`, { token: u.accessToken });
			expect(status.body).toEqual({ totp: false, recoveryCodesRemaining: 0, passkeys: [{ id: `pk-${u.user.id}`, name: "Laptop", createdAt: createdAt.toISOString(), lastUsedAt: null }] });
			expect(status.text).not.toContain("pQECAyYgASFYIA");
			expect((await passwordStep(u)).body.methods).toEqual(["passkey"]);

			const setup = await post("/mfa/totp/setup", { password: u.password }, u.accessToken);
			secrets.add(setup.body.secret);
			const confirmed = await post("/mfa/totp/confirm", { code: freshCode(setup.body.secret) }, u.accessToken);
			expect(confirmed.body).toEqual({ recoveryCodes: [] });
			expect((await passwordStep(u)).body.methods).toEqual(["totp", "passkey"]);
		});

		it("turns TOTP off with password and a current code; the recovery codes go with the last factor", async () => {
			const u = await enrol();
			const del = (body: unknown) => app.request("DELETE", `${AUTH}/mfa/totp`, { body, token: u.accessToken });
			expectError(await del({ password: "not the password", code: freshCode(u.secret) }), 401, "INVALID_CREDENTIALS");
			expectError(await del({ password: u.password, code: codeAt(u.secret, 10 * STEP) }), 422, "INVALID_MFA_CODE");
			expect((await del({ password: u.password, code: freshCode(u.secret) })).status).toBe(204);
			expect((await app.request("GET", `${AUTH}/mfa`, { token: u.accessToken })).body).toEqual({ totp: false, recoveryCodesRemaining: 0, passkeys: [] });
			expectError(await del({ password: u.password, code: freshCode(u.secret) }), 404, "NOT_FOUND");
			expect((await post("/login", { email: u.email, password: u.password })).body.tokenType).toBe("Bearer");
			await app.mail.waitFor(m => m.to === u.email && /second factor was removed/i.test(m.subject));
		});
	});

	describe("signing in", () => {
		let u: Enrolled;
		beforeAll(async () => {
			u = await enrol();
		});

		it("a password alone earns an mfaToken and no tokens; the code finishes with amr pwd+otp+mfa, kept through refresh", async () => {
			const first = await passwordStep(u);
			expect(first.headers.get("cache-control")).toBe("no-store");
			expect(first.body).toEqual({ mfaRequired: true, mfaToken: expect.any(String), methods: ["totp", "recovery"] });
			const done = await post("/login/mfa", { mfaToken: first.body.mfaToken, code: freshCode(u.secret) });
			expect(done.status).toBe(200);
			expect(done.headers.get("cache-control")).toBe("no-store");
			secrets.addTokens(done.body);
			expect(decodeJwt(done.body.accessToken).payload.amr).toEqual(["pwd", "otp", "mfa"]);
			expect(done.body.user.lastLoginAt).toBe(new Date(clock.now()).toISOString());
			const refreshed = await post("/refresh", { refreshToken: done.body.refreshToken });
			secrets.addTokens(refreshed.body);
			expect(decodeJwt(refreshed.body.accessToken).payload.amr).toEqual(["pwd", "otp", "mfa"]);
		});

		it("a password-only account's tokens say amr pwd", async () => {
			const plain = await registerUser(app, { login: true, secrets });
			expect(decodeJwt(plain.accessToken).payload.amr).toEqual(["pwd"]);
		});

		it("accepts one step of drift either way, refuses two, and accepts each code once", async () => {
			clock.advance(10 * STEP);
			let token = (await passwordStep(u)).body.mfaToken;
			expectError(await post("/login/mfa", { mfaToken: token, code: codeAt(u.secret, -2 * STEP) }), 401, "INVALID_MFA_CODE");
			expectError(await post("/login/mfa", { mfaToken: token, code: codeAt(u.secret, 2 * STEP) }), 401, "INVALID_MFA_CODE");
			const behind = codeAt(u.secret, -STEP);
			expect((await post("/login/mfa", { mfaToken: token, code: behind })).status).toBe(200);

			// The same code again: refused (its step is used); a newer step's code is accepted.
			token = (await passwordStep(u)).body.mfaToken;
			expectError(await post("/login/mfa", { mfaToken: token, code: behind }), 401, "INVALID_MFA_CODE");
			const ahead = codeAt(u.secret, STEP);
			expect((await post("/login/mfa", { mfaToken: token, code: ahead })).status).toBe(200);

			// That one again: refused, and so is any code of an older step (the current one's).
			token = (await passwordStep(u)).body.mfaToken;
			expectError(await post("/login/mfa", { mfaToken: token, code: ahead }), 401, "INVALID_MFA_CODE");
			expectError(await post("/login/mfa", { mfaToken: token, code: codeAt(u.secret) }), 401, "INVALID_MFA_CODE");
		});

		it("an mfaToken is spent by success, dies after 5 minutes and after 5 wrong codes", async () => {
			const spent = (await passwordStep(u)).body.mfaToken;
			expect((await post("/login/mfa", { mfaToken: spent, code: freshCode(u.secret) })).status).toBe(200);
			expectError(await post("/login/mfa", { mfaToken: spent, code: freshCode(u.secret) }), 401, "INVALID_TOKEN");

			const late = (await passwordStep(u)).body.mfaToken;
			clock.advance(5 * 60_000 + 1000);
			expectError(await post("/login/mfa", { mfaToken: late, code: codeAt(u.secret) }), 401, "INVALID_TOKEN");

			const guessed = (await passwordStep(u)).body.mfaToken;
			for (let i = 0; i < 5; i++) expectError(await post("/login/mfa", { mfaToken: guessed, code: codeAt(u.secret, 20 * STEP) }), 401, "INVALID_MFA_CODE");
			expectError(await post("/login/mfa", { mfaToken: guessed, code: freshCode(u.secret) }), 401, "INVALID_TOKEN");
			// The right code is still good with a fresh token (it was not used up by the dead one).
			expect((await post("/login/mfa", { mfaToken: (await passwordStep(u)).body.mfaToken, code: codeAt(u.secret) })).status).toBe(200);
		});

		it("an access token is no mfaToken, and an mfaToken is no access token", async () => {
			const done = await post("/login/mfa", { mfaToken: (await passwordStep(u)).body.mfaToken, code: freshCode(u.secret) });
			secrets.addTokens(done.body);
			expectError(await post("/login/mfa", { mfaToken: done.body.accessToken, code: freshCode(u.secret) }), 401, "INVALID_TOKEN");
			expectError(await post("/login/mfa", { mfaToken: done.body.refreshToken, code: freshCode(u.secret) }), 401, "INVALID_TOKEN");
			const mfaToken = (await passwordStep(u)).body.mfaToken;
			expectError(await app.request("GET", "/api/v1/users/me", { token: mfaToken }), 401, "INVALID_TOKEN");
			expectError(await app.request("GET", `${AUTH}/mfa`, { token: mfaToken }), 401, "INVALID_TOKEN");
		});

		it("wrong codes count toward the address's throttle; a locked address refuses /login/mfa even with the right code", async () => {
			const v = await enrol();
			const wrong = (token: string) => post("/login/mfa", { mfaToken: token, code: codeAt(v.secret, 20 * STEP) });
			const held = (await passwordStep(v)).body.mfaToken;
			// A right password does not lift the count while a second factor is owed: 5 + 4 + 1 = LOGIN_MAX_FAILURES.
			const first = (await passwordStep(v)).body.mfaToken;
			for (let i = 0; i < 5; i++) expectError(await wrong(first), 401, "INVALID_MFA_CODE");
			const second = (await passwordStep(v)).body.mfaToken;
			for (let i = 0; i < 4; i++) expectError(await wrong(second), 401, "INVALID_MFA_CODE");
			expectError(await wrong(held), 401, "INVALID_MFA_CODE");
			// The next step's code: right and unused, yet refused (the lock is 30 s, so the clock stays put here).
			expectError(await post("/login/mfa", { mfaToken: held, code: codeAt(v.secret, STEP) }), 429, "TOO_MANY_ATTEMPTS");
			expectError(await post("/login", { email: v.email, password: v.password }), 429, "TOO_MANY_ATTEMPTS");
			// The lock passes; a whole login lifts the count.
			clock.advance(31_000);
			expect((await post("/login/mfa", { mfaToken: (await passwordStep(v)).body.mfaToken, code: freshCode(v.secret) })).status).toBe(200);
			expectError(await wrong((await passwordStep(v)).body.mfaToken), 401, "INVALID_MFA_CODE");
			expect((await passwordStep(v)).status).toBe(200);
		});

		it("counts challenges passed and failed (metrics)", async () => {
			expect(await scrape("userbackend_mfa_challenges_total", { method: "totp", stage: "login", result: "passed" })).toBeGreaterThanOrEqual(3);
			expect(await scrape("userbackend_mfa_challenges_total", { method: "totp", stage: "login", result: "failed" })).toBeGreaterThan(10);
			expect(await scrape("userbackend_mfa_challenges_total", { method: "totp", stage: "enrolment", result: "failed" })).toBeGreaterThan(0);
		});
	});

	describe("recovery codes", () => {
		it("sign in once each (amr otp), tell the user how many remain, and die when new ones are made", async () => {
			const u = await enrol();
			const [first, second, third] = u.recoveryCodes;
			const done = await post("/login/mfa", { mfaToken: (await passwordStep(u)).body.mfaToken, recoveryCode: first });
			expect(done.status).toBe(200);
			secrets.addTokens(done.body);
			expect(decodeJwt(done.body.accessToken).payload.amr).toEqual(["pwd", "otp", "mfa"]);
			const notice = await app.mail.waitFor(m => m.to === u.email && /recovery code was used/i.test(m.subject));
			expect(notice.text).toContain("9 of your recovery codes remain");
			expect((await app.request("GET", `${AUTH}/mfa`, { token: done.body.accessToken })).body.recoveryCodesRemaining).toBe(9);
			const inbox = await app.request("GET", "/api/v1/notifications", { token: done.body.accessToken });
			expect(inbox.body.rows.find((n: { type: string }) => n.type === "recovery-code-used").body).toContain("9 of your recovery codes remain");

			expectError(await post("/login/mfa", { mfaToken: (await passwordStep(u)).body.mfaToken, recoveryCode: first }), 401, "INVALID_MFA_CODE");
			// Case and dashes do not matter.
			const typed = second.replace(/-/g, "").toUpperCase();
			expect((await post("/login/mfa", { mfaToken: (await passwordStep(u)).body.mfaToken, recoveryCode: typed })).status).toBe(200);

			expectError(await post("/mfa/recovery-codes", { password: "not the password" }, done.body.accessToken), 401, "INVALID_CREDENTIALS");
			const renewed = await post("/mfa/recovery-codes", { password: u.password }, done.body.accessToken);
			expect(renewed.status).toBe(200);
			expect(renewed.headers.get("cache-control")).toBe("no-store");
			secrets.add(...renewed.body.recoveryCodes);
			expect(renewed.body.recoveryCodes).toHaveLength(10);
			expectError(await post("/login/mfa", { mfaToken: (await passwordStep(u)).body.mfaToken, recoveryCode: third }), 401, "INVALID_MFA_CODE");
			expect((await post("/login/mfa", { mfaToken: (await passwordStep(u)).body.mfaToken, recoveryCode: renewed.body.recoveryCodes[0] })).status).toBe(200);
			await app.mail.waitFor(m => m.to === u.email && /new recovery codes/i.test(m.subject));
			const audit = await app.request("GET", `/api/v1/audit?userId=${u.user.id}`, { token: (await admin()).accessToken });
			expect(audit.body.rows.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(["mfa.recovery_code.use", "mfa.recovery_codes.renew"]));
			expect(await scrape("userbackend_mfa_challenges_total", { method: "recovery", stage: "login", result: "passed" })).toBeGreaterThanOrEqual(3);
		});

		it("are refused without a second factor", async () => {
			const u = await registerUser(app, { login: true, secrets });
			expectError(await post("/mfa/recovery-codes", { password: u.password }, u.accessToken), 422, "VALIDATION_ERROR");
		});
	});

	describe("step-up while TOTP is on", () => {
		it("password change: 403 MFA_REQUIRED without a code, 422 with a wrong one, 204 with a current one", async () => {
			const u = await enrol();
			const change = (extra: object) => post("/password/change", { currentPassword: u.password, newPassword: "a brand new passphrase", ...extra }, u.accessToken);
			expectError(await change({}), 403, "MFA_REQUIRED");
			expectError(await change({ code: codeAt(u.secret, 10 * STEP) }), 422, "INVALID_MFA_CODE");
			expect((await change({ code: freshCode(u.secret) })).status).toBe(204);
			secrets.add("a brand new passphrase");
		});

		it("e-mail change: the same", async () => {
			const u = await enrol();
			const ask = (extra: object) => app.request("POST", "/api/v1/users/me/email", { body: { newEmail: `new-${u.email}`, password: u.password, ...extra }, token: u.accessToken });
			expectError(await ask({}), 403, "MFA_REQUIRED");
			expectError(await ask({ code: codeAt(u.secret, 10 * STEP) }), 422, "INVALID_MFA_CODE");
			expect((await ask({ code: freshCode(u.secret) })).status).toBe(202);
		});

		it("account deletion: the same, and the factors go with the account", async () => {
			const u = await enrol();
			const remove = (extra: object) => app.request("DELETE", "/api/v1/users/me", { body: { password: u.password, ...extra }, token: u.accessToken });
			expectError(await remove({}), 403, "MFA_REQUIRED");
			expectError(await remove({ code: codeAt(u.secret, 10 * STEP) }), 422, "INVALID_MFA_CODE");
			expectError(await remove({ password: "not the password", code: freshCode(u.secret) }), 401, "INVALID_CREDENTIALS");
			expect((await remove({ code: freshCode(u.secret) })).status).toBe(204);
			const auth = (app.broker.getLocalService("auth") as unknown as { core: { factors: { totp: { isOn(id: string): Promise<boolean> }; recoveryCodes: { remaining(id: string): Promise<number> } } } }).core;
			expect([await auth.factors.totp.isOn(u.user.id), await auth.factors.recoveryCodes.remaining(u.user.id)]).toEqual([false, 0]);
		});
	});

	describe("an admin removes a locked-out user's factors", () => {
		it("DELETE /users/:id/mfa: 204 for an admin (audited, the user told), 403 for anyone else, 404 for nobody", async () => {
			const u = await enrol();
			const other = await registerUser(app, { login: true, secrets });
			expectError(await app.request("DELETE", `/api/v1/users/${u.user.id}/mfa`, { token: other.accessToken }), 403, "FORBIDDEN");
			expectError(await app.request("DELETE", `/api/v1/users/${u.user.id}/mfa`), 401, "UNAUTHORIZED");
			expectError(await app.request("DELETE", "/api/v1/users/no-such-user/mfa", { token: (await admin()).accessToken }), 404, "NOT_FOUND");
			expect((await app.request("DELETE", `/api/v1/users/${u.user.id}/mfa`, { token: (await admin()).accessToken })).status).toBe(204);

			expect((await app.request("GET", `${AUTH}/mfa`, { token: u.accessToken })).body).toEqual({ totp: false, recoveryCodesRemaining: 0, passkeys: [] });
			const back = await post("/login", { email: u.email, password: u.password });
			secrets.addTokens(back.body);
			expect(back.body.tokenType).toBe("Bearer");
			await app.mail.waitFor(m => m.to === u.email && /second factors were removed/i.test(m.subject));
			const audit = await app.request("GET", `/api/v1/audit?userId=${u.user.id}&type=mfa.reset`, { token: (await admin()).accessToken });
			expect(audit.body.rows).toHaveLength(1);
			expect(audit.body.rows[0]).toMatchObject({ actorId: (await admin()).user.id, subjectId: u.user.id, details: { totp: true, passkeys: 0, recoveryCodes: 10 } });
		});

		it("the REPL's mfa-reset does the same, with the operator as actor", async () => {
			const u = await enrol();
			const out = await resetMfa(app.broker, u.email.toUpperCase());
			expect(out).toEqual({ ok: true, text: expect.stringContaining(`Every second factor of ${u.email} was removed`) });
			expect((await post("/login", { email: u.email, password: u.password })).body.tokenType).toBe("Bearer");
			expect(await resetMfa(app.broker, "nobody@example.com")).toEqual({ ok: false, text: "No user with that e-mail: nobody@example.com" });
			const audit = await app.request("GET", `/api/v1/audit?userId=${u.user.id}&type=mfa.reset`, { token: (await admin()).accessToken });
			expect(audit.body.rows[0].actorId).toBe(operatorUser(localOperator()).id);
		});
	});

	describe("bad input is a precise 4xx, never a 500", () => {
		let u: Enrolled;
		let mfaToken: string;
		beforeAll(async () => {
			u = await enrol();
			mfaToken = (await passwordStep(u)).body.mfaToken;
		});
		const finish = (body: unknown) => post("/login/mfa", body);

		it.each([
			["a 5-digit code", { code: "12345" }],
			["letters", { code: "12a456" }],
			["a number instead of a string", { code: 123456 }],
			["an oversized code", { code: "1".repeat(10_000) }],
			["both code and recoveryCode", { code: "123456", recoveryCode: "aaaa-bbbb-cccc" }],
			["neither", {}],
			["a malformed recovery code", { recoveryCode: "not-a-recovery-code!" }],
			["an unknown field", { code: "123456", remember: true }]
		])("/login/mfa with %s: 422 VALIDATION_ERROR", async (_what, extra) => {
			expectError(await finish({ mfaToken, ...extra }), 422, "VALIDATION_ERROR");
		});

		it("/login/mfa without an mfaToken, with a non-string or an oversized one: 422", async () => {
			expectError(await finish({ code: "123456" }), 422, "VALIDATION_ERROR");
			expectError(await finish({ mfaToken: 42, code: "123456" }), 422, "VALIDATION_ERROR");
			expectError(await finish({ mfaToken: "x".repeat(5000), code: "123456" }), 422, "VALIDATION_ERROR");
		});

		it("an unknown mfaToken: 401 INVALID_TOKEN; malformed JSON 400; a body over 100 kB 413", async () => {
			expectError(await finish({ mfaToken: "never-issued-token", code: "123456" }), 401, "INVALID_TOKEN");
			expectError(await app.request("POST", `${AUTH}/login/mfa`, { rawBody: '{"mfaToken": "x", "code": ' }), 400, "BAD_REQUEST");
			expectError(await finish({ mfaToken, code: "123456", padding: "x".repeat(200_000) }), 413, "PAYLOAD_TOO_LARGE");
		});

		it("none of the malformed requests cost the token an attempt", async () => {
			expect((await finish({ mfaToken, code: freshCode(u.secret) })).status).toBe(200);
		});

		it("enrolment routes refuse malformed codes and wrong types alike (422)", async () => {
			const fresh = await registerUser(app, { login: true, secrets });
			expectError(await post("/mfa/totp/confirm", { code: "abcdef" }, fresh.accessToken), 422, "VALIDATION_ERROR");
			expectError(await post("/mfa/totp/confirm", { code: ["123456"] }, fresh.accessToken), 422, "VALIDATION_ERROR");
			// Well formed, but nothing was set up: the code cannot be right.
			expectError(await post("/mfa/totp/confirm", { code: "123456" }, fresh.accessToken), 422, "INVALID_MFA_CODE");
			expectError(await post("/mfa/totp/setup", { password: 12345678 }, fresh.accessToken), 422, "VALIDATION_ERROR");
			expectError(await app.request("DELETE", `${AUTH}/mfa/totp`, { body: { password: fresh.password }, token: fresh.accessToken }), 422, "VALIDATION_ERROR");
			expectError(await post("/password/change", { currentPassword: fresh.password, newPassword: "another passphrase", code: "12" }, fresh.accessToken), 422, "VALIDATION_ERROR");
			expectError(await app.request("GET", `${AUTH}/mfa`), 401, "UNAUTHORIZED");
		});
	});

	it("never wrote a password, token, secret or recovery code into the logs", () => {
		expect(secrets.size).toBeGreaterThan(50);
		expect(secrets.leaks(app.logs)).toEqual([]);
	});
});
