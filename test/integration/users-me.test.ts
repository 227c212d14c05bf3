import { startApp, type TestApp } from "../helpers/app";
import type { CaughtMail } from "../helpers/mail-catcher";
import { expectError, expectUser, isIsoTime, omit, registerUser, sleep, uniqueEmail, type TestUser } from "../helpers/kit";

const ME = "/api/v1/users/me";

describe("/api/v1/users/me", () => {
	let app: TestApp;
	beforeAll(async () => {
		app = await startApp();
	});
	afterAll(() => app.stop());

	describe("GET /me", () => {
		let alice: TestUser;
		beforeAll(async () => {
			alice = await registerUser(app, { login: true, displayName: "Alice Liddell", locale: "en-GB" });
		});

		it("answers exactly the user shape of the signed-in user", async () => {
			const res = await app.request("GET", ME, { token: alice.accessToken });
			expect(res.status).toBe(200);
			expect(res.headers.get("content-type")).toMatch(/application\/json/);
			expectUser(res.body);
			expect(res.body.id).toBe(alice.user.id);
			expect(res.body.email).toBe(alice.email);
			expect(res.body.displayName).toBe("Alice Liddell");
			expect(res.body.locale).toBe("en-GB");
			expect(res.body.roles).toEqual(["user"]);
			expect(res.body.status).toBe("active");
			expect(res.body.emailVerified).toBe(true);
			expect(res.body.avatarUrl).toBeNull();
			expect(isIsoTime(res.body.lastLoginAt)).toBe(true);
			expect(Date.parse(res.body.lastLoginAt)).toBeGreaterThanOrEqual(Date.parse(res.body.createdAt));
			expect(Math.abs(Date.now() - Date.parse(res.body.createdAt))).toBeLessThan(60_000);
		});

		it("the login answer carries the same user shape", () => {
			expectUser(alice.user);
			expect(alice.user.roles).toEqual(["user"]);
		});

		it("is 401 without a token or with a bad one", async () => {
			const none = await app.request("GET", ME);
			expectError(none, 401, "UNAUTHORIZED");
			const garbage = await app.request("GET", ME, { token: "not.a.jwt" });
			expectError(garbage, 401, "INVALID_TOKEN");
			const tampered = alice.accessToken.slice(0, -4) + (alice.accessToken.endsWith("AAAA") ? "BBBB" : "AAAA");
			expectError(await app.request("GET", ME, { token: tampered }), 401, "INVALID_TOKEN");
			const basic = await app.request("GET", ME, { headers: { authorization: "Basic YTpi" } });
			expectError(basic, 401, "INVALID_TOKEN");
		});
	});

	describe("PATCH /me", () => {
		let bob: TestUser;
		beforeAll(async () => {
			bob = await registerUser(app, { login: true, displayName: "Bob" });
		});

		async function me(): Promise<any> {
			const res = await app.request("GET", ME, { token: bob.accessToken });
			expect(res.status).toBe(200);
			return res.body;
		}

		const allowed: Array<[string, unknown]> = [
			["displayName", "Robert Paulson"],
			["bio", "Writes integration tests.\nSecond line with ünïcödé."],
			["avatarUrl", "https://cdn.example.com/avatars/bob.png"],
			["locale", "fr-FR"],
			["timezone", "Europe/Paris"],
			["avatarUrl", null],
			["timezone", "America/Argentina/Buenos_Aires"]
		];

		it.each(allowed.map(([f, v]) => [f, JSON.stringify(v).slice(0, 40), v]))("changes %s (%s), bumps updatedAt and keeps the rest", async (field, _label, value) => {
			const before = await me();
			await sleep(5);
			const res = await app.request("PATCH", ME, { token: bob.accessToken, body: { [field]: value } });
			expect(res.status).toBe(200);
			expectUser(res.body);
			expect(res.body[field]).toEqual(value);
			expect(Date.parse(res.body.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));
			const after = await me();
			expect(after).toEqual(res.body);
			// Nothing else moved.
			expect(omit(after, field, "updatedAt")).toEqual(omit(before, field, "updatedAt"));
		});

		it("changes several fields at once", async () => {
			const body = { displayName: "Bob P.", bio: "", locale: "de", timezone: "Asia/Tokyo", avatarUrl: "http://example.org/b.jpg" };
			const res = await app.request("PATCH", ME, { token: bob.accessToken, body });
			expect(res.status).toBe(200);
			expect(res.body).toMatchObject(body);
			expect(await me()).toMatchObject(body);
		});

		const forbidden: Array<[string, unknown]> = [
			["email", "someone-else@example.com"],
			["roles", ["user", "admin"]],
			["roles", ["admin"]],
			["status", "disabled"],
			["emailVerified", false],
			["id", "00000000-0000-0000-0000-000000000000"],
			["_id", "00000000-0000-0000-0000-000000000000"],
			["password", "a brand new passphrase"],
			["passwordHash", "$2a$04$abcdefghijklmnopqrstuv"],
			["createdAt", "2000-01-01T00:00:00.000Z"],
			["updatedAt", "2000-01-01T00:00:00.000Z"],
			["lastLoginAt", null],
			["emailKey", "someone-else@example.com"],
			["constructor", { prototype: { roles: ["admin"] } }]
		];

		it.each(forbidden)("refuses %s with 422 VALIDATION_ERROR and changes nothing (mass assignment)", async (field, value) => {
			const before = await me();
			// Alone, and next to an allowed field: neither part may be applied.
			const alone = await app.request("PATCH", ME, { token: bob.accessToken, rawBody: `{${JSON.stringify(field)}:${JSON.stringify(value)}}` });
			expectError(alone, 422, "VALIDATION_ERROR");
			const mixed = await app.request("PATCH", ME, {
				token: bob.accessToken,
				rawBody: `{"displayName":"Mallory",${JSON.stringify(field)}:${JSON.stringify(value)}}`
			});
			expectError(mixed, 422, "VALIDATION_ERROR");
			expect(await me()).toEqual(before);
		});

		it("refuses other fields sent in the query string too", async () => {
			const before = await me();
			for (const query of ["email=evil%40example.com", "roles=admin", "status=disabled", "emailVerified=false"]) {
				const res = await app.request("PATCH", `${ME}?${query}`, { token: bob.accessToken, body: { displayName: "Query Mallory" } });
				expectError(res, 422, "VALIDATION_ERROR");
			}
			expect(await me()).toEqual(before);
		});

		it("a __proto__ key grants nothing", async () => {
			const before = await me();
			const res = await app.request("PATCH", ME, {
				token: bob.accessToken,
				rawBody: `{"__proto__":{"roles":["user","admin"],"status":"disabled","email":"evil@example.com","emailVerified":false}}`
			});
			// The `__proto__` key is dropped while parsing: an empty patch, answered with the unchanged user.
			expect(res.status).toBe(200);
			expect(omit(res.body, "updatedAt")).toEqual(omit(before, "updatedAt"));
			const after = await me();
			expect(after.roles).toEqual(["user"]);
			expect(after.email).toBe(before.email);
			expect(after.status).toBe("active");
			expect(after.emailVerified).toBe(true);
			expectError(await app.request("GET", "/api/v1/users", { token: bob.accessToken }), 403, "FORBIDDEN");
		});

		it("a refused privilege escalation leaves the user without admin rights", async () => {
			await app.request("PATCH", ME, { token: bob.accessToken, body: { roles: ["user", "admin"], status: "active" } });
			expect((await me()).roles).toEqual(["user"]);
			const list = await app.request("GET", "/api/v1/users", { token: bob.accessToken });
			expectError(list, 403, "FORBIDDEN");
		});

		const operators: Array<[string, string]> = [
			["displayName $gt", `{"displayName":{"$gt":""}}`],
			["bio $ne", `{"bio":{"$ne":null}}`],
			["timezone $regex", `{"timezone":{"$regex":".*"}}`],
			["locale array", `{"locale":["en","fr"]}`],
			["top-level $set", `{"$set":{"roles":["admin"]}}`],
			["top-level $unset", `{"$unset":{"email":1}}`],
			["dotted key", `{"roles.0":"admin"}`],
			["avatarUrl object", `{"avatarUrl":{"$where":"1"}}`]
		];

		it.each(operators)("refuses operator objects (%s) with 422 and changes nothing", async (_label, raw) => {
			const before = await me();
			const res = await app.request("PATCH", ME, { token: bob.accessToken, rawBody: raw });
			expectError(res, 422, "VALIDATION_ERROR");
			expect(await me()).toEqual(before);
		});

		const invalid: Array<[string, unknown]> = [
			["timezone", "Mars/Olympus_Mons"],
			["timezone", "not a zone"],
			["timezone", ""],
			["timezone", 5],
			["avatarUrl", "not a url"],
			["avatarUrl", "javascript:alert(1)"],
			["avatarUrl", "//example.com/a.png"],
			["avatarUrl", ""],
			["avatarUrl", 42],
			["locale", "not a locale!"],
			["locale", 7],
			["displayName", "x".repeat(101)],
			["displayName", 123],
			["displayName", null],
			["bio", "b".repeat(1001)],
			["bio", null],
			["locale", null],
			["timezone", null]
		];

		it.each(invalid.map(([f, v]) => [f, JSON.stringify(v).slice(0, 40), v]))("refuses %s = %s with 422 VALIDATION_ERROR", async (field, _label, value) => {
			const before = await me();
			const res = await app.request("PATCH", ME, { token: bob.accessToken, body: { [field]: value } });
			expectError(res, 422, "VALIDATION_ERROR");
			expect(await me()).toEqual(before);
		});

		it("refuses an avatarUrl longer than the maxLength the OpenAPI document declares", async () => {
			const doc = (await app.request("GET", "/api/openapi.json")).body;
			const max = doc.paths["/api/v1/users/me"].patch.requestBody.content["application/json"].schema.properties.avatarUrl.maxLength;
			expect(typeof max).toBe("number");
			const before = await me();
			const tooLong = `https://example.com/${"a".repeat(max)}`;
			const res = await app.request("PATCH", ME, { token: bob.accessToken, body: { avatarUrl: tooLong } });
			expectError(res, 422, "VALIDATION_ERROR");
			expect(await me()).toEqual(before);
		});

		it("names the offending field in the validation error", async () => {
			const res = await app.request("PATCH", ME, { token: bob.accessToken, body: { timezone: "Nowhere/Atlantis" } });
			expectError(res, 422, "VALIDATION_ERROR");
			expect(JSON.stringify(res.body.data ?? "")).toContain("timezone");
		});

		it("an empty patch changes nothing but the answer is still the user", async () => {
			const before = await me();
			const res = await app.request("PATCH", ME, { token: bob.accessToken, body: {} });
			// Every field of PATCH /users/me is optional: nothing to change is a 200 with the unchanged user.
			expect(res.status).toBe(200);
			expect(omit(res.body, "updatedAt")).toEqual(omit(before, "updatedAt"));
			const after = await me();
			expect(omit(after, "updatedAt")).toEqual(omit(before, "updatedAt"));
		});

		it("is 401 without a token", async () => {
			expectError(await app.request("PATCH", ME, { body: { displayName: "Nobody" } }), 401, "UNAUTHORIZED");
		});
	});

	describe("DELETE /me", () => {
		let carol: TestUser;
		let secondSession: { accessToken: string; refreshToken: string };
		beforeAll(async () => {
			carol = await registerUser(app, { login: true, email: uniqueEmail("Carol"), displayName: "Carol" });
			const again = await app.request("POST", "/api/v1/auth/login", { body: { email: carol.email, password: carol.password } });
			expect(again.status).toBe(200);
			secondSession = again.body;
		});

		it("is 401 INVALID_CREDENTIALS with a wrong password, and the account stays", async () => {
			const res = await app.request("DELETE", ME, { token: carol.accessToken, body: { password: "definitely the wrong one" } });
			expectError(res, 401, "INVALID_CREDENTIALS");
			const me = await app.request("GET", ME, { token: carol.accessToken });
			expect(me.status).toBe(200);
			expect(me.body.id).toBe(carol.user.id);
		});

		it("is 422 without a password, and 401 without a token", async () => {
			expectError(await app.request("DELETE", ME, { token: carol.accessToken, body: {} }), 422, "VALIDATION_ERROR");
			expectError(await app.request("DELETE", ME, { body: { password: carol.password } }), 401, "UNAUTHORIZED");
			expect((await app.request("GET", ME, { token: carol.accessToken })).status).toBe(200);
		});

		it("with the right password: 204, tokens dead at once, login fails, address free, e-mail sent", async () => {
			const res = await app.request("DELETE", ME, { token: carol.accessToken, body: { password: carol.password } });
			expect(res.status).toBe(204);
			expect(res.text).toBe("");

			// Both sessions end at once.
			expectError(await app.request("GET", ME, { token: carol.accessToken }), 401, "INVALID_TOKEN");
			expectError(await app.request("GET", ME, { token: secondSession.accessToken }), 401, "INVALID_TOKEN");
			expectError(await app.request("GET", "/api/v1/notifications", { token: carol.accessToken }), 401, "INVALID_TOKEN");
			const refresh = await app.request("POST", "/api/v1/auth/refresh", { body: { refreshToken: secondSession.refreshToken } });
			expectError(refresh, 401, "INVALID_TOKEN");
			expect(refresh.body.accessToken).toBeUndefined();

			// Login answers like an unknown address.
			const loginRes = await app.request("POST", "/api/v1/auth/login", { body: { email: carol.email, password: carol.password } });
			expectError(loginRes, 401, "INVALID_CREDENTIALS");

			// The "account deleted" e-mail.
			const mail = await app.mail.waitFor(m => m.to.toLowerCase() === carol.email.toLowerCase() && /delet/i.test(m.subject));
			expect(mail.subject).toMatch(/deleted/i);

			// The address is free again (in another letter case too), for a brand-new account.
			const reg = await app.request("POST", "/api/v1/auth/register", { body: { email: carol.email.toUpperCase(), password: "another sturdy passphrase" } });
			expect(reg.status).toBe(201);
			expectUser(reg.body);
			expect(reg.body.id).not.toBe(carol.user.id);
			expect(reg.body.emailVerified).toBe(false);
			expect(reg.body.displayName).not.toBe("Carol");
		});

		it("the old password does not open the re-registered account", async () => {
			// The new account gets its own verification e-mail (the second one to this address).
			const isVerify = (m: CaughtMail) => m.to.toLowerCase() === carol.email.toLowerCase() && /\/verify-email\?token=/.test(m.text);
			await app.mail.waitFor(() => app.mail.messages.filter(isVerify).length >= 2);
			const verifyToken = await app.mail.tokenFor(carol.email, "verify-email");
			const verified = await app.request("POST", "/api/v1/auth/verify-email", { body: { token: verifyToken } });
			expect(verified.status).toBe(200);
			expect(verified.body.id).not.toBe(carol.user.id);
			const old = await app.request("POST", "/api/v1/auth/login", { body: { email: carol.email, password: carol.password } });
			expectError(old, 401, "INVALID_CREDENTIALS");
			const fresh = await app.request("POST", "/api/v1/auth/login", { body: { email: carol.email, password: "another sturdy passphrase" } });
			expect(fresh.status).toBe(200);
			expect(fresh.body.user.id).not.toBe(carol.user.id);
		});
	});

	it("no password, password hash or token appears in any response or log line", async () => {
		const dave = await registerUser(app, { login: true, password: "unique-secret-phrase-4711" });
		const res = await app.request("GET", ME, { token: dave.accessToken });
		expect(res.text).not.toContain("unique-secret-phrase-4711");
		expect(res.text).not.toMatch(/\$2[aby]\$/);
		expect(res.text).not.toMatch(/password/i);
		const logs = app.logs.join("\n");
		expect(logs).not.toContain("unique-secret-phrase-4711");
		expect(logs).not.toContain("another sturdy passphrase");
		expect(logs).not.toContain(dave.accessToken);
		expect(logs).not.toContain(dave.refreshToken);
		expect(logs).not.toMatch(/\$2[aby]\$\d\d\$/);
	});
});
