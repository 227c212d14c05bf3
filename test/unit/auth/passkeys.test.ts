/** The passkey flows with the software authenticator and in-memory stores. */
import { passkeySignInOptions, signInWithPasskey } from "../../../services/auth/flows/passkey-sign-in";
import { listPasskeys, passkeyRegistrationOptions, registerPasskey, removePasskey, renamePasskey } from "../../../services/auth/flows/passkeys";
import { totpCode } from "../../../services/auth/mfa/totp";
import { startSession } from "../../../services/auth/sessions";
import type { PublicUser } from "../../../lib/user-schema";
import { SoftAuthenticator } from "../mfa/soft-authenticator";
import { testKit, type TestKit } from "./fakes";

const ORIGIN = "https://id.example.com";
const client = { ip: "203.0.113.9", userAgent: "jest" };

let t: TestKit;
let ada: PublicUser;
let key: SoftAuthenticator;
const caller = (user: PublicUser) => ({ id: user.id, sid: "s1", roles: user.roles });
/** The amr the last access token was signed with. */
const lastAmr = () => t.signed.at(-1)?.amr?.join(",");

beforeEach(async () => {
	t = await testKit();
	ada = t.users.add({ email: "ada@example.com", displayName: "Ada" });
	key = new SoftAuthenticator(ORIGIN, "example.com");
});

/** Enrols `authenticator`'s passkey for `user` (default: Ada's). */
async function enrol(user = ada, authenticator = key, name?: string) {
	const options = await passkeyRegistrationOptions(t.kit, caller(user));
	return registerPasskey(t.kit, caller(user), { name, response: authenticator.register(options) });
}

/** A sign-in: options for `start`, the authenticator's assertion (with `ceremony` changes), verified. */
async function signIn(start: { email?: string; mfaToken?: string } = {}, authenticator = key, ceremony: Parameters<SoftAuthenticator["assert"]>[1] = {}) {
	const { challengeId, options } = await passkeySignInOptions(t.kit, start);
	return signInWithPasskey(t.kit, { challengeId, response: authenticator.assert(options, ceremony), mfaToken: start.mfaToken }, client);
}

describe("enrolling a passkey", () => {
	it("stores it, hands out recovery codes with the first second factor, audits and tells the user", async () => {
		const enrolled = await enrol(ada, key, " Laptop ");
		const at = new Date(t.clock.now()).toISOString();
		expect({ ...enrolled, recoveryCodes: enrolled.recoveryCodes?.length }).toEqual({ id: expect.any(String), name: "Laptop", createdAt: at, lastUsedAt: null, recoveryCodes: 10 });
		expect(await t.kit.factors.recoveryCodes.use(ada.id, enrolled.recoveryCodes![0])).toBe(true);
		expect(t.audit).toEqual([{ type: "passkey.add", subjectId: ada.id, actorId: ada.id, details: { passkeyId: enrolled.id, name: "Laptop", recoveryCodesIssued: true } }]);
		expect(t.emails).toEqual([{ to: "ada@example.com", template: "mfa-passkey-added", data: { passkeyName: "Laptop", displayName: "Ada" }, userId: ada.id }]);
		expect(t.notices.map(n => n.type)).toEqual(["mfa-passkey-added"]);
	});

	it("hands out no recovery codes with a second passkey, nor when TOTP is already on", async () => {
		await enrol();
		expect(await enrol(ada, new SoftAuthenticator(ORIGIN, "example.com"))).not.toHaveProperty("recoveryCodes");
		const grace = t.users.add({ email: "grace@example.com" });
		const secret = (await t.kit.factors.totp.begin(grace.id)) as string;
		expect(await t.kit.factors.totp.confirm(grace.id, totpCode(secret, t.clock))).toBe(true);
		expect(await enrol(grace, new SoftAuthenticator(ORIGIN, "example.com"))).not.toHaveProperty("recoveryCodes");
	});

	it("makes the enrolling session count two factors (amr hwk+mfa added), as MFA_REQUIRED_ROLES asks", async () => {
		const { session } = await startSession(t.kit, ada.id, client);
		await registerPasskey(t.kit, { ...caller(ada), sid: session._id }, { response: key.register(await passkeyRegistrationOptions(t.kit, caller(ada))) });
		expect((await t.kit.stores.sessions.findById(session._id))?.amr).toEqual(["pwd", "hwk", "mfa"]);
	});

	it("names an unnamed passkey 'Passkey' and excludes the enrolled ones from new options", async () => {
		expect((await enrol()).name).toBe("Passkey");
		const options = await passkeyRegistrationOptions(t.kit, caller(ada));
		expect(options.excludeCredentials).toEqual([{ id: key.credentialId, type: "public-key", transports: ["internal"] }]);
	});

	it("refuses the same credential twice (422)", async () => {
		await enrol();
		await expect(enrol()).rejects.toMatchObject({ type: "VALIDATION_ERROR", code: 422, message: "This passkey is already registered" });
	});
});

describe("signing in with a passkey", () => {
	it("discoverably (no e-mail): tokens with amr hwk+mfa, the counter stored, the login recorded", async () => {
		const { id } = await enrol();
		t.clock.advance(60_000);
		const answer = await signIn();
		expect({ amr: lastAmr(), user: answer.user.id, lastLoginAt: answer.user.lastLoginAt }).toEqual({ amr: "hwk,mfa", user: ada.id, lastLoginAt: new Date(t.clock.now()).toISOString() });
		const stored = await t.kit.factors.passkeys.findById(id);
		expect({ counter: stored?.counter, lastUsedAt: stored?.lastUsedAt }).toEqual({ counter: 1, lastUsedAt: new Date(t.clock.now()) });
		const [session] = await t.kit.stores.sessions.find({ userId: ada.id });
		expect(session.amr).toEqual(["hwk", "mfa"]);
		expect(t.audit.at(-1)).toEqual({ type: "login", subjectId: ada.id, actorId: ada.id, details: { sessionId: session._id, amr: ["hwk", "mfa"] } });
	});

	it("by e-mail: the account's passkeys are offered by ID", async () => {
		await enrol();
		const { options } = await passkeySignInOptions(t.kit, { email: " ADA@example.com " });
		expect(options.allowCredentials).toEqual([{ id: key.credentialId, type: "public-key", transports: ["internal"] }]);
		await signIn({ email: "ada@example.com" });
		expect(lastAmr()).toBe("hwk,mfa");
	});

	it("answers an unknown address and an account without passkeys alike: one stable decoy ID each", async () => {
		t.users.add({ email: "grace@example.com" });
		const allowed = async (email: string) => (await passkeySignInOptions(t.kit, { email })).options.allowCredentials;
		expect(await allowed("nobody@example.com")).toEqual([{ id: t.kit.passkeyDecoys.credentialIdFor("nobody@example.com"), type: "public-key", transports: ["internal"] }]);
		expect(await allowed("grace@example.com")).toEqual([{ id: t.kit.passkeyDecoys.credentialIdFor("grace@example.com"), type: "public-key", transports: ["internal"] }]);
		expect(await allowed("nobody@example.com")).toEqual(await allowed("nobody@example.com"));
	});

	it("refuses a passkey of another account than the e-mail named (401), the challenge spent", async () => {
		await enrol();
		t.users.add({ email: "grace@example.com" });
		await expect(signIn({ email: "grace@example.com" })).rejects.toMatchObject({ type: "INVALID_CREDENTIALS", code: 401 });
		expect(await t.kit.stores.webauthnChallenges.count({})).toBe(0);
	});

	it("refuses a cloned authenticator (counter back), audits it and keeps the stored counter", async () => {
		const { id } = await enrol();
		await signIn();
		await signIn();
		await expect(signIn({}, key, { counter: 1 })).rejects.toMatchObject({ type: "INVALID_CREDENTIALS", code: 401 });
		expect(t.audit.find(e => e.type === "passkey.cloned")).toEqual({
			type: "passkey.cloned",
			outcome: "failure",
			subjectId: ada.id,
			details: { credentialId: key.credentialId, storedCounter: 2, presentedCounter: 1 }
		});
		expect((await t.kit.factors.passkeys.findById(id))?.counter).toBe(2);
	});

	it("refuses a replayed assertion: the challenge is single-use (400 INVALID_TOKEN)", async () => {
		await enrol();
		const { challengeId, options } = await passkeySignInOptions(t.kit, {});
		const response = key.assert(options);
		await signInWithPasskey(t.kit, { challengeId, response }, client);
		await expect(signInWithPasskey(t.kit, { challengeId, response }, client)).rejects.toMatchObject({ type: "INVALID_TOKEN", code: 400 });
	});

	it("tells a disabled account so", async () => {
		await enrol();
		t.users.byId.set(ada.id, { ...ada, status: "disabled" });
		await expect(signIn()).rejects.toMatchObject({ type: "ACCOUNT_DISABLED", code: 403 });
	});
});

describe("a passkey as the second factor after a password", () => {
	const issue = (userId: string) => t.kit.factors.mfaTokens.issue(userId, ["passkey"], ["password"]);

	it("finishes the login the mfaToken began: amr pwd+hwk+mfa, the token spent", async () => {
		await enrol();
		const { mfaToken } = await issue(ada.id);
		const { options } = await passkeySignInOptions(t.kit, { mfaToken });
		expect(options.allowCredentials?.map(c => c.id)).toEqual([key.credentialId]);
		await signIn({ mfaToken });
		expect(lastAmr()).toBe("pwd,hwk,mfa");
		await expect(passkeySignInOptions(t.kit, { mfaToken })).rejects.toMatchObject({ type: "INVALID_TOKEN", code: 401 });
	});

	it("refuses another account's passkey as a wrong second factor (401 INVALID_MFA_CODE), counted against the mfaToken and the address", async () => {
		await enrol();
		const grace = t.users.add({ email: "grace@example.com" });
		const graceKey = new SoftAuthenticator(ORIGIN, "example.com");
		await enrol(grace, graceKey);
		const { mfaToken } = await issue(ada.id);
		const { challengeId, options } = await passkeySignInOptions(t.kit, {});
		await expect(signInWithPasskey(t.kit, { challengeId, response: graceKey.assert(options), mfaToken }, client)).rejects.toMatchObject({ type: "INVALID_MFA_CODE", code: 401 });
		expect((await t.kit.factors.mfaTokens.find(mfaToken))?.attempts).toBe(1);
		expect((await t.kit.stores.throttles.findById("ada@example.com"))?.failures).toBe(1);
		expect(t.audit.at(-1)).toEqual({ type: "login.mfa", outcome: "failure", subjectId: ada.id, details: { method: "passkey" } });
	});

	it("refuses an unknown mfaToken (401 INVALID_TOKEN), both an e-mail and an mfaToken (422), and an account without passkeys (422)", async () => {
		await expect(passkeySignInOptions(t.kit, { mfaToken: "not-a-token" })).rejects.toMatchObject({ type: "INVALID_TOKEN", code: 401 });
		const { mfaToken } = await issue(ada.id);
		await expect(passkeySignInOptions(t.kit, { email: "ada@example.com", mfaToken })).rejects.toMatchObject({ type: "VALIDATION_ERROR", code: 422 });
		await expect(passkeySignInOptions(t.kit, { mfaToken })).rejects.toMatchObject({ type: "VALIDATION_ERROR", code: 422, message: "This account has no passkey" });
	});
});

describe("renaming and removing", () => {
	it("renames the owner's passkey; another user's id is NOT_FOUND", async () => {
		const { id } = await enrol();
		expect((await renamePasskey(t.kit, caller(ada), { id, name: " Work laptop " })).name).toBe("Work laptop");
		const grace = t.users.add({ email: "grace@example.com" });
		await expect(renamePasskey(t.kit, caller(grace), { id, name: "Mine" })).rejects.toMatchObject({ type: "NOT_FOUND", code: 404 });
		await expect(removePasskey(t.kit, caller(grace), { id })).rejects.toMatchObject({ type: "NOT_FOUND", code: 404 });
		expect((await listPasskeys(t.kit, ada.id)).map(p => p.name)).toEqual(["Work laptop"]);
	});

	it("removes it, audits and tells the user; with the last second factor the recovery codes go", async () => {
		const first = await enrol();
		const second = await enrol(ada, new SoftAuthenticator(ORIGIN, "example.com"), "Phone");
		await removePasskey(t.kit, caller(ada), { id: first.id });
		expect(await t.kit.factors.recoveryCodes.remaining(ada.id)).toBe(10);
		await removePasskey(t.kit, caller(ada), { id: second.id });
		expect(await t.kit.factors.recoveryCodes.remaining(ada.id)).toBe(0);
		expect(t.audit.filter(e => e.type === "passkey.remove").map(e => e.details)).toEqual([
			{ passkeyId: first.id, name: "Passkey", recoveryCodesRemoved: false },
			{ passkeyId: second.id, name: "Phone", recoveryCodesRemoved: true }
		]);
		expect(t.emails.map(e => e.template)).toEqual(["mfa-passkey-added", "mfa-passkey-added", "mfa-passkey-removed", "mfa-passkey-removed"]);
		await expect(signIn()).rejects.toMatchObject({ type: "INVALID_CREDENTIALS" });
	});
});
