/**
 * MFA_REQUIRED_ROLES=admin: an admin without a second factor gets tokens that reach only the enrolment routes
 * (every other action answers 403 MFA_REQUIRED) until the session has shown two factors: by confirming TOTP,
 * or by enrolling a passkey.
 */
import { Secret, TOTP } from "otpauth";
import { startApp, type TestApp } from "../helpers/app";
import { TestClock } from "../helpers/clock";
import { Secrets, decodeJwt, expectError, login, registerUser } from "../helpers/kit";
import { SoftAuthenticator } from "../unit/mfa/soft-authenticator";

const AUTH = "/api/v1/auth";
const ADMIN_EMAIL = "policy-root@example.com";
const ADMIN_PASSWORD = "policy root passphrase";

describe("MFA_REQUIRED_ROLES", () => {
	let app: TestApp;
	const clock = new TestClock(Date.now());
	const secrets = new Secrets();
	const code = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 }).generate({ timestamp: clock.now() });

	beforeAll(async () => {
		app = await startApp({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD }, { MFA_REQUIRED_ROLES: "admin" }, { clock });
		secrets.add(ADMIN_PASSWORD);
	});
	afterAll(() => app.stop());

	it("reads the policy from the environment", () => {
		expect(app.config.mfaRequiredRoles).toEqual(["admin"]);
	});

	it("an unenrolled admin's token reaches only the enrolment routes; after enrolling and refreshing, everything", async () => {
		const tokens = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD, { secrets });
		expect(decodeJwt(tokens.accessToken).payload).toMatchObject({ amr: ["pwd"], scope: "mfa-enrolment" });
		const limited = tokens.accessToken;
		expectError(await app.request("GET", "/api/v1/users", { token: limited }), 403, "MFA_REQUIRED");
		expectError(await app.request("GET", `${AUTH}/sessions`, { token: limited }), 403, "MFA_REQUIRED");
		expectError(await app.request("PATCH", "/api/v1/users/me", { body: { displayName: "Root" }, token: limited }), 403, "MFA_REQUIRED");
		expect((await app.request("GET", "/api/v1/users/me", { token: limited })).status).toBe(200);
		expect((await app.request("GET", `${AUTH}/mfa`, { token: limited })).status).toBe(200);

		const setup = await app.request("POST", `${AUTH}/mfa/totp/setup`, { body: { password: ADMIN_PASSWORD }, token: limited });
		expect(setup.status).toBe(200);
		secrets.add(setup.body.secret);
		clock.advance(30_000);
		const confirmed = await app.request("POST", `${AUTH}/mfa/totp/confirm`, { body: { code: code(setup.body.secret) }, token: limited });
		expect(confirmed.status).toBe(200);
		secrets.add(...confirmed.body.recoveryCodes);
		// The token in hand stays limited; the session has now shown two factors, so a refresh lifts the limit.
		expectError(await app.request("GET", "/api/v1/users", { token: limited }), 403, "MFA_REQUIRED");
		const refreshed = await app.request("POST", `${AUTH}/refresh`, { body: { refreshToken: tokens.refreshToken } });
		secrets.addTokens(refreshed.body);
		const full = decodeJwt(refreshed.body.accessToken).payload;
		expect(full.amr).toEqual(["pwd", "otp", "mfa"]);
		expect(full).not.toHaveProperty("scope");
		expect((await app.request("GET", "/api/v1/users", { token: refreshed.body.accessToken })).status).toBe(200);

		// From now on the admin signs in with both factors and gets a full token at once.
		const step = await app.request("POST", `${AUTH}/login`, { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
		secrets.add(step.body.mfaToken);
		clock.advance(90_000);
		const done = await app.request("POST", `${AUTH}/login/mfa`, { body: { mfaToken: step.body.mfaToken, code: code(setup.body.secret) } });
		secrets.addTokens(done.body);
		expect(decodeJwt(done.body.accessToken).payload).not.toHaveProperty("scope");
		expect((await app.request("GET", "/api/v1/users", { token: done.body.accessToken })).status).toBe(200);
	});

	it("users without such a role are not limited", async () => {
		const u = await registerUser(app, { login: true, secrets });
		expect(decodeJwt(u.accessToken).payload).not.toHaveProperty("scope");
		expect((await app.request("GET", `${AUTH}/sessions`, { token: u.accessToken })).status).toBe(200);
	});

	it("never wrote a secret into the logs", () => {
		expect(secrets.leaks(app.logs)).toEqual([]);
	});
});

describe("MFA_REQUIRED_ROLES with a passkey", () => {
	const ORIGIN = "https://id.example.com";
	const EMAIL = "passkey-root@example.com";
	let app: TestApp;
	const secrets = new Secrets();

	beforeAll(async () => {
		app = await startApp({ adminEmail: EMAIL, adminPassword: ADMIN_PASSWORD }, { MFA_REQUIRED_ROLES: "admin", WEBAUTHN_ORIGINS: ORIGIN, WEBAUTHN_RP_ID: "example.com" });
		secrets.add(ADMIN_PASSWORD);
	});
	afterAll(async () => {
		expect(secrets.leaks(app.logs)).toEqual([]);
		await app.stop();
	});

	it("an unenrolled admin enrols a passkey with the limited token; a refresh lifts the limit, and later logins finish with the passkey", async () => {
		const tokens = await login(app, EMAIL, ADMIN_PASSWORD, { secrets });
		const limited = tokens.accessToken;
		expect(decodeJwt(limited).payload).toMatchObject({ amr: ["pwd"], scope: "mfa-enrolment" });
		const key = new SoftAuthenticator(ORIGIN, "example.com");
		const options = await app.request("POST", `${AUTH}/passkeys/register/options`, { token: limited });
		const enrolled = await app.request("POST", `${AUTH}/passkeys/register/verify`, { body: { name: "Key", response: key.register(options.body) }, token: limited });
		expect(enrolled.status).toBe(201);
		secrets.add(...enrolled.body.recoveryCodes);
		expectError(await app.request("GET", "/api/v1/users", { token: limited }), 403, "MFA_REQUIRED");
		const refreshed = await app.request("POST", `${AUTH}/refresh`, { body: { refreshToken: tokens.refreshToken } });
		secrets.addTokens(refreshed.body);
		expect(decodeJwt(refreshed.body.accessToken).payload.amr).toEqual(["pwd", "hwk", "mfa"]);
		expect((await app.request("GET", "/api/v1/users", { token: refreshed.body.accessToken })).status).toBe(200);

		const step = await app.request("POST", `${AUTH}/login`, { body: { email: EMAIL, password: ADMIN_PASSWORD } });
		expect(step.body).toEqual({ mfaRequired: true, mfaToken: expect.any(String), methods: ["recovery", "passkey"] });
		secrets.add(step.body.mfaToken);
		const begun = await app.request("POST", `${AUTH}/passkeys/login/options`, { body: { mfaToken: step.body.mfaToken } });
		const done = await app.request("POST", `${AUTH}/passkeys/login/verify`, { body: { challengeId: begun.body.challengeId, response: key.assert(begun.body.options), mfaToken: step.body.mfaToken } });
		secrets.addTokens(done.body);
		expect(decodeJwt(done.body.accessToken).payload).toMatchObject({ amr: ["pwd", "hwk", "mfa"] });
		expect(decodeJwt(done.body.accessToken).payload).not.toHaveProperty("scope");
	});
});
