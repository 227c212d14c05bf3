import type { TokenResponse } from "../../../lib/types";
import { clearThrottle, logIn } from "../../../services/auth/flows/login";
import { IpLimit, type RateLimitRecord } from "../../../services/auth/ip-limit";
import { setPassword } from "../../../services/auth/password/credentials";
import { memoryCollection, testKit, type TestKit } from "./fakes";

const PASSWORD = "correct horse battery";
const client = { ip: "203.0.113.9", userAgent: "jest" };

let t: TestKit;
async function account(over: Parameters<TestKit["users"]["add"]>[0] = { email: "ada@example.com" }) {
	const user = t.users.add(over);
	await setPassword(t.kit, user.id, PASSWORD);
	return user;
}
const attempt = (password: string, email = "ada@example.com") => logIn(t.kit, { email, password }, client);

beforeEach(async () => {
	t = await testKit();
});

describe("logIn", () => {
	it("signs in with the right password: a session, tokens and the login recorded", async () => {
		const user = await account();
		const answer = await attempt(PASSWORD);
		const [session] = await t.kit.stores.sessions.find({ userId: user.id });
		expect(answer).toEqual({
			accessToken: `access:${user.id}:${session._id}:${t.clock.now()}`,
			refreshToken: expect.stringMatching(new RegExp(`^${session._id}\\.`)),
			tokenType: "Bearer",
			expiresIn: 900,
			user: { ...user, lastLoginAt: new Date(t.clock.now()).toISOString() }
		});
		expect({ ip: session.ip, userAgent: session.userAgent }).toEqual(client);
		expect(t.metrics).toEqual([["logins", { result: "success" }]]);
	});

	it("takes the address in any case and with spaces", async () => {
		await account();
		expect(((await attempt(PASSWORD, "  ADA@Example.com ")) as TokenResponse).tokenType).toBe("Bearer");
	});

	it("answers INVALID_CREDENTIALS to a wrong password", async () => {
		await account();
		await expect(attempt("wrong password")).rejects.toMatchObject({ type: "INVALID_CREDENTIALS", code: 401 });
	});

	it("answers an unknown address alike, after a hash compare all the same", async () => {
		await expect(attempt(PASSWORD, "nobody@example.com")).rejects.toMatchObject({ type: "INVALID_CREDENTIALS", code: 401 });
		expect(t.hasher.verified).toEqual([undefined]);
	});

	it("tells a disabled account so, only to the right password", async () => {
		await account({ email: "ada@example.com", status: "disabled" });
		await expect(attempt("wrong password")).rejects.toMatchObject({ type: "INVALID_CREDENTIALS" });
		await expect(attempt(PASSWORD)).rejects.toMatchObject({ type: "ACCOUNT_DISABLED", code: 403 });
	});

	it("tells an unverified address so, only to the right password", async () => {
		await account({ email: "ada@example.com", emailVerified: false });
		await expect(attempt("wrong password")).rejects.toMatchObject({ type: "INVALID_CREDENTIALS" });
		await expect(attempt(PASSWORD)).rejects.toMatchObject({ type: "EMAIL_NOT_VERIFIED", code: 403 });
	});

	it("lets an unverified address in when verification is not required", async () => {
		t = await testKit({ emailVerificationRequired: false });
		await account({ email: "ada@example.com", emailVerified: false });
		expect(((await attempt(PASSWORD)) as TokenResponse).tokenType).toBe("Bearer");
	});

	it("throttles an address after LOGIN_MAX_FAILURES failures, even with the right password", async () => {
		await account();
		for (let i = 0; i < 5; i++) await expect(attempt("wrong password")).rejects.toMatchObject({ type: "INVALID_CREDENTIALS" });
		await expect(attempt(PASSWORD)).rejects.toMatchObject({ type: "TOO_MANY_ATTEMPTS", code: 429, data: { retryAfter: 30 } });
		expect(t.audit.at(-1)).toEqual({ type: "login.throttled", outcome: "failure", details: { address: "ada@example.com" } });
	});

	it("throttles an unknown address too", async () => {
		for (let i = 0; i < 5; i++) await expect(attempt("x".repeat(10), "nobody@example.com")).rejects.toMatchObject({ type: "INVALID_CREDENTIALS" });
		await expect(attempt("x".repeat(10), "nobody@example.com")).rejects.toMatchObject({ type: "TOO_MANY_ATTEMPTS" });
	});

	it("grows the lock with each failure after it lapses", async () => {
		await account();
		for (let i = 0; i < 5; i++) await attempt("wrong password").catch(() => undefined);
		t.clock.advance(30_000);
		await expect(attempt("wrong password")).rejects.toMatchObject({ type: "INVALID_CREDENTIALS" });
		await expect(attempt(PASSWORD)).rejects.toMatchObject({ type: "TOO_MANY_ATTEMPTS", data: { retryAfter: 60 } });
	});

	it("lifts the count on success once the lock lapses", async () => {
		await account();
		for (let i = 0; i < 5; i++) await attempt("wrong password").catch(() => undefined);
		t.clock.advance(30_000);
		await attempt(PASSWORD);
		expect(await t.kit.stores.throttles.findById("ada@example.com")).toBeNull();
		for (let i = 0; i < 4; i++) await attempt("wrong password").catch(() => undefined);
		expect(((await attempt(PASSWORD)) as TokenResponse).tokenType).toBe("Bearer");
	});

	it("rehashes a password made with fewer rounds than configured", async () => {
		const user = await account();
		t.hasher.rounds = 13;
		await attempt(PASSWORD);
		expect((await t.kit.stores.credentials.findById(user.id))!.passwordHash).toBe(`fake$13$${PASSWORD}`);
	});
});

describe("clearThrottle", () => {
	it("lifts an address's lock", async () => {
		await account();
		for (let i = 0; i < 5; i++) await attempt("wrong password").catch(() => undefined);
		const ipLimit = new IpLimit(await memoryCollection<RateLimitRecord>("rate_limits"), 30, t.clock);
		expect(await clearThrottle(t.kit, ipLimit, { email: "ADA@example.com" })).toEqual({ addressLocked: true, ipLimited: null });
		expect(((await attempt(PASSWORD)) as TokenResponse).tokenType).toBe("Bearer");
		// Nothing locked any more: the clearing says so.
		expect(await clearThrottle(t.kit, ipLimit, { email: "ada@example.com" })).toEqual({ addressLocked: false, ipLimited: null });
	});

	it("says whether the IP was at its limit", async () => {
		const ipLimit = new IpLimit(await memoryCollection<RateLimitRecord>("rate_limits"), 2, t.clock);
		await ipLimit.check("203.0.113.9", () => undefined);
		expect(await clearThrottle(t.kit, ipLimit, { ip: "203.0.113.9" })).toEqual({ addressLocked: null, ipLimited: false });
		await ipLimit.check("2001:db8::1", () => undefined);
		await ipLimit.check("2001:db8::1", () => undefined);
		expect(await clearThrottle(t.kit, ipLimit, { ip: "2001:db8::1" })).toEqual({ addressLocked: null, ipLimited: true });
	});

	it("wants a real IPv4 or IPv6 address as ip", async () => {
		const ipLimit = new IpLimit(await memoryCollection<RateLimitRecord>("rate_limits"), 30, t.clock);
		for (const ip of [".*", "10x0x0x1", "999.1.1.1", "localhost", "127.0.0.1 "]) {
			await expect(clearThrottle(t.kit, ipLimit, { ip })).rejects.toMatchObject({ type: "VALIDATION_ERROR", code: 422, data: [{ field: "ip" }] });
		}
	});

	it("wants an address or an IP", async () => {
		const ipLimit = new IpLimit(await memoryCollection<RateLimitRecord>("rate_limits"), 30, t.clock);
		await expect(clearThrottle(t.kit, ipLimit, {})).rejects.toMatchObject({ type: "VALIDATION_ERROR", code: 422 });
	});
});
