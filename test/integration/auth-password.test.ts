/**
 * /api/v1/auth/password/forgot, /password/reset and /password/change (CONTRACT §2).
 */
import { startApp, type TestApp } from "../helpers/app";
import {
	Secrets,
	expectError,
	login,
	mailsTo,
	registerUser,
	sleep,
	uniqueEmail,
	type Tokens
} from "../helpers/kit";

const AUTH = "/api/v1/auth";
const APP_URL = "https://pw.example.test";
const CHANGED = /password (was|has been) (just )?(changed|reset)/i;

describe("auth: forgot, reset and change password", () => {
	let app: TestApp;
	const secrets = new Secrets();

	beforeAll(async () => {
		app = await startApp({ logLevel: "debug" }, { APP_URL });
	});
	afterAll(() => app.stop());

	const alive = async (t: Tokens) => (await app.request("GET", "/api/v1/users/me", { token: t.accessToken })).status;
	const tryLogin = (email: string, password: string) => app.request("POST", `${AUTH}/login`, { body: { email, password } });
	const notices = async (t: Tokens) => (await app.request("GET", "/api/v1/notifications", { token: t.accessToken })).body;

	describe("POST /password/forgot", () => {
		it("answers 202 alike for a known and an unknown address and e-mails a reset link only to the known one", async () => {
			const acc = await registerUser(app, { secrets });
			const unknown = uniqueEmail("nobody");
			const a = await app.request("POST", `${AUTH}/password/forgot`, { body: { email: unknown } });
			const b = await app.request("POST", `${AUTH}/password/forgot`, { body: { email: ` ${acc.email.toUpperCase()} ` } });
			expect(a.status).toBe(202);
			expect(b.status).toBe(202);
			expect(b.text).toBe(a.text);

			const mail = await app.mail.waitFor(m => m.to.toLowerCase() === acc.email.toLowerCase() && m.text.includes("/reset-password?token="));
			const match = /(\S+)\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(mail.text)!;
			expect(match[1]).toBe(APP_URL);
			secrets.add(match[2]);
			expect(match[2]).toHaveLength(43); // 32 random bytes, base64url (lib/tokens/opaque.ts)
			expect(mail.text).not.toContain(acc.password);
			await sleep(300);
			expect(mailsTo(app, unknown)).toHaveLength(0);
		});

		it("refuses a body that is not {email} with 422 and malformed JSON with 400", async () => {
			for (const body of [{}, { email: { $gt: "" } }, { email: "not an address" }, { email: uniqueEmail("x"), extra: 1 }]) {
				expectError(await app.request("POST", `${AUTH}/password/forgot`, { body }), 422, "VALIDATION_ERROR");
			}
			expectError(await app.request("POST", `${AUTH}/password/forgot`, { rawBody: '{"email":' }), 400, "BAD_REQUEST");
		});
	});

	describe("POST /password/reset", () => {
		it("sets the new password (204): the old one fails, every session ends at once, the token works once", async () => {
			const acc = await registerUser(app, { secrets, displayName: "Resetta" });
			const s1 = await login(app, acc.email, acc.password, { secrets });
			const s2 = await login(app, acc.email, acc.password, { secrets });
			expect(await alive(s1)).toBe(200);

			expect((await app.request("POST", `${AUTH}/password/forgot`, { body: { email: acc.email } })).status).toBe(202);
			const token = await app.mail.tokenFor(acc.email, "reset-password");
			secrets.add(token);

			// A weak new password is refused first, and does not spend the link.
			for (const weak of ["qwertyuiop", "short1!"]) {
				const res = await app.request("POST", `${AUTH}/password/reset`, { body: { token, password: weak } });
				expectError(res, 422, "WEAK_PASSWORD");
			}

			const newPassword = "a brand new reset passphrase";
			secrets.add(newPassword);
			const res = await app.request("POST", `${AUTH}/password/reset`, { body: { token, password: newPassword } });
			expect(res.status).toBe(204);
			expect(res.text).toBe("");

			// Every session is over, at once.
			for (const s of [s1, s2]) {
				expectError(await app.request("GET", "/api/v1/users/me", { token: s.accessToken }), 401, "INVALID_TOKEN");
				expectError(await app.request("POST", `${AUTH}/refresh`, { body: { refreshToken: s.refreshToken } }), 401, "INVALID_TOKEN");
			}
			expectError(await tryLogin(acc.email, acc.password), 401, "INVALID_CREDENTIALS");
			const fresh = await login(app, acc.email, newPassword, { secrets });

			// The link works once.
			const again = await app.request("POST", `${AUTH}/password/reset`, { body: { token, password: "yet another new passphrase" } });
			expectError(again, 400, "INVALID_TOKEN");
			expectError(await tryLogin(acc.email, "yet another new passphrase"), 401, "INVALID_CREDENTIALS");

			// A security notice, by e-mail and in the app.
			const mail = await app.mail.waitFor(m => m.to.toLowerCase() === acc.email.toLowerCase() && CHANGED.test(`${m.subject} ${m.text}`));
			expect(mail.text).not.toContain(newPassword);
			const list = await notices(fresh);
			expect(list.rows.some((n: any) => CHANGED.test(`${n.type.replace(/-/g, " ")} ${n.title} ${n.body}`))).toBe(true);
		});

		it("spends the link once even when it is presented twice at once", async () => {
			const acc = await registerUser(app, { secrets });
			expect((await app.request("POST", `${AUTH}/password/forgot`, { body: { email: acc.email } })).status).toBe(202);
			const token = await app.mail.tokenFor(acc.email, "reset-password");
			const choices = ["first racing passphrase", "second racing passphrase"];
			secrets.add(token, ...choices);
			const results = await Promise.all(choices.map(password => app.request("POST", `${AUTH}/password/reset`, { body: { token, password } })));
			expect(results.filter(r => r.status === 204)).toHaveLength(1);
			for (const r of results.filter(r => r.status !== 204)) expectError(r, 400, "INVALID_TOKEN");
			const winner = choices[results.findIndex(r => r.status === 204)];
			const loser = choices.find(c => c !== winner)!;
			await login(app, acc.email, winner, { secrets });
			expectError(await tryLogin(acc.email, loser), 401, "INVALID_CREDENTIALS");
		});

		it("refuses garbage and missing tokens, and bad bodies", async () => {
			for (const token of ["garbage", "B".repeat(43)]) {
				expectError(await app.request("POST", `${AUTH}/password/reset`, { body: { token, password: "a fine new passphrase" } }), 400, "INVALID_TOKEN");
			}
			for (const body of [{}, { token: "abc" }, { password: "a fine new passphrase" }, { token: { $ne: "" }, password: "a fine new passphrase" }, { token: "abc", password: "a fine new passphrase", email: "x@example.com" }]) {
				expectError(await app.request("POST", `${AUTH}/password/reset`, { body }), 422, "VALIDATION_ERROR");
			}
		});

		it("refuses a reset link older than 30 minutes (400 INVALID_TOKEN)", async () => {
			const acc = await registerUser(app, { secrets });
			expect((await app.request("POST", `${AUTH}/password/forgot`, { body: { email: acc.email } })).status).toBe(202);
			const token = await app.mail.tokenFor(acc.email, "reset-password");
			secrets.add(token);
			const late = await app.clock.ahead(31 * 60_000, () => app.request("POST", `${AUTH}/password/reset`, { body: { token, password: "too late for this one" } }));
			expectError(late, 400, "INVALID_TOKEN");
			await login(app, acc.email, acc.password, { secrets });
		});

		it("accepts a reset link within 30 minutes", async () => {
			const acc = await registerUser(app, { secrets });
			expect((await app.request("POST", `${AUTH}/password/forgot`, { body: { email: acc.email } })).status).toBe(202);
			const token = await app.mail.tokenFor(acc.email, "reset-password");
			const newPassword = "just in time passphrase";
			secrets.add(token, newPassword);
			const inTime = await app.clock.ahead(29 * 60_000, () => app.request("POST", `${AUTH}/password/reset`, { body: { token, password: newPassword } }));
			expect(inTime.status).toBe(204);
			await login(app, acc.email, newPassword, { secrets });
		});

		it("lets a locked-out user back in with the new password", async () => {
			const acc = await registerUser(app, { secrets });
			for (let i = 0; i < app.config.loginMaxFailures; i++) await tryLogin(acc.email, `wrong ${i}`);
			expectError(await tryLogin(acc.email, acc.password), 429, "TOO_MANY_ATTEMPTS");
			expect((await app.request("POST", `${AUTH}/password/forgot`, { body: { email: acc.email } })).status).toBe(202);
			const token = await app.mail.tokenFor(acc.email, "reset-password");
			const newPassword = "unlocked by a reset link";
			secrets.add(token, newPassword);
			expect((await app.request("POST", `${AUTH}/password/reset`, { body: { token, password: newPassword } })).status).toBe(204);
			await login(app, acc.email, newPassword, { secrets });
		});
	});

	describe("POST /password/change", () => {
		it("answers a wrong current password with 401 INVALID_CREDENTIALS and changes nothing", async () => {
			const acc = await registerUser(app, { secrets });
			const t = await login(app, acc.email, acc.password, { secrets });
			const res = await app.request("POST", `${AUTH}/password/change`, { token: t.accessToken, body: { currentPassword: "not my password", newPassword: "a new strong passphrase" } });
			expectError(res, 401, "INVALID_CREDENTIALS");
			expect(await alive(t)).toBe(200);
			await login(app, acc.email, acc.password, { secrets });
			expectError(await tryLogin(acc.email, "a new strong passphrase"), 401, "INVALID_CREDENTIALS");
		});

		it("refuses a weak new password with 422 WEAK_PASSWORD and bad bodies with 422", async () => {
			const acc = await registerUser(app, { secrets });
			const t = await login(app, acc.email, acc.password, { secrets });
			for (const newPassword of ["qwertyuiop", "short", "x".repeat(129)]) {
				const res = await app.request("POST", `${AUTH}/password/change`, { token: t.accessToken, body: { currentPassword: acc.password, newPassword } });
				expectError(res, 422, "WEAK_PASSWORD");
			}
			for (const body of [{}, { currentPassword: acc.password }, { newPassword: "a new strong passphrase" }, { currentPassword: { $ne: "" }, newPassword: "a new strong passphrase" }, { currentPassword: acc.password, newPassword: "a new strong passphrase", userId: acc.user.id }]) {
				const res = await app.request("POST", `${AUTH}/password/change`, { token: t.accessToken, body });
				expectError(res, 422, "VALIDATION_ERROR");
				expect(res.text).not.toContain(acc.password);
			}
			// Still the old password.
			await login(app, acc.email, acc.password, { secrets });
		});

		it("changes the password (204): other sessions end, this one goes on, and a notice arrives by e-mail and in the app", async () => {
			const acc = await registerUser(app, { secrets, displayName: "Changer" });
			const other = await login(app, acc.email, acc.password, { secrets });
			const mine = await login(app, acc.email, acc.password, { secrets });
			const newPassword = "my changed sturdy passphrase";
			secrets.add(newPassword);

			const res = await app.request("POST", `${AUTH}/password/change`, { token: mine.accessToken, body: { currentPassword: acc.password, newPassword } });
			expect(res.status).toBe(204);
			expect(res.text).toBe("");

			// This session goes on, access and refresh.
			expect(await alive(mine)).toBe(200);
			const rotated = await app.request("POST", `${AUTH}/refresh`, { body: { refreshToken: mine.refreshToken } });
			expect(rotated.status).toBe(200);
			secrets.addTokens(rotated.body);
			expect(await alive(rotated.body)).toBe(200);
			// The other one is over, at once.
			expectError(await app.request("GET", "/api/v1/users/me", { token: other.accessToken }), 401, "INVALID_TOKEN");
			expectError(await app.request("POST", `${AUTH}/refresh`, { body: { refreshToken: other.refreshToken } }), 401, "INVALID_TOKEN");
			const sessions = await app.request("GET", `${AUTH}/sessions`, { token: rotated.body.accessToken });
			expect(sessions.body).toHaveLength(1);
			expect(sessions.body[0].current).toBe(true);

			expectError(await tryLogin(acc.email, acc.password), 401, "INVALID_CREDENTIALS");
			await login(app, acc.email, newPassword, { secrets });

			const mail = await app.mail.waitFor(m => m.to.toLowerCase() === acc.email.toLowerCase() && CHANGED.test(`${m.subject} ${m.text}`));
			expect(mail.text).not.toContain(newPassword);
			expect(mail.text).not.toContain(acc.password);
			const list = await notices(rotated.body);
			// A fresh account: the password-changed notice is its only one.
			expect(list.total).toBe(1);
			expect(list.unread).toBe(1);
			expect(list.rows.some((n: any) => CHANGED.test(`${n.type.replace(/-/g, " ")} ${n.title} ${n.body}`))).toBe(true);
		});

		it("answers 401 UNAUTHORIZED without a token", async () => {
			expectError(await app.request("POST", `${AUTH}/password/change`, { body: { currentPassword: "whatever it is", newPassword: "a new strong passphrase" } }), 401, "UNAUTHORIZED");
		});
	});

	it("never wrote a password or token used above into the logs", () => {
		expect(secrets.size).toBeGreaterThan(20);
		expect(secrets.leaks(app.logs)).toEqual([]);
		expect(app.logs.filter(line => /\$2[aby]\$\d\d\$/.test(line))).toEqual([]);
	});
});
