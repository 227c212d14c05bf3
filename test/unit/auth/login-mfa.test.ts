import { logIn } from "../../../services/auth/flows/login";
import { logInWithCode } from "../../../services/auth/flows/login-mfa";
import { totpCode } from "../../../services/auth/mfa/totp";
import { setPassword } from "../../../services/auth/password/credentials";
import type { MfaChallengeResponse, TokenResponse } from "../../../lib/types";
import { testKit, type TestKit } from "./fakes";

const PASSWORD = "correct horse battery";
const client = { ip: "203.0.113.9", userAgent: "jest" };
const STEP = 30_000;

let t: TestKit;
let userId: string;
let secret: string;
let recoveryCodes: string[];

/** Ada with TOTP on (and her recovery codes), signed up in the fakes. */
beforeEach(async () => {
	t = await testKit();
	userId = t.users.add({ email: "ada@example.com" }).id;
	await setPassword(t.kit, userId, PASSWORD);
	secret = (await t.kit.factors.totp.begin(userId)) as string;
	expect(await t.kit.factors.totp.confirm(userId, totpCode(secret, t.clock))).toBe(true);
	recoveryCodes = await t.kit.factors.recoveryCodes.regenerate(userId);
	t.clock.advance(STEP);
	t.metrics.length = 0;
});

const passwordStep = async () => (await logIn(t.kit, { email: "ada@example.com", password: PASSWORD }, client)) as MfaChallengeResponse;
const finish = (input: { mfaToken: string; code?: string; recoveryCode?: string }) => logInWithCode(t.kit, input, client);

describe("logIn with a second factor enrolled", () => {
	it("answers mfaRequired with the methods and an mfaToken, and starts no session", async () => {
		expect(await passwordStep()).toEqual({ mfaRequired: true, mfaToken: expect.any(String), methods: ["totp", "recovery"] });
		expect(await t.kit.stores.sessions.count({})).toBe(0);
		expect(t.metrics).toEqual([["logins", { result: "mfa_required" }]]);
	});

	it("does not lift the address's failure count with the password alone", async () => {
		await expect(logIn(t.kit, { email: "ada@example.com", password: "wrong" }, client)).rejects.toMatchObject({ type: "INVALID_CREDENTIALS" });
		await passwordStep();
		expect((await t.kit.stores.throttles.findById("ada@example.com"))?.failures).toBe(1);
	});
});

describe("logInWithCode", () => {
	it("finishes with a TOTP code: a session with amr pwd+otp+mfa, the throttle lifted", async () => {
		const { mfaToken } = await passwordStep();
		const tokens = await finish({ mfaToken, code: totpCode(secret, t.clock) });
		expect(tokens.tokenType).toBe("Bearer");
		const [session] = await t.kit.stores.sessions.find({ userId });
		expect(session.amr).toEqual(["pwd", "otp", "mfa"]);
		expect(t.signed.at(-1)).toEqual({ userId, sessionId: session._id, roles: ["user"], amr: ["pwd", "otp", "mfa"], authTime: new Date(session.createdAt).getTime() });
		expect(t.metrics).toContainEqual(["mfaChallenges", { method: "totp", stage: "login", result: "passed" }]);
	});

	it("refuses a wrong code with 401 INVALID_MFA_CODE, counting it against the token and the address", async () => {
		const { mfaToken } = await passwordStep();
		await expect(finish({ mfaToken, code: "000000" })).rejects.toMatchObject({ type: "INVALID_MFA_CODE", code: 401 });
		expect((await t.kit.stores.throttles.findById("ada@example.com"))?.failures).toBe(1);
		expect(t.metrics).toContainEqual(["mfaChallenges", { method: "totp", stage: "login", result: "failed" }]);
		expect(t.audit.at(-1)).toEqual({ type: "login.mfa", outcome: "failure", subjectId: userId, details: { method: "totp" } });
	});

	it("kills the token after 5 wrong codes, and after 5 minutes; a spent one is dead too (401 INVALID_TOKEN)", async () => {
		const guessed = (await passwordStep()).mfaToken;
		for (let i = 0; i < 5; i++) await expect(finish({ mfaToken: guessed, code: "000000" })).rejects.toMatchObject({ type: "INVALID_MFA_CODE" });
		await expect(finish({ mfaToken: guessed, code: totpCode(secret, t.clock) })).rejects.toMatchObject({ type: "INVALID_TOKEN", code: 401 });

		await t.kit.stores.throttles.removeMany({});
		const late = (await passwordStep()).mfaToken;
		t.clock.advance(5 * 60_000 + 1);
		await expect(finish({ mfaToken: late, code: totpCode(secret, t.clock) })).rejects.toMatchObject({ type: "INVALID_TOKEN" });

		const used = (await passwordStep()).mfaToken;
		await finish({ mfaToken: used, code: totpCode(secret, t.clock) });
		t.clock.advance(3 * STEP);
		await expect(finish({ mfaToken: used, code: totpCode(secret, t.clock) })).rejects.toMatchObject({ type: "INVALID_TOKEN" });
	});

	it("refuses a locked address before checking anything (429)", async () => {
		const { mfaToken } = await passwordStep();
		await t.kit.stores.throttles.insert({ _id: "ada@example.com", failures: 5, lockedUntil: new Date(t.clock.now() + 60_000), updatedAt: new Date(t.clock.now()) });
		await expect(finish({ mfaToken, code: totpCode(secret, t.clock) })).rejects.toMatchObject({ type: "TOO_MANY_ATTEMPTS", code: 429, data: { retryAfter: 60 } });
	});

	it("accepts a recovery code once (amr otp), then tells the user how many remain", async () => {
		const tokens = await finish({ mfaToken: (await passwordStep()).mfaToken, recoveryCode: recoveryCodes[0].toUpperCase() });
		expect(tokens.tokenType).toBe("Bearer");
		expect(t.signed.at(-1)?.amr).toEqual(["pwd", "otp", "mfa"]);
		expect(t.emails.at(-1)).toEqual({ to: "ada@example.com", template: "recovery-code-used", data: { displayName: "", remaining: "9" }, userId });
		expect(t.notices.at(-1)).toMatchObject({ type: "recovery-code-used", body: expect.stringContaining("9 of your recovery codes remain") });
		expect(t.audit).toContainEqual({ type: "mfa.recovery_code.use", subjectId: userId, actorId: userId, details: { remaining: 9 } });
		await expect(finish({ mfaToken: (await passwordStep()).mfaToken, recoveryCode: recoveryCodes[0] })).rejects.toMatchObject({ type: "INVALID_MFA_CODE", code: 401 });
	});

	it("wants exactly one of code and recoveryCode (422)", async () => {
		const { mfaToken } = await passwordStep();
		await expect(finish({ mfaToken })).rejects.toMatchObject({ type: "VALIDATION_ERROR", code: 422 });
		await expect(finish({ mfaToken, code: "123456", recoveryCode: recoveryCodes[0] })).rejects.toMatchObject({ type: "VALIDATION_ERROR" });
	});

	it("refuses a method the login did not offer as a wrong code", async () => {
		await t.kit.factors.recoveryCodes.removeAll(userId);
		const { mfaToken, methods } = await passwordStep();
		expect(methods).toEqual(["totp"]);
		await expect(finish({ mfaToken, recoveryCode: recoveryCodes[1] })).rejects.toMatchObject({ type: "INVALID_MFA_CODE" });
	});

	it("refuses an account disabled meanwhile after the right code", async () => {
		const { mfaToken } = await passwordStep();
		t.users.byId.set(userId, { ...t.users.byId.get(userId)!, status: "disabled" });
		await expect(finish({ mfaToken, code: totpCode(secret, t.clock) })).rejects.toMatchObject({ type: "ACCOUNT_DISABLED" });
	});
});

describe("MFA_REQUIRED_ROLES in the tokens", () => {
	it("limits an admin's password-only token to enrolment, not a two-factor one", async () => {
		t = await testKit({ mfaRequiredRoles: ["admin"] });
		const admin = t.users.add({ email: "root@example.com", roles: ["user", "admin"] });
		await setPassword(t.kit, admin.id, PASSWORD);
		(await logIn(t.kit, { email: "root@example.com", password: PASSWORD }, client)) as TokenResponse;
		expect(t.signed.at(-1)).toMatchObject({ amr: ["pwd"], enrolmentOnly: true });
	});
});
