import type { AuthUser } from "../../../lib/types";
import { changePassword, checkPassword } from "../../../services/auth/flows/passwords";
import { confirmTotp, disableTotp, renewRecoveryCodes, resetFactors, setUpTotp, showFactors } from "../../../services/auth/flows/mfa-enrolment";
import { totpCode } from "../../../services/auth/mfa/totp";
import { setPassword } from "../../../services/auth/password/credentials";
import { startSession } from "../../../services/auth/sessions";
import { testKit, type TestKit } from "./fakes";

const PASSWORD = "correct horse battery";
const STEP = 30_000;

let t: TestKit;
let caller: AuthUser;
const code = () => totpCode(secretOf, t.clock);
let secretOf: string;

beforeEach(async () => {
	t = await testKit();
	const user = t.users.add({ email: "ada@example.com", displayName: "Ada" });
	await setPassword(t.kit, user.id, PASSWORD);
	const { session } = await startSession(t.kit, user.id, {});
	caller = { id: user.id, sid: session._id, roles: ["user"] };
});

async function enrol(): Promise<string[]> {
	secretOf = (await setUpTotp(t.kit, caller, { password: PASSWORD })).secret;
	const { recoveryCodes } = await confirmTotp(t.kit, caller, { code: code() });
	t.clock.advance(3 * STEP);
	return recoveryCodes;
}

describe("TOTP enrolment", () => {
	it("needs the password, shows the secret and an otpauth URL, and is not on until confirmed", async () => {
		await expect(setUpTotp(t.kit, caller, { password: "wrong" })).rejects.toMatchObject({ type: "INVALID_CREDENTIALS", code: 401 });
		const { secret, otpauthUrl } = await setUpTotp(t.kit, caller, { password: PASSWORD });
		expect(otpauthUrl).toBe(`otpauth://totp/User%20backend:ada%40example.com?issuer=User%20backend&secret=${secret}&algorithm=SHA1&digits=6&period=30`);
		expect(await showFactors(t.kit, caller)).toEqual({ totp: false, recoveryCodesRemaining: 0, passkeys: [] });
	});

	it("a right code turns it on: 10 recovery codes, the session counts two factors, a notice and an audit entry", async () => {
		const codes = await enrol();
		expect(codes).toHaveLength(10);
		expect(await showFactors(t.kit, caller)).toEqual({ totp: true, recoveryCodesRemaining: 10, passkeys: [] });
		expect((await t.kit.stores.sessions.findById(caller.sid))?.amr).toEqual(["pwd", "otp", "mfa"]);
		expect(t.emails.at(-1)).toMatchObject({ template: "mfa-enabled", data: { factor: "an authenticator app" } });
		expect(t.notices.at(-1)).toMatchObject({ type: "mfa-enabled" });
		expect(t.audit.map(e => e.type)).toEqual(["mfa.totp.setup", "mfa.totp.enable"]);
		expect(t.metrics).toContainEqual(["mfaChallenges", { method: "totp", stage: "enrolment", result: "passed" }]);
	});

	it("a wrong code is 422 INVALID_MFA_CODE and leaves it off", async () => {
		await setUpTotp(t.kit, caller, { password: PASSWORD });
		await expect(confirmTotp(t.kit, caller, { code: "000000" })).rejects.toMatchObject({ type: "INVALID_MFA_CODE", code: 422 });
		expect((await showFactors(t.kit, caller)).totp).toBe(false);
	});

	it("refuses a second setup while on (422)", async () => {
		await enrol();
		await expect(setUpTotp(t.kit, caller, { password: PASSWORD })).rejects.toMatchObject({ type: "VALIDATION_ERROR", code: 422 });
	});

	it("turns off with password and code; the recovery codes go with the last factor", async () => {
		await enrol();
		await expect(disableTotp(t.kit, caller, { password: PASSWORD, code: "000000" })).rejects.toMatchObject({ type: "INVALID_MFA_CODE", code: 422 });
		await expect(disableTotp(t.kit, caller, { password: "wrong", code: code() })).rejects.toMatchObject({ type: "INVALID_CREDENTIALS" });
		await disableTotp(t.kit, caller, { password: PASSWORD, code: code() });
		expect(await showFactors(t.kit, caller)).toEqual({ totp: false, recoveryCodesRemaining: 0, passkeys: [] });
		expect(t.emails.at(-1)).toMatchObject({ template: "mfa-disabled" });
		await expect(disableTotp(t.kit, caller, { password: PASSWORD, code: code() })).rejects.toMatchObject({ type: "NOT_FOUND" });
	});

	it("keeps the recovery codes when a passkey remains", async () => {
		await enrol();
		await t.kit.factors.passkeys.insert({ _id: "pk1", credentialId: "c1", userId: caller.id, publicKey: "k", counter: 0, transports: [], name: "Phone", createdAt: new Date(t.clock.now()), lastUsedAt: null });
		await disableTotp(t.kit, caller, { password: PASSWORD, code: code() });
		expect((await showFactors(t.kit, caller)).recoveryCodesRemaining).toBe(10);
	});
});

describe("recovery codes renewed", () => {
	it("with the password, only beside a second factor; the old ones die", async () => {
		await expect(renewRecoveryCodes(t.kit, caller, { password: PASSWORD })).rejects.toMatchObject({ type: "VALIDATION_ERROR" });
		const old = await enrol();
		await expect(renewRecoveryCodes(t.kit, caller, { password: "wrong" })).rejects.toMatchObject({ type: "INVALID_CREDENTIALS" });
		const { recoveryCodes } = await renewRecoveryCodes(t.kit, caller, { password: PASSWORD });
		expect(await t.kit.factors.recoveryCodes.use(caller.id, old[0])).toBe(false);
		expect(await t.kit.factors.recoveryCodes.use(caller.id, recoveryCodes[0])).toBe(true);
		expect(t.emails.at(-1)).toMatchObject({ template: "recovery-codes-renewed" });
	});
});

describe("admin reset", () => {
	it("removes TOTP, recovery codes and passkeys, audited with what there was; the user is told", async () => {
		await enrol();
		await t.kit.factors.passkeys.insert({ _id: "pk1", credentialId: "c1", userId: caller.id, publicKey: "k", counter: 0, transports: [], name: "Phone", createdAt: new Date(t.clock.now()), lastUsedAt: null });
		await resetFactors(t.kit, { id: caller.id });
		expect(await showFactors(t.kit, caller)).toEqual({ totp: false, recoveryCodesRemaining: 0, passkeys: [] });
		expect(t.audit.at(-1)).toEqual({ type: "mfa.reset", subjectId: caller.id, details: { totp: true, passkeys: 1, recoveryCodes: 10 } });
		expect(t.emails.at(-1)).toMatchObject({ template: "mfa-reset" });
		await expect(resetFactors(t.kit, { id: "nobody" })).rejects.toMatchObject({ type: "NOT_FOUND" });
	});
});

describe("step-up while TOTP is on", () => {
	it("password change: 403 MFA_REQUIRED without a code, 422 when wrong, done with a current one", async () => {
		await enrol();
		const change = (extra: { code?: string }) => changePassword(t.kit, caller, { currentPassword: PASSWORD, newPassword: "a new passphrase", ...extra });
		await expect(change({})).rejects.toMatchObject({ type: "MFA_REQUIRED", code: 403 });
		await expect(change({ code: "000000" })).rejects.toMatchObject({ type: "INVALID_MFA_CODE", code: 422 });
		await expect(change({ code: code() })).resolves.toBeNull();
		expect(t.metrics).toContainEqual(["mfaChallenges", { method: "totp", stage: "step_up", result: "failed" }]);
	});

	it("re-authentication for account deletion: false for a wrong password, MFA_REQUIRED without a code, true with both", async () => {
		expect(await checkPassword(t.kit, { userId: caller.id, password: PASSWORD })).toBe(true);
		await enrol();
		expect(await checkPassword(t.kit, { userId: caller.id, password: "wrong" })).toBe(false);
		await expect(checkPassword(t.kit, { userId: caller.id, password: PASSWORD })).rejects.toMatchObject({ type: "MFA_REQUIRED" });
		expect(await checkPassword(t.kit, { userId: caller.id, password: PASSWORD, code: code() })).toBe(true);
	});
});
