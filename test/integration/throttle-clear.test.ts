/**
 * POST /api/v1/auth/throttles/clear (admin): lifts the login lock of an address and/or the per-IP request
 * limit of a client, and records it in the audit trail.
 */
import { startApp, type TestApp } from "../helpers/app";
import { Secrets, awayFromMinuteBoundary, expectError, expectRetryAfter, login, registerUser, uniqueEmail, type Account, type Tokens } from "../helpers/kit";

const AUTH = "/api/v1/auth";
const CLEAR = `${AUTH}/throttles/clear`;
const ADMIN_EMAIL = "throttle-root@example.com";
const ADMIN_PASSWORD = "root operator passphrase 9";

async function auditOf(app: TestApp, admin: Tokens): Promise<any[]> {
	const res = await app.request("GET", "/api/v1/audit?type=throttle.clear&pageSize=100", { token: admin.accessToken });
	expect(res.status).toBe(200);
	return res.body.rows;
}

describe("clearing a per-address login lock", () => {
	let app: TestApp;
	let admin: Tokens;
	let user: Account;
	let userTokens: Tokens;
	const secrets = new Secrets();
	const MAX = 3;

	const attempt = (email: string, password: string) => app.request("POST", `${AUTH}/login`, { body: { email, password } });
	const lock = async (email: string) => {
		for (let i = 0; i < MAX; i++) expectError(await attempt(email, `wrong guess ${i} of many`), 401, "INVALID_CREDENTIALS");
	};
	const clear = (body: unknown, token = admin.accessToken) => app.request("POST", CLEAR, { token, body });

	beforeAll(async () => {
		app = await startApp({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD, loginMaxFailures: MAX });
		admin = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD, { secrets });
		user = await registerUser(app, { secrets });
		userTokens = await login(app, user.email, user.password, { secrets });
	});
	afterAll(() => app?.stop());

	it("after LOGIN_MAX_FAILURES failures the right password is 429; after clearing it is 200", async () => {
		await lock(user.email);
		const locked = await attempt(user.email, user.password);
		expectError(locked, 429, "TOO_MANY_ATTEMPTS");
		expectRetryAfter(locked);

		const res = await clear({ email: user.email });
		expect({ status: res.status, text: res.text }).toEqual({ status: 204, text: "" });

		const ok = await attempt(user.email, user.password);
		expect(ok.status).toBe(200);
		secrets.addTokens(ok.body);
	});

	it("the address is matched as every address is: trimmed, any case", async () => {
		await lock(user.email);
		expectError(await attempt(user.email, user.password), 429, "TOO_MANY_ATTEMPTS");
		expect((await clear({ email: `  ${user.email.toUpperCase()} ` })).status).toBe(204);
		expect((await attempt(user.email, user.password)).status).toBe(200);
	});

	it("clearing starts the count afresh: one more failure does not lock again", async () => {
		await lock(user.email);
		expect((await clear({ email: user.email })).status).toBe(204);
		expectError(await attempt(user.email, "one more wrong guess"), 401, "INVALID_CREDENTIALS");
		expect((await attempt(user.email, user.password)).status).toBe(200);
	});

	it("lifts only the address named", async () => {
		const other = await registerUser(app, { secrets });
		await lock(user.email);
		await lock(other.email);
		expect((await clear({ email: other.email })).status).toBe(204);
		expect((await attempt(other.email, other.password)).status).toBe(200);
		expectError(await attempt(user.email, user.password), 429, "TOO_MANY_ATTEMPTS");
		expect((await clear({ email: user.email })).status).toBe(204);
		expect((await attempt(user.email, user.password)).status).toBe(200);
	});

	it("an address with no lock, or no account, is fine too (204)", async () => {
		expect((await clear({ email: uniqueEmail("nobody") })).status).toBe(204);
		expect((await clear({ email: user.email })).status).toBe(204);
	});

	it.each([
		["neither field", {}],
		["empty fields", { email: "", ip: "" }],
		["an unknown field", { email: "a@example.com", user: "x" }],
		["a non-string email", { email: 42 }],
		["a non-string ip", { ip: ["127.0.0.1"] }]
	])("%s is 422 VALIDATION_ERROR", async (_label, body) => {
		expectError(await clear(body), 422, "VALIDATION_ERROR");
	});

	it("is for admins only: 403 for a user, 401 without a token; the lock stays", async () => {
		await lock(user.email);
		expectError(await clear({ email: user.email }, userTokens.accessToken), 403, "FORBIDDEN");
		expectError(await app.request("POST", CLEAR, { body: { email: user.email } }), 401, "UNAUTHORIZED");
		expectError(await app.request("POST", CLEAR, { body: { email: user.email }, token: "not.a.token" }), 401, "INVALID_TOKEN");
		expectError(await attempt(user.email, user.password), 429, "TOO_MANY_ATTEMPTS");
		expect((await clear({ email: user.email })).status).toBe(204);
	});

	it("each clearing is in the audit trail as throttle.clear by the admin; refused ones are not", async () => {
		const entries = await auditOf(app, admin);
		// Successful clears above: 1 + 1 + 1 + 2 + 2 + 1 (the refusals and the user's attempt add none).
		expect(entries).toHaveLength(8);
		for (const e of entries) {
			expect(e).toMatchObject({ type: "throttle.clear", outcome: "success", actorId: admin.user.id, ip: "127.0.0.1" });
			expect(e.details.ip).toBeNull();
		}
		const addresses = entries.map(e => e.details.address);
		expect(addresses.filter(a => a === user.email.toLowerCase())).toHaveLength(6);
		// Recorded as the comparison key, not as typed.
		expect(addresses).not.toContain(`  ${user.email.toUpperCase()} `);
	});
});

describe("clearing the per-IP limit (AUTH_RATE_LIMIT_PER_MINUTE=6, no proxy)", () => {
	const LIMIT = 6;
	let app: TestApp;
	let admin: Tokens;
	const secrets = new Secrets();
	/** An open route that changes nothing: it counts against the client's limit. */
	const hit = () => app.request("POST", `${AUTH}/password/forgot`, { body: { email: uniqueEmail("ghost") } });

	beforeAll(async () => {
		app = await startApp({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD, authRateLimitPerMinute: LIMIT, trustProxy: false });
	});
	afterAll(() => app?.stop());

	it("{ip: \"127.0.0.1\"} lifts the limit, and counting starts again", async () => {
		await awayFromMinuteBoundary(20_000);
		// The admin's own login is the first request of this minute.
		admin = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD, { secrets });
		for (let i = 2; i <= LIMIT; i++) expect((await hit()).status).toBe(202);
		const limited = await hit();
		expectError(limited, 429, "RATE_LIMITED");
		expectRetryAfter(limited, 70);
		// The admin route itself is not limited.
		const res = await app.request("POST", CLEAR, { token: admin.accessToken, body: { ip: "127.0.0.1" } });
		expect({ status: res.status, text: res.text }).toEqual({ status: 204, text: "" });

		for (let i = 1; i <= LIMIT; i++) expect((await hit()).status).toBe(202);
		expectError(await hit(), 429, "RATE_LIMITED");

		// Another address than this client's lifts nothing.
		expect((await app.request("POST", CLEAR, { token: admin.accessToken, body: { ip: "127.0.0.2" } })).status).toBe(204);
		expectError(await hit(), 429, "RATE_LIMITED");
		// A pattern, or anything else that is not an IP address, is refused.
		for (const ip of [".*", "10x0x0x1", "999.0.0.1", "localhost"]) {
			expectError(await app.request("POST", CLEAR, { token: admin.accessToken, body: { ip } }), 422, "VALIDATION_ERROR");
		}
		expectError(await hit(), 429, "RATE_LIMITED");
		// An IPv6 address is one.
		expect((await app.request("POST", CLEAR, { token: admin.accessToken, body: { ip: "2001:db8::7" } })).status).toBe(204);

		// Both at once.
		expect((await app.request("POST", CLEAR, { token: admin.accessToken, body: { ip: "127.0.0.1", email: ADMIN_EMAIL } })).status).toBe(204);
		expect((await hit()).status).toBe(202);
	});

	it("is recorded in the audit trail as throttle.clear with the address cleared", async () => {
		const entries = await auditOf(app, admin);
		expect(entries.map(e => e.details)).toEqual([
			{ address: ADMIN_EMAIL, ip: "127.0.0.1" },
			{ address: null, ip: "2001:db8::7" },
			{ address: null, ip: "127.0.0.2" },
			{ address: null, ip: "127.0.0.1" }
		]);
		for (const e of entries) expect(e).toMatchObject({ type: "throttle.clear", outcome: "success", actorId: admin.user.id, subjectId: null, ip: "127.0.0.1" });
	});
});

describe("clearing the per-IP limit of one forwarded client (TRUST_PROXY=true, AUTH_RATE_LIMIT_PER_MINUTE=2)", () => {
	let app: TestApp;
	let admin: Tokens;
	const secrets = new Secrets();
	const hit = (ip: string) => app.request("POST", `${AUTH}/password/forgot`, { body: { email: uniqueEmail("ghost") }, headers: { "x-forwarded-for": ip } });
	const clearIp = (ip: string) => app.request("POST", CLEAR, { token: admin.accessToken, body: { ip } });

	beforeAll(async () => {
		app = await startApp({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD, authRateLimitPerMinute: 2, trustProxy: true });
	});
	afterAll(() => app?.stop());

	it("lifts exactly that client: not one whose address merely starts alike or matches as a pattern", async () => {
		await awayFromMinuteBoundary(20_000);
		admin = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD, { secrets });
		const clients = ["10.0.0.1", "10.0.0.10", "10x0x0x1"];
		for (const ip of clients) {
			expect((await hit(ip)).status).toBe(202);
			expect((await hit(ip)).status).toBe(202);
			expectError(await hit(ip), 429, "RATE_LIMITED");
		}
		expect((await clearIp("10.0.0.1")).status).toBe(204);
		expect((await hit("10.0.0.1")).status).toBe(202);
		expectError(await hit("10.0.0.10"), 429, "RATE_LIMITED");
		expectError(await hit("10x0x0x1"), 429, "RATE_LIMITED");
	});
});
