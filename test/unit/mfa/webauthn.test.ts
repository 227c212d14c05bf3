import type { WebAuthnConfig } from "../../../lib/config";
import type { PasskeyCredential, StoredPasskey } from "../../../services/auth/mfa/passkey-credential";
import { CounterWentBack, RelyingParty } from "../../../services/auth/mfa/webauthn";
import { WEBAUTHN_CHALLENGE_TTL_MS, WebAuthnChallenges, type WebAuthnChallengeRecord } from "../../../services/auth/mfa/webauthn-challenges";
import { memoryCollection, movableClock } from "./memory-collection";
import { SoftAuthenticator } from "./soft-authenticator";

const ORIGIN = "https://id.example.com";
const CONFIG: WebAuthnConfig = { rpId: "example.com", rpName: "Example", origins: [ORIGIN] };
const USER = { userId: "user-1", email: "ada@example.com", displayName: "Ada" };

async function setup() {
	const clock = movableClock(1_700_000_000_000);
	const store = await memoryCollection<WebAuthnChallengeRecord>("webauthn_challenges");
	const rp = new RelyingParty(CONFIG, new WebAuthnChallenges(store, clock));
	const authenticator = new SoftAuthenticator(ORIGIN, CONFIG.rpId);
	return { clock, store, rp, authenticator };
}

/** Registers the authenticator's passkey for USER; answers what the caller would store. */
async function registered(rp: RelyingParty, authenticator: SoftAuthenticator): Promise<StoredPasskey> {
	const options = await rp.registrationOptions(USER, []);
	const credential = await rp.verifyRegistration(USER.userId, authenticator.register(options));
	return { ...credential, userId: USER.userId };
}

const finder = (passkey: StoredPasskey) => async (id: string) => (id === passkey.credentialId ? passkey : null);

describe("RelyingParty: registration", () => {
	it("asks for a discoverable credential with user verification, excluding the user's existing passkeys", async () => {
		const { rp } = await setup();
		const existing: PasskeyCredential = { credentialId: "AAAA", publicKey: "", counter: 0, transports: ["usb"] };
		const options = await rp.registrationOptions(USER, [existing]);
		expect({ rp: options.rp, user: options.user, selection: options.authenticatorSelection, exclude: options.excludeCredentials, attestation: options.attestation }).toEqual({
			rp: { id: "example.com", name: "Example" },
			user: { id: Buffer.from("user-1").toString("base64url"), name: "ada@example.com", displayName: "Ada" },
			selection: { residentKey: "required", requireResidentKey: true, userVerification: "required" },
			exclude: [{ id: "AAAA", type: "public-key", transports: ["usb"] }],
			attestation: "none"
		});
	});

	it("verifies a response and returns the credential to store", async () => {
		const { rp, authenticator } = await setup();
		const options = await rp.registrationOptions(USER, []);
		const credential = await rp.verifyRegistration(USER.userId, authenticator.register(options));
		expect({ ...credential, publicKey: typeof credential.publicKey }).toEqual({ credentialId: authenticator.credentialId, publicKey: "string", counter: 0, transports: ["internal"] });
	});

	it("refuses the same response twice (the challenge is single-use)", async () => {
		const { rp, authenticator } = await setup();
		const response = authenticator.register(await rp.registrationOptions(USER, []));
		await rp.verifyRegistration(USER.userId, response);
		await expect(rp.verifyRegistration(USER.userId, response)).rejects.toMatchObject({ type: "INVALID_TOKEN", code: 400 });
	});

	it("refuses a challenge begun by another user", async () => {
		const { rp, authenticator } = await setup();
		const response = authenticator.register(await rp.registrationOptions(USER, []));
		await expect(rp.verifyRegistration("user-2", response)).rejects.toMatchObject({ type: "INVALID_TOKEN" });
	});

	it("refuses an expired challenge", async () => {
		const { rp, authenticator, clock } = await setup();
		const response = authenticator.register(await rp.registrationOptions(USER, []));
		clock.advance(WEBAUTHN_CHALLENGE_TTL_MS + 1);
		await expect(rp.verifyRegistration(USER.userId, response)).rejects.toMatchObject({ type: "INVALID_TOKEN" });
	});

	it.each([
		["another origin", { origin: "https://evil.example.net" }, /origin "https:\/\/evil.example.net"/],
		["another RP ID", { rpId: "evil.example.net" }, /RP ID/],
		["no user verification", { userVerified: false }, /User verification (was )?required/]
	])("refuses a response with %s (422)", async (_, ceremony, reason) => {
		const { rp, authenticator } = await setup();
		const response = authenticator.register(await rp.registrationOptions(USER, []), ceremony);
		await expect(rp.verifyRegistration(USER.userId, response)).rejects.toMatchObject({ type: "VALIDATION_ERROR", code: 422, message: expect.stringMatching(reason) });
	});
});

describe("RelyingParty: sign-in", () => {
	it("offers the user's passkeys by ID when signing in by e-mail", async () => {
		const { rp } = await setup();
		const { challengeId, options } = await rp.authenticationOptions({ userId: USER.userId, passkeys: [{ credentialId: "AAAA", publicKey: "", counter: 0, transports: [] }] });
		expect({ challengeId, rpId: options.rpId, uv: options.userVerification, allow: options.allowCredentials }).toEqual({
			challengeId: options.challenge,
			rpId: "example.com",
			uv: "required",
			allow: [{ id: "AAAA", type: "public-key", transports: [] }]
		});
	});

	it("offers no credentials for a discoverable sign-in", async () => {
		const { rp } = await setup();
		const { options } = await rp.authenticationOptions(null);
		expect(options.allowCredentials).toBeUndefined();
	});

	it("signs in with a discoverable passkey and returns the new counter", async () => {
		const { rp, authenticator } = await setup();
		const passkey = await registered(rp, authenticator);
		const { challengeId, options } = await rp.authenticationOptions(null);
		expect(await rp.verifyAuthentication(challengeId, authenticator.assert(options), finder(passkey))).toEqual({ userId: USER.userId, credentialId: authenticator.credentialId, newCounter: 1 });
	});

	it("refuses a replayed assertion", async () => {
		const { rp, authenticator } = await setup();
		const passkey = await registered(rp, authenticator);
		const { challengeId, options } = await rp.authenticationOptions(null);
		const assertion = authenticator.assert(options);
		await rp.verifyAuthentication(challengeId, assertion, finder(passkey));
		await expect(rp.verifyAuthentication(challengeId, assertion, finder(passkey))).rejects.toMatchObject({ type: "INVALID_TOKEN", code: 400 });
	});

	it("refuses an assertion made for another challenge", async () => {
		const { rp, authenticator } = await setup();
		const passkey = await registered(rp, authenticator);
		const first = await rp.authenticationOptions(null);
		const second = await rp.authenticationOptions(null);
		const assertion = authenticator.assert(second.options);
		await expect(rp.verifyAuthentication(first.challengeId, assertion, finder(passkey))).rejects.toMatchObject({ type: "INVALID_CREDENTIALS", code: 401, message: expect.stringMatching(/Unexpected authentication response challenge/) });
	});

	it.each([
		["another origin", { origin: "https://evil.example.net" }, /origin "https:\/\/evil.example.net"/],
		["another RP ID", { rpId: "evil.example.net" }, /RP ID/],
		["no user verification", { userVerified: false }, /User verification (was )?required/]
	])("refuses an assertion with %s (401)", async (_, ceremony, reason) => {
		const { rp, authenticator } = await setup();
		const passkey = await registered(rp, authenticator);
		const { challengeId, options } = await rp.authenticationOptions(null);
		await expect(rp.verifyAuthentication(challengeId, authenticator.assert(options, ceremony), finder(passkey))).rejects.toMatchObject({ type: "INVALID_CREDENTIALS", code: 401, message: expect.stringMatching(reason) });
	});

	it.each([
		["goes back", 5],
		["stays the same", 7]
	])("refuses a cloned authenticator: a validly signed counter that %s is a CounterWentBack (401)", async (_, counter) => {
		const { rp, authenticator } = await setup();
		const passkey = { ...(await registered(rp, authenticator)), counter: 7 };
		const { challengeId, options } = await rp.authenticationOptions(null);
		const refusal = await rp.verifyAuthentication(challengeId, authenticator.assert(options, { counter }), finder(passkey)).catch((err: unknown) => err);
		expect(refusal).toBeInstanceOf(CounterWentBack);
		expect(refusal).toMatchObject({ type: "INVALID_CREDENTIALS", code: 401, presentedCounter: counter, message: expect.stringMatching(/counter went back/) });
	});

	it("accepts an authenticator that does not count (counter stays 0)", async () => {
		const { rp, authenticator } = await setup();
		const passkey = await registered(rp, authenticator);
		const { challengeId, options } = await rp.authenticationOptions(null);
		expect((await rp.verifyAuthentication(challengeId, authenticator.assert(options, { counter: 0 }), finder(passkey))).newCounter).toBe(0);
	});

	it("refuses a passkey of another account than the e-mail named", async () => {
		const { rp, authenticator } = await setup();
		const passkey = await registered(rp, authenticator);
		const { challengeId, options } = await rp.authenticationOptions({ userId: "user-2", passkeys: [] });
		await expect(rp.verifyAuthentication(challengeId, authenticator.assert(options), finder(passkey))).rejects.toMatchObject({ type: "INVALID_CREDENTIALS", message: expect.stringMatching(/another account/) });
	});

	it("refuses an unknown credential", async () => {
		const { rp, authenticator } = await setup();
		await registered(rp, authenticator);
		const { challengeId, options } = await rp.authenticationOptions(null);
		await expect(rp.verifyAuthentication(challengeId, authenticator.assert(options), async () => null)).rejects.toMatchObject({ type: "INVALID_CREDENTIALS", message: expect.stringMatching(/unknown credential/) });
	});

	it("refuses a malformed response with a 422 before using the challenge", async () => {
		const { rp, store } = await setup();
		const { challengeId } = await rp.authenticationOptions(null);
		await expect(rp.verifyAuthentication(challengeId, { id: "x" }, async () => null)).rejects.toMatchObject({ type: "VALIDATION_ERROR", code: 422 });
		expect(await store.count({})).toBe(1);
	});
});
