/**
 * Changing the e-mail address: POST /api/v1/users/me/email asks (password required), a link goes to the new
 * address and a notice to the old one; POST /api/v1/auth/email/confirm with the link's token makes the change
 * and ends the user's other sessions.
 */
import { startApp, type TestApp } from "../helpers/app";
import { Secrets, expectError, expectUser, login, mailsTo, registerUser, sleep, uniqueEmail, type Account, type Tokens } from "../helpers/kit";

const AUTH = "/api/v1/auth";
const CHANGE = "/api/v1/users/me/email";
const CONFIRM = `${AUTH}/email/confirm`;
const APP_URL = "https://front.example.test/app";

function escapeRegExp(s: string): string {
	return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("e-mail address change", () => {
	let app: TestApp;
	const secrets = new Secrets();
	const linkPattern = new RegExp(`${escapeRegExp(APP_URL)}/confirm-email\\?token=([A-Za-z0-9_-]+)`);

	/** The token of the newest confirmation link sent to `to`. */
	async function confirmToken(to: string, timeoutMs = 8_000): Promise<string> {
		const isLink = (m: { to: string; text: string }) => m.to.toLowerCase() === to.toLowerCase() && linkPattern.test(m.text);
		await app.mail.waitFor(isLink, timeoutMs);
		const newest = [...app.mail.messages].reverse().find(isLink)!;
		const token = linkPattern.exec(newest.text)![1];
		secrets.add(token);
		return token;
	}

	const request = (token: string, body: unknown) => app.request("POST", CHANGE, { token, body });
	const confirm = (token: string) => app.request("POST", CONFIRM, { body: { token } });
	const me = (t: Tokens) => app.request("GET", "/api/v1/users/me", { token: t.accessToken });

	beforeAll(async () => {
		app = await startApp({}, { APP_URL });
	});
	afterAll(() => app?.stop());

	describe("the whole change", () => {
		let alice: Account;
		let phone: Tokens;
		let laptop: Tokens;
		let tablet: Tokens;
		let oldEmail: string;
		let newEmail: string;
		let token: string | undefined;
		/** The link's token from the first test: the later steps need it. */
		const linkToken = (): string => {
			if (!token) throw new Error("no confirmation link reached the new address (see the first test of this block)");
			return token;
		};

		beforeAll(async () => {
			alice = await registerUser(app, { secrets });
			oldEmail = alice.email;
			newEmail = uniqueEmail("alice-new");
			phone = await login(app, alice.email, alice.password, { secrets, headers: { "user-agent": "Phone/1.0" } });
			laptop = await login(app, alice.email, alice.password, { secrets, headers: { "user-agent": "Laptop/1.0" } });
		});

		it("asking answers 202 and sends a link to the new address and a notice naming it to the old one", async () => {
			const res = await request(phone.accessToken, { newEmail, password: alice.password });
			expect({ status: res.status, text: res.text }).toEqual({ status: 202, text: "" });
			token = await confirmToken(newEmail);
			expect(token!).toHaveLength(43); // 32 random bytes, base64url (lib/tokens/opaque.ts)

			const link = mailsTo(app, newEmail).find(m => linkPattern.test(m.text))!;
			expect(link.text).toContain(`${APP_URL}/confirm-email?token=${token}`);
			expect(link.text).not.toContain(alice.password);

			const notice = await app.mail.waitFor(m => m.to.toLowerCase() === oldEmail.toLowerCase() && m.text.includes(newEmail), 8_000);
			expect(notice.text).not.toContain(token!);
			expect(notice.text).not.toMatch(/confirm-email\?token=/);
			expect(notice.text).not.toContain(alice.password);
			// Only the new address gets the link.
			for (const m of mailsTo(app, oldEmail)) expect(m.text).not.toContain(token!);
		});

		it("until confirmed, nothing changes: same address, the old one signs in, the new one does not", async () => {
			const before = await me(phone);
			expect(before.status).toBe(200);
			expect(before.body.email).toBe(oldEmail);
			tablet = await login(app, oldEmail, alice.password, { secrets, headers: { "user-agent": "Tablet/1.0" } });
			expect(tablet.user.email).toBe(oldEmail);
			expectError(await app.request("POST", `${AUTH}/login`, { body: { email: newEmail, password: alice.password } }), 401, "INVALID_CREDENTIALS");
		});

		it("the link's token is refused by the other token routes (and stays usable)", async () => {
			const token = linkToken();
			expectError(await app.request("POST", `${AUTH}/verify-email`, { body: { token } }), 400, "INVALID_TOKEN");
			expectError(await app.request("POST", `${AUTH}/password/reset`, { body: { token, password: "brand new secret phrase 8" } }), 400, "INVALID_TOKEN");
			expect((await me(phone)).body.email).toBe(oldEmail);
		});

		it("confirming answers 200 with the user, now at the new address and verified", async () => {
			const res = await confirm(linkToken());
			expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: expect.any(String) });
			expectUser(res.body);
			expect(res.body.id).toBe(alice.user.id);
			expect(res.body.email).toBe(newEmail);
			expect(res.body.emailVerified).toBe(true);
			expect(res.text).not.toMatch(/password|token|emailKey|"_id"/i);
		});

		it("the session that asked keeps working; the user's other sessions are refused at once", async () => {
			linkToken();
			const mine = await me(phone);
			expect(mine.status).toBe(200);
			expect(mine.body.email).toBe(newEmail);
			for (const other of [laptop, tablet]) {
				expectError(await me(other), 401, "INVALID_TOKEN");
				expectError(await app.request("GET", `${AUTH}/sessions`, { token: other.accessToken }), 401, "INVALID_TOKEN");
				expectError(await app.request("POST", `${AUTH}/refresh`, { body: { refreshToken: other.refreshToken } }), 401, "INVALID_TOKEN");
			}
			const sessions = await app.request("GET", `${AUTH}/sessions`, { token: phone.accessToken });
			expect(sessions.status).toBe(200);
			expect(sessions.body).toHaveLength(1);
			expect(sessions.body[0].current).toBe(true);
			const refreshed = await app.request<Tokens>("POST", `${AUTH}/refresh`, { body: { refreshToken: phone.refreshToken } });
			expect(refreshed.status).toBe(200);
			secrets.addTokens(refreshed.body);
			phone = refreshed.body;
			expect(phone.user.email).toBe(newEmail);
		});

		it("the new address signs in, the old one no longer does", async () => {
			linkToken();
			const t = await login(app, newEmail.toUpperCase(), alice.password, { secrets });
			expect(t.user.id).toBe(alice.user.id);
			expect(t.user.email).toBe(newEmail);
			expectError(await app.request("POST", `${AUTH}/login`, { body: { email: oldEmail, password: alice.password } }), 401, "INVALID_CREDENTIALS");
		});

		it("the token works once", async () => {
			expectError(await confirm(linkToken()), 400, "INVALID_TOKEN");
			expect((await me(phone)).body.email).toBe(newEmail);
		});

		it("the old address is free again", async () => {
			linkToken();
			const res = await app.request("POST", `${AUTH}/register`, { body: { email: oldEmail, password: "someone else entirely 42" } });
			expect(res.status).toBe(201);
			expect(res.body.id).not.toBe(alice.user.id);
		});

		it("the user gets an in-app notice of the change", async () => {
			linkToken();
			const res = await app.request("GET", "/api/v1/notifications", { token: phone.accessToken });
			expect(res.status).toBe(200);
			const notice = res.body.rows.find((n: any) => n.type === "email-changed");
			expect(notice).toBeDefined();
			expect(notice.body).toContain(newEmail);
		});
	});

	describe("tokens of other kinds are refused", () => {
		it("a verify-email token and a reset token answer 400 INVALID_TOKEN, and still work for their own purpose", async () => {
			const bob = await registerUser(app, { secrets, verify: false });
			const verifyToken = await app.mail.tokenFor(bob.email, "verify-email");
			secrets.add(verifyToken);
			expectError(await confirm(verifyToken), 400, "INVALID_TOKEN");
			expect((await app.request("POST", `${AUTH}/verify-email`, { body: { token: verifyToken } })).status).toBe(200);

			expect((await app.request("POST", `${AUTH}/password/forgot`, { body: { email: bob.email } })).status).toBe(202);
			const resetToken = await app.mail.tokenFor(bob.email, "reset-password");
			secrets.add(resetToken);
			expectError(await confirm(resetToken), 400, "INVALID_TOKEN");
			const newPassword = "bob resets his phrase 19";
			expect((await app.request("POST", `${AUTH}/password/reset`, { body: { token: resetToken, password: newPassword } })).status).toBe(204);
			const t = await login(app, bob.email, newPassword, { secrets });
			expect(t.user.email).toBe(bob.email);
		});

		it.each([
			["an unknown token", { token: "x".repeat(43) }, 400],
			["an empty token", { token: "" }, 422],
			["no token", {}, 422],
			["an unknown field", { token: "x".repeat(43), email: "a@example.com" }, 422],
			["a token of the wrong type", { token: 12345 }, 422]
		])("confirming with %s is refused (%#)", async (_label, body, status) => {
			const res = await app.request("POST", CONFIRM, { body });
			expectError(res, status as number, status === 400 ? "INVALID_TOKEN" : "VALIDATION_ERROR");
		});
	});

	describe("refusals when asking", () => {
		let carol: Account;
		let carolTokens: Tokens;
		let dave: Account;

		beforeAll(async () => {
			carol = await registerUser(app, { secrets });
			carolTokens = await login(app, carol.email, carol.password, { secrets });
			dave = await registerUser(app, { secrets });
		});

		it("a wrong password is 401 INVALID_CREDENTIALS, and nothing is sent", async () => {
			const target = uniqueEmail("never");
			const res = await request(carolTokens.accessToken, { newEmail: target, password: "not carols password 1" });
			expectError(res, 401, "INVALID_CREDENTIALS");
			// The session is not ended by a wrong password.
			expect((await me(carolTokens)).status).toBe(200);
			await sleep(500);
			expect(mailsTo(app, target)).toHaveLength(0);
		});

		it("an address another account has, in any case, is 409 EMAIL_TAKEN", async () => {
			for (const taken of [dave.email, dave.email.toUpperCase(), `  ${dave.email}  `]) {
				expectError(await request(carolTokens.accessToken, { newEmail: taken, password: carol.password }), 409, "EMAIL_TAKEN");
			}
			expect((await me(carolTokens)).body.email).toBe(carol.email);
		});

		it("the account's own address, in any case, is 422", async () => {
			for (const same of [carol.email, carol.email.toUpperCase(), ` ${carol.email} `]) {
				expectError(await request(carolTokens.accessToken, { newEmail: same, password: carol.password }), 422, "VALIDATION_ERROR");
			}
		});

		it.each([
			["an unknown field", { newEmail: "x-unknown@example.com", password: "whatever it is 12", email: "y@example.com" }],
			["no password", { newEmail: "x-nopw@example.com" }],
			["no new address", { password: "whatever it is 12" }],
			["a malformed address", { newEmail: "not-an-address", password: "whatever it is 12" }],
			["an address of the wrong type", { newEmail: ["x@example.com"], password: "whatever it is 12" }]
		])("%s is 422", async (_label, body) => {
			expectError(await request(carolTokens.accessToken, body), 422, "VALIDATION_ERROR");
		});

		it("without a valid access token it is 401", async () => {
			const body = { newEmail: uniqueEmail("anon"), password: carol.password };
			expectError(await app.request("POST", CHANGE, { body }), 401, "UNAUTHORIZED");
			expectError(await app.request("POST", CHANGE, { body, token: "not.a.token" }), 401, "INVALID_TOKEN");
		});

		it("a second request replaces the first: the first link no longer works", async () => {
			const first = uniqueEmail("first");
			const second = uniqueEmail("second");
			expect((await request(carolTokens.accessToken, { newEmail: first, password: carol.password })).status).toBe(202);
			const firstToken = await confirmToken(first);
			expect((await request(carolTokens.accessToken, { newEmail: second, password: carol.password })).status).toBe(202);
			const secondToken = await confirmToken(second);
			expectError(await confirm(firstToken), 400, "INVALID_TOKEN");
			expect((await me(carolTokens)).body.email).toBe(carol.email);
			const res = await confirm(secondToken);
			expect(res.status).toBe(200);
			expect(res.body.email).toBe(second);
			carol.email = second;
		});

		it("an address taken between asking and confirming is 409 EMAIL_TAKEN at confirmation; nothing changes", async () => {
			const wanted = uniqueEmail("contested");
			expect((await request(carolTokens.accessToken, { newEmail: wanted, password: carol.password })).status).toBe(202);
			const wantedToken = await confirmToken(wanted);
			expect((await app.request("POST", `${AUTH}/register`, { body: { email: wanted, password: "quick registrant phrase 5" } })).status).toBe(201);
			expectError(await confirm(wantedToken), 409, "EMAIL_TAKEN");
			const after = await me(carolTokens);
			expect(after.status).toBe(200);
			expect(after.body.email).toBe(carol.email);
			expect((await login(app, carol.email, carol.password, { secrets })).user.id).toBe(carol.user.id);
		});
	});

	describe("OpenAPI", () => {
		it("documents both routes with their bodies", async () => {
			const res = await app.request("GET", "/api/openapi.json");
			expect(res.status).toBe(200);
			const ask = res.body.paths?.["/api/v1/users/me/email"]?.post;
			expect(ask).toBeDefined();
			const askBody = ask.requestBody.content["application/json"].schema;
			// `code`: the step-up while TOTP is on (CONTRACT §4), optional otherwise.
			expect(Object.keys(askBody.properties).sort()).toEqual(["code", "newEmail", "password"]);
			expect([...askBody.required].sort()).toEqual(["newEmail", "password"]);
			expect(ask.responses["202"]).toBeDefined();
			expect(ask.responses["401"]).toBeDefined();
			expect(ask.security).toEqual([{ bearerAuth: [] }]);

			const conf = res.body.paths?.["/api/v1/auth/email/confirm"]?.post;
			expect(conf).toBeDefined();
			const confBody = conf.requestBody.content["application/json"].schema;
			expect(Object.keys(confBody.properties)).toEqual(["token"]);
			expect(confBody.required).toEqual(["token"]);
			expect(conf.responses["200"].content["application/json"].schema.$ref).toMatch(/User$/);
			expect(conf.security).toBeUndefined();
		});
	});

	describe("logs", () => {
		it("no token or password of this suite appears in a log line", () => {
			expect(secrets.size).toBeGreaterThan(5);
			expect(secrets.leaks(app.logs)).toEqual([]);
		});
	});
});
