/**
 * /api/v1/auth/register, /verify-email and /verify-email/resend, as a client sees them (CONTRACT §2).
 */
import { startApp, type TestApp } from "../helpers/app";
import {
	Secrets,
	expectError,
	expectUser,
	login,
	mailsTo,
	registerUser,
	sleep,
	uniqueEmail,
	} from "../helpers/kit";

const APP_URL = "https://accounts.example.test";
const AUTH = "/api/v1/auth";

describe("auth: register, verify-email, resend", () => {
	let app: TestApp;
	const secrets = new Secrets();

	beforeAll(async () => {
		app = await startApp({ logLevel: "debug" }, { APP_URL });
	});
	afterAll(() => app.stop());

	describe("POST /register", () => {
		it("answers 201 with exactly the contract's user and sends the verification e-mail over SMTP", async () => {
			const email = uniqueEmail("Reg");
			const password = "a long and sturdy passphrase";
			secrets.add(password);
			const res = await app.request("POST", `${AUTH}/register`, { body: { email: `  ${email}  `, password, displayName: "Reggie", locale: "de-CH" } });
			expect(res.status).toBe(201);
			expectUser(res.body);
			expect(res.body.email.toLowerCase()).toBe(email.toLowerCase());
			expect(res.body.displayName).toBe("Reggie");
			expect(res.body.locale).toBe("de-CH");
			expect(res.body.roles).toEqual(["user"]);
			expect(res.body.status).toBe("active");
			expect(res.body.emailVerified).toBe(false);
			expect(res.body.lastLoginAt).toBeNull();
			// Nothing secret or internal anywhere in the response.
			expect(res.text).not.toContain(password);
			expect(res.text).not.toMatch(/password|hash|token|emailKey|"_id"/i);

			const mail = await app.mail.waitFor(m => m.to.toLowerCase() === email.toLowerCase());
			const match = /(\S+)\/verify-email\?token=([A-Za-z0-9_-]+)/.exec(mail.text);
			expect(match).not.toBeNull();
			expect(match![1]).toBe(APP_URL);
			secrets.add(match![2]);
			expect(match![2]).toHaveLength(43); // 32 random bytes, base64url (lib/tokens/opaque.ts)
			expect(mail.text).not.toContain(password);
		});

		it("refuses an address that exists, case-insensitively and with surrounding spaces (409 EMAIL_TAKEN)", async () => {
			const local = `dup-${Date.now()}`;
			const first = await app.request("POST", `${AUTH}/register`, { body: { email: `${local}@Example.com`, password: "first sturdy passphrase" } });
			expect(first.status).toBe(201);
			secrets.add("first sturdy passphrase", "second sturdy passphrase");
			for (const variant of [`${local}@Example.com`, `${local.toUpperCase()}@EXAMPLE.COM`, `  ${local}@example.com  `, `\t${local.toUpperCase()}@example.COM `]) {
				const again = await app.request("POST", `${AUTH}/register`, { body: { email: variant, password: "second sturdy passphrase" } });
				expectError(again, 409, "EMAIL_TAKEN");
			}
			// The first account keeps its password.
			const token = await app.mail.tokenFor(`${local}@example.com`, "verify-email");
			secrets.add(token);
			expect((await app.request("POST", `${AUTH}/verify-email`, { body: { token } })).status).toBe(200);
			const ok = await app.request("POST", `${AUTH}/login`, { body: { email: `${local}@example.com`, password: "first sturdy passphrase" } });
			expect(ok.status).toBe(200);
			secrets.addTokens(ok.body);
			const bad = await app.request("POST", `${AUTH}/login`, { body: { email: `${local}@example.com`, password: "second sturdy passphrase" } });
			expectError(bad, 401, "INVALID_CREDENTIALS");
		});

		it("creates one account when the same address is registered several times at once (the rest 409 EMAIL_TAKEN)", async () => {
			const local = `race-${Date.now()}`;
			const variants = [`${local}@example.com`, `${local.toUpperCase()}@example.com`, ` ${local}@EXAMPLE.com`, `${local}@Example.COM `];
			secrets.add("racing registration passphrase");
			const results = await Promise.all(variants.map(email => app.request("POST", `${AUTH}/register`, { body: { email, password: "racing registration passphrase" } })));
			expect(results.filter(r => r.status === 201)).toHaveLength(1);
			for (const r of results.filter(r => r.status !== 201)) expectError(r, 409, "EMAIL_TAKEN");
		});

		it("refuses a common password (422 WEAK_PASSWORD) and creates nothing", async () => {
			const email = uniqueEmail("weak");
			for (const password of ["qwertyuiop", "password123", "1q2w3e4r5t"]) {
				const res = await app.request("POST", `${AUTH}/register`, { body: { email, password } });
				expectError(res, 422, "WEAK_PASSWORD");
			}
			// The address is still free.
			const res = await app.request("POST", `${AUTH}/register`, { body: { email, password: "not common at all, surely" } });
			expect(res.status).toBe(201);
		});

		it("accepts 8 to 128 characters and refuses 7 and 129 (422)", async () => {
			const seven = "Xk9#mQ2";
			const res7 = await app.request("POST", `${AUTH}/register`, { body: { email: uniqueEmail("len"), password: seven } });
			expectError(res7, 422, "WEAK_PASSWORD");

			const long129 = "Zq7!".repeat(32) + "x";
			expect(long129).toHaveLength(129);
			const res129 = await app.request("POST", `${AUTH}/register`, { body: { email: uniqueEmail("len"), password: long129 } });
			expectError(res129, 422, "WEAK_PASSWORD");

			const eight = "Xk9#mQ2v";
			secrets.add(eight);
			const res8 = await app.request("POST", `${AUTH}/register`, { body: { email: uniqueEmail("len"), password: eight } });
			expect(res8.status).toBe(201);

			const long128 = "Zq7!".repeat(32);
			secrets.add(long128);
			const res128 = await app.request("POST", `${AUTH}/register`, { body: { email: uniqueEmail("len"), password: long128 } });
			expect(res128.status).toBe(201);

			// Characters, not bytes: 128 two-byte characters are fine (256 bytes).
			const wide128 = "é".repeat(64) + "ü".repeat(64);
			secrets.add(wide128);
			const wide = await app.request("POST", `${AUTH}/register`, { body: { email: uniqueEmail("len"), password: wide128 } });
			expect(wide.status).toBe(201);
		});

		it("refuses unknown fields (mass assignment: roles, emailVerified) with 422 VALIDATION_ERROR and creates nothing", async () => {
			const email = uniqueEmail("mass");
			const password = "mass assignment attempt";
			secrets.add(password);
			const attempts = [
				{ email, password, roles: ["admin"] },
				{ email, password, emailVerified: true },
				{ email, password, status: "active", roles: ["user", "admin"], emailVerified: true },
				{ email, password, id: "chosen-id" },
				{ email, password, passwordHash: "$2b$04$abcdefghijklmnopqrstuv" }
			];
			for (const body of attempts) {
				const res = await app.request("POST", `${AUTH}/register`, { body });
				expectError(res, 422, "VALIDATION_ERROR");
				expect(res.text).not.toContain(password);
			}
			// Nothing was created: the address is free, and an account made now is a plain, unverified user.
			const res = await app.request("POST", `${AUTH}/register`, { body: { email, password } });
			expect(res.status).toBe(201);
			expect(res.body.roles).toEqual(["user"]);
			expect(res.body.emailVerified).toBe(false);
			// And it cannot log in before verifying: no emailVerified:true slipped through.
			const li = await app.request("POST", `${AUTH}/login`, { body: { email, password } });
			expectError(li, 403, "EMAIL_NOT_VERIFIED");
		});

		it("refuses operator objects and other non-strings (422)", async () => {
			const bodies = [
				{ email: { $gt: "" }, password: "operator injection" },
				{ email: { $ne: null }, password: "operator injection" },
				{ email: uniqueEmail("op"), password: { $gt: "" } },
				{ email: [uniqueEmail("op")], password: "operator injection" },
				{ email: 12345, password: "operator injection" },
				{ email: uniqueEmail("op"), password: 1234567890 }
			];
			for (const body of bodies) {
				const res = await app.request("POST", `${AUTH}/register`, { body });
				expectError(res, 422, "VALIDATION_ERROR");
			}
		});

		it("refuses a display name over 100 characters and a malformed locale (422 VALIDATION_ERROR)", async () => {
			for (const extra of [{ displayName: "d".repeat(101) }, { locale: "not a locale!" }, { displayName: 7 }]) {
				const res = await app.request("POST", `${AUTH}/register`, { body: { email: uniqueEmail("field"), password: "fields are checked too", ...extra } });
				expectError(res, 422, "VALIDATION_ERROR");
			}
		});

		it("refuses missing fields and addresses that are not addresses (422 VALIDATION_ERROR)", async () => {
			for (const body of [{}, { email: uniqueEmail("miss") }, { password: "only a password here" }, { email: "not-an-address", password: "valid passphrase" }, { email: "", password: "valid passphrase" }]) {
				const res = await app.request("POST", `${AUTH}/register`, { body });
				expectError(res, 422, "VALIDATION_ERROR");
				// Validation details never echo the values that were sent.
				expect(res.text).not.toContain("only a password here");
				expect(res.text).not.toContain("valid passphrase");
			}
		});

		it("answers malformed JSON with 400", async () => {
			for (const rawBody of ['{"email": "a@example.com", "password": ', "{email: 'x'}", "not json at all", '{"a":1}}']) {
				const res = await app.request("POST", `${AUTH}/register`, { rawBody });
				expectError(res, 400, "BAD_REQUEST");
			}
		});

		it("answers a body over 100 KB with 413 PAYLOAD_TOO_LARGE", async () => {
			const body = { email: uniqueEmail("big"), password: "big body passphrase", displayName: "x".repeat(110 * 1024) };
			const res = await app.request("POST", `${AUTH}/register`, { body });
			expectError(res, 413, "PAYLOAD_TOO_LARGE");
			// A body under the limit is judged on its fields (displayName too long), not refused as too large.
			const smaller = await app.request("POST", `${AUTH}/register`, { body: { ...body, displayName: "x".repeat(50 * 1024) } });
			expect(smaller.status).toBe(422);
		});

		it("makes every character count: passwords equal in their first 72 bytes are different passwords", async () => {
			const prefix = "p".repeat(36) + "Q".repeat(36);
			const real = prefix + "real-tail-0123456789abcdef!";
			const other = prefix + "fake-tail-9876543210fedcba?";
			expect(real.length).toBeGreaterThan(72);
			expect(Buffer.byteLength(prefix)).toBe(72);
			const padded = (prefix + "a".repeat(100)).slice(0, 100);
			const paddedOther = (prefix + "b".repeat(100)).slice(0, 100);
			expect(padded).toHaveLength(100);
			secrets.add(real, other, padded, paddedOther);

			const a = await registerUser(app, { secrets, password: real });
			expect((await app.request("POST", `${AUTH}/login`, { body: { email: a.email, password: other } })).status).toBe(401);
			expect((await app.request("POST", `${AUTH}/login`, { body: { email: a.email, password: prefix } })).status).toBe(401);
			await login(app, a.email, real, { secrets });

			const b = await registerUser(app, { secrets, password: padded });
			const wrong = await app.request("POST", `${AUTH}/login`, { body: { email: b.email, password: paddedOther } });
			expectError(wrong, 401, "INVALID_CREDENTIALS");
			await login(app, b.email, padded, { secrets });
		});
	});

	describe("POST /verify-email", () => {
		it("verifies with the e-mailed token (200 user), once: a second use is 400 INVALID_TOKEN", async () => {
			const acc = await registerUser(app, { secrets, verify: false });
			const token = await app.mail.tokenFor(acc.email, "verify-email");
			secrets.add(token);
			const ok = await app.request("POST", `${AUTH}/verify-email`, { body: { token } });
			expect(ok.status).toBe(200);
			expectUser(ok.body);
			expect(ok.body.id).toBe(acc.user.id);
			expect(ok.body.emailVerified).toBe(true);
			expect(ok.text).not.toContain(token);

			const again = await app.request("POST", `${AUTH}/verify-email`, { body: { token } });
			expectError(again, 400, "INVALID_TOKEN");
			expect(again.text).not.toContain(token);

			// Verified: login works now.
			await login(app, acc.email, acc.password, { secrets });
		});

		it("is single-use even when the same token is presented twice at once", async () => {
			const acc = await registerUser(app, { secrets, verify: false });
			const token = await app.mail.tokenFor(acc.email, "verify-email");
			secrets.add(token);
			const results = await Promise.all([1, 2, 3].map(() => app.request("POST", `${AUTH}/verify-email`, { body: { token } })));
			expect(results.filter(r => r.status === 200)).toHaveLength(1);
			for (const r of results.filter(r => r.status !== 200)) expectError(r, 400, "INVALID_TOKEN");
		});

		it("refuses garbage tokens with 400 INVALID_TOKEN", async () => {
			for (const token of ["garbage", "A".repeat(43), "x".repeat(200), "../../etc/passwd", "null"]) {
				const res = await app.request("POST", `${AUTH}/verify-email`, { body: { token } });
				expectError(res, 400, "INVALID_TOKEN");
			}
		});

		it("refuses a missing or non-string token with 422 and unknown fields with 422", async () => {
			for (const body of [{}, { token: { $ne: "" } }, { token: 42 }, { token: "abc", email: "x@example.com" }]) {
				const res = await app.request("POST", `${AUTH}/verify-email`, { body });
				expectError(res, 422, "VALIDATION_ERROR");
			}
		});

		it("is kind-specific: a reset token is not a verification token, nor the other way round", async () => {
			const acc = await registerUser(app, { secrets, verify: false });
			const verifyToken = await app.mail.tokenFor(acc.email, "verify-email");
			expect((await app.request("POST", `${AUTH}/password/forgot`, { body: { email: acc.email } })).status).toBe(202);
			const resetToken = await app.mail.tokenFor(acc.email, "reset-password");
			secrets.add(verifyToken, resetToken);
			expect(resetToken).not.toBe(verifyToken);

			const wrongKind1 = await app.request("POST", `${AUTH}/verify-email`, { body: { token: resetToken } });
			expectError(wrongKind1, 400, "INVALID_TOKEN");
			const me1 = await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: acc.password } });
			expectError(me1, 403, "EMAIL_NOT_VERIFIED");

			const newPassword = "kind specific new passphrase";
			secrets.add(newPassword);
			const wrongKind2 = await app.request("POST", `${AUTH}/password/reset`, { body: { token: verifyToken, password: newPassword } });
			expectError(wrongKind2, 400, "INVALID_TOKEN");
			// The password did not change.
			expectError(await app.request("POST", `${AUTH}/login`, { body: { email: acc.email, password: newPassword } }), 401, "INVALID_CREDENTIALS");

			// Each still does its own job.
			expect((await app.request("POST", `${AUTH}/verify-email`, { body: { token: verifyToken } })).status).toBe(200);
			expect((await app.request("POST", `${AUTH}/password/reset`, { body: { token: resetToken, password: newPassword } })).status).toBe(204);
			await login(app, acc.email, newPassword, { secrets });
		});

		it("refuses a verification token after 24 hours (400 INVALID_TOKEN) and accepts it before", async () => {
			const acc = await registerUser(app, { secrets, verify: false });
			const token = await app.mail.tokenFor(acc.email, "verify-email");
			secrets.add(token);
			const late = await app.clock.ahead(24 * 3600_000 + 60_000, () => app.request("POST", `${AUTH}/verify-email`, { body: { token } }));
			expectError(late, 400, "INVALID_TOKEN");

			const other = await registerUser(app, { secrets, verify: false });
			const otherToken = await app.mail.tokenFor(other.email, "verify-email");
			secrets.add(otherToken);
			const inTime = await app.clock.ahead(23 * 3600_000, () => app.request("POST", `${AUTH}/verify-email`, { body: { token: otherToken } }));
			expect(inTime.status).toBe(200);
		});
	});

	describe("POST /verify-email/resend", () => {
		it("answers 202 alike for an unknown, an unverified and a verified address", async () => {
			const unverified = await registerUser(app, { secrets, verify: false });
			const verified = await registerUser(app, { secrets });
			const unknown = uniqueEmail("nobody");
			const answers = [];
			for (const email of [unknown, unverified.email, verified.email]) {
				const res = await app.request("POST", `${AUTH}/verify-email/resend`, { body: { email } });
				expect(res.status).toBe(202);
				answers.push(res.text);
			}
			expect(new Set(answers).size).toBe(1);
			await sleep(500);
			expect(mailsTo(app, unknown)).toHaveLength(0);
			// A verified account gets no new verification link.
			expect(mailsTo(app, verified.email).filter(m => m.text.includes("/verify-email?token="))).toHaveLength(1);
		});

		it("sends a new, working link to an unverified account", async () => {
			const acc = await registerUser(app, { secrets, verify: false });
			const first = await app.mail.tokenFor(acc.email, "verify-email");
			secrets.add(first);
			// Move past any anti-flood interval (a minute or so) instead of waiting for it.
			const second = await app.clock.ahead(5 * 60_000, async () => {
				const res = await app.request("POST", `${AUTH}/verify-email/resend`, { body: { email: `  ${acc.email.toUpperCase()} ` } });
				expect(res.status).toBe(202);
				await app.mail.waitFor(m => m.to.toLowerCase() === acc.email.toLowerCase() && m.text.includes("/verify-email?token=") && !m.text.includes(first));
				return app.mail.tokenFor(acc.email, "verify-email");
			});
			secrets.add(second);
			expect(second).not.toBe(first);
			const mail = mailsTo(app, acc.email).find(m => m.text.includes(second))!;
			expect(mail.text).toContain(`${APP_URL}/verify-email?token=${second}`);
			const ok = await app.request("POST", `${AUTH}/verify-email`, { body: { token: second } });
			expect(ok.status).toBe(200);
			expect(ok.body.emailVerified).toBe(true);
		});

		it("refuses a body that is not {email} with 422", async () => {
			for (const body of [{}, { email: { $gt: "" } }, { email: uniqueEmail("x"), extra: 1 }]) {
				expectError(await app.request("POST", `${AUTH}/verify-email/resend`, { body }), 422, "VALIDATION_ERROR");
			}
		});
	});

	it("never wrote a password or token used above into the logs", () => {
		expect(secrets.size).toBeGreaterThan(10);
		expect(app.logs.length).toBeGreaterThan(0);
		expect(secrets.leaks(app.logs)).toEqual([]);
		// No bcrypt hash either.
		expect(app.logs.filter(line => /\$2[aby]\$\d\d\$/.test(line))).toEqual([]);
	});
});
