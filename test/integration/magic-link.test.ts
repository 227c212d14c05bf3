/**
 * POST /api/v1/auth/magic-link and /magic-link/verify (CONTRACT §6): sign-in by a one-time link by e-mail.
 */
import { Secret, TOTP } from "otpauth";
import { startApp, type TestApp } from "../helpers/app";
import { Secrets, awayFromMinuteBoundary, decodeJwt, expectError, expectUser, login, mailsTo, registerUser, sleep, uniqueEmail, type Tokens } from "../helpers/kit";

const AUTH = "/api/v1/auth";
const APP_URL = "https://magic.example.test";
const ADMIN_EMAIL = "root@example.com";
const ADMIN_PASSWORD = "root operator passphrase 9";

describe("auth: magic links", () => {
	let app: TestApp;
	let admin: Tokens;
	const secrets = new Secrets();

	beforeAll(async () => {
		app = await startApp({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD }, { APP_URL });
		admin = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD);
	});
	afterAll(() => app.stop());

	const ask = (email: string) => app.request("POST", `${AUTH}/magic-link`, { body: { email } });
	const verify = (token: string) => app.request("POST", `${AUTH}/magic-link/verify`, { body: { token } });

	it("answers 202 alike for a known and an unknown address; the known one gets ${APP_URL}/magic-link?token=…", async () => {
		const acc = await registerUser(app, { secrets });
		const unknown = uniqueEmail("nobody");
		const a = await ask(unknown);
		const b = await ask(` ${acc.email.toUpperCase()} `);
		expect(a.status).toBe(202);
		expect(b.status).toBe(202);
		expect(b.text).toBe(a.text);
		const mail = await app.mail.waitFor(m => m.to.toLowerCase() === acc.email.toLowerCase() && m.text.includes("/magic-link?token="));
		expect(mail.subject).toBe("Your sign-in link");
		expect(/(\S+)\/magic-link\?token=/.exec(mail.text)![1]).toBe(APP_URL);
		await sleep(300);
		expect(mailsTo(app, unknown)).toHaveLength(0);
	});

	it("signs in once with the link (200 token response, no-store), then refuses it as INVALID_TOKEN (400)", async () => {
		const acc = await registerUser(app, { secrets });
		expect((await ask(acc.email)).status).toBe(202);
		const token = await app.mail.tokenFor(acc.email, "magic-link");
		secrets.add(token);
		const res = await verify(token);
		expect(res.status).toBe(200);
		expect(res.headers.get("cache-control")).toBe("no-store");
		secrets.addTokens(res.body);
		expectUser(res.body.user);
		expect(res.body.user.email).toBe(acc.email);
		expect(decodeJwt(res.body.accessToken).payload.sub).toBe(acc.user.id);
		expect((await app.request("GET", "/api/v1/users/me", { token: res.body.accessToken })).status).toBe(200);
		expectError(await verify(token), 400, "INVALID_TOKEN");

		const notices = await app.request("GET", "/api/v1/notifications", { token: res.body.accessToken });
		expect(notices.body.rows.map((n: { type: string }) => n.type)).toContain("magic-link-sign-in");
		const audit = await app.request("GET", `/api/v1/audit?userId=${acc.user.id}&type=login`, { token: admin.accessToken });
		// The one sign-in path (services/auth/flows/sign-in.ts) records what was shown: a magic link is `otp`.
		expect(audit.body.rows.map((r: { details: Record<string, unknown> }) => r.details.amr)).toEqual([["otp"]]);
		expect(decodeJwt(res.body.accessToken).payload.amr).toEqual(["otp"]);
	});

	it("with TOTP on, answers like POST /login (200 {mfaRequired, mfaToken, methods}, no tokens); POST /login/mfa finishes with amr otp+mfa", async () => {
		const acc = await registerUser(app, { login: true, secrets });
		const setup = await app.request("POST", `${AUTH}/mfa/totp/setup`, { body: { password: acc.password }, token: acc.accessToken });
		secrets.add(setup.body.secret);
		const code = new TOTP({ secret: Secret.fromBase32(setup.body.secret), algorithm: "SHA1", digits: 6, period: 30 }).generate({ timestamp: app.clock.now() });
		const confirmed = await app.request("POST", `${AUTH}/mfa/totp/confirm`, { body: { code }, token: acc.accessToken });
		expect(confirmed.status).toBe(200);
		secrets.add(...confirmed.body.recoveryCodes);

		await ask(acc.email);
		const token = await app.mail.tokenFor(acc.email, "magic-link");
		secrets.add(token);
		const res = await verify(token);
		expect(res.status).toBe(200);
		secrets.add(res.body.mfaToken);
		expect(res.body).toEqual({ mfaRequired: true, mfaToken: expect.any(String), methods: ["totp", "recovery"] });
		const done = await app.request("POST", `${AUTH}/login/mfa`, { body: { mfaToken: res.body.mfaToken, recoveryCode: confirmed.body.recoveryCodes[0] } });
		expect(done.status).toBe(200);
		secrets.addTokens(done.body);
		expect(decodeJwt(done.body.accessToken).payload.amr).toEqual(["otp", "mfa"]);
	});

	it("refuses a link after 15 minutes (INVALID_TOKEN, 400)", async () => {
		const acc = await registerUser(app, { secrets });
		await ask(acc.email);
		const token = await app.mail.tokenFor(acc.email, "magic-link");
		secrets.add(token);
		app.clock.advance(15 * 60_000 + 1_000);
		expectError(await verify(token), 400, "INVALID_TOKEN");
	});

	it("sends no second e-mail within a minute of the first, however often it is asked", async () => {
		const acc = await registerUser(app, { secrets });
		expect((await ask(acc.email)).status).toBe(202);
		await app.mail.tokenFor(acc.email, "magic-link");
		for (let i = 0; i < 3; i++) expect((await ask(acc.email)).status).toBe(202);
		await sleep(500);
		expect(mailsTo(app, acc.email).filter(m => m.text.includes("/magic-link?token="))).toHaveLength(1);
	});

	it("refuses a disabled account with ACCOUNT_DISABLED (403)", async () => {
		const acc = await registerUser(app, { secrets });
		await ask(acc.email);
		const token = await app.mail.tokenFor(acc.email, "magic-link");
		secrets.add(token);
		admin = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD); // the clock moved on in an earlier test
		expect((await app.request("PATCH", `/api/v1/users/${acc.user.id}`, { token: admin.accessToken, body: { status: "disabled" } })).status).toBe(200);
		expectError(await verify(token), 403, "ACCOUNT_DISABLED");
	});

	it("refuses bad bodies with 422 and an unknown token with 400", async () => {
		for (const body of [{}, { email: "not an address" }, { email: { $gt: "" } }]) expectError(await app.request("POST", `${AUTH}/magic-link`, { body }), 422, "VALIDATION_ERROR");
		for (const body of [{}, { token: 5 }, { token: "x", extra: 1 }]) expectError(await app.request("POST", `${AUTH}/magic-link/verify`, { body }), 422, "VALIDATION_ERROR");
		expectError(await verify("A".repeat(43)), 400, "INVALID_TOKEN");
		expect(app.logs.join("\n")).not.toMatch(/INTERNAL|TypeError/);
		expect(secrets.leaks(app.logs)).toEqual([]);
	});
});

describe("auth: magic links, limited per client IP (AUTH_RATE_LIMIT_PER_MINUTE=2)", () => {
	it("answers 429 RATE_LIMITED past the limit", async () => {
		const limited = await startApp({ authRateLimitPerMinute: 2 });
		try {
			await awayFromMinuteBoundary();
			for (let i = 0; i < 2; i++) expect((await limited.request("POST", `${AUTH}/magic-link`, { body: { email: uniqueEmail("ip") } })).status).toBe(202);
			expectError(await limited.request("POST", `${AUTH}/magic-link`, { body: { email: uniqueEmail("ip") } }), 429, "RATE_LIMITED");
			expectError(await limited.request("POST", `${AUTH}/magic-link/verify`, { body: { token: "x".repeat(43) } }), 429, "RATE_LIMITED");
		} finally {
			await limited.stop();
		}
	});
});

describe("auth: magic links turned off (MAGIC_LINK_ENABLED=false)", () => {
	it("answers 404 NOT_FOUND on both routes", async () => {
		const off = await startApp({}, { MAGIC_LINK_ENABLED: "false" });
		try {
			expectError(await off.request("POST", `${AUTH}/magic-link`, { body: { email: uniqueEmail("off") } }), 404, "NOT_FOUND");
			expectError(await off.request("POST", `${AUTH}/magic-link/verify`, { body: { token: "x".repeat(43) } }), 404, "NOT_FOUND");
		} finally {
			await off.stop();
		}
	});
});
