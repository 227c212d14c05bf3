/**
 * Signing in with a passkey (CONTRACT §4): alone, it is two factors (amr ["hwk","mfa"]) and needs no password;
 * as the second factor of a password login it finishes what `POST /login`'s `mfaToken` began, through
 * `finishMfaLogin` like a TOTP code (amr ["pwd","hwk","mfa"]; a refused passkey is then 401 INVALID_MFA_CODE
 * and counts against the token and the address's throttle).
 */
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { emailKey } from "../../../lib/email";
import { ApiError, apiError } from "../../../lib/errors";
import type { TokenResponse } from "../../../lib/types";
import type { PasskeyRecord } from "../mfa/passkey-credential";
import { CounterWentBack } from "../mfa/webauthn";
import type { AuthKit, ClientInfo } from "../ports";
import { deadMfaToken, finishMfaLogin } from "./login-mfa";
import { relyingParty } from "./passkeys";
import { completeSignIn, SIGN_IN_FACTORS } from "./sign-in";

/** A challenge for an address without passkeys names this user: no passkey belongs to it, so none is accepted. */
const NOBODY = "";

export interface PasskeySignInStart {
	email?: string;
	/** From `POST /login`: the passkey is then the second factor after the password. */
	mfaToken?: string;
}

export interface PasskeySignIn {
	challengeId: string;
	response: unknown;
	mfaToken?: string;
}

/**
 * Request options. No e-mail: the browser offers the discoverable passkeys it holds. An e-mail: that
 * account's passkeys by ID; an address with none (or no account) gets a decoy ID, stable per address, so the
 * answer never tells whether an account exists. An `mfaToken`: the passkeys of the user signing in.
 */
export async function passkeySignInOptions(kit: AuthKit, { email, mfaToken }: PasskeySignInStart): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
	if (email !== undefined && mfaToken !== undefined) {
		throw apiError("VALIDATION_ERROR", "Give an email or an mfaToken, not both", [{ field: "mfaToken", type: "forbidden", message: "Give an email or an mfaToken, not both" }]);
	}
	const rp = relyingParty(kit);
	if (mfaToken !== undefined) {
		const pending = await kit.factors.mfaTokens.find(mfaToken);
		if (!pending) throw deadMfaToken();
		const passkeys = await kit.factors.passkeys.find({ userId: pending.userId });
		if (passkeys.length === 0) throw apiError("VALIDATION_ERROR", "This account has no passkey", [{ field: "mfaToken", type: "passkey", message: "This account has no passkey" }]);
		return rp.authenticationOptions({ userId: pending.userId, passkeys });
	}
	if (email === undefined) return rp.authenticationOptions(null);
	const address = emailKey(email);
	const user = await kit.users.findByEmail(address);
	const passkeys = user ? await kit.factors.passkeys.find({ userId: user.id }) : [];
	if (user && passkeys.length > 0) return rp.authenticationOptions({ userId: user.id, passkeys });
	const decoy = { credentialId: kit.passkeyDecoys.credentialIdFor(address), publicKey: "", counter: 0, transports: ["internal"] };
	return rp.authenticationOptions({ userId: NOBODY, passkeys: [decoy] });
}

function isRefusal(err: unknown): err is ApiError {
	return err instanceof ApiError && err.type === "INVALID_CREDENTIALS";
}

/**
 * Checks the assertion (only `owner`'s passkeys, when given) and moves the passkey's counter with a
 * compare-and-set: the passkey, or 401 INVALID_CREDENTIALS. A counter that went back is audited as a likely clone.
 */
async function verifiedPasskey(kit: AuthKit, { challengeId, response }: PasskeySignIn, owner?: string): Promise<PasskeyRecord> {
	const found: { passkey?: PasskeyRecord | null } = {};
	let newCounter: number;
	try {
		const findPasskey = async (credentialId: string) => (found.passkey = await kit.factors.passkeys.findOne({ credentialId, ...(owner === undefined ? {} : { userId: owner }) }));
		({ newCounter } = await relyingParty(kit).verifyAuthentication(challengeId, response, findPasskey));
	} catch (err) {
		if (err instanceof CounterWentBack) {
			const { userId, credentialId, counter } = err.passkey;
			await kit.audit.record({ type: "passkey.cloned", outcome: "failure", subjectId: userId, details: { credentialId, storedCounter: counter, presentedCounter: err.presentedCounter } });
		}
		throw err;
	}
	const passkey = found.passkey as PasskeyRecord;
	// Of two sign-ins presenting the same counter value (a replay raced, or a clone), only one moves it.
	const moved = await kit.factors.passkeys.updateMany({ _id: passkey._id, counter: passkey.counter }, { $set: { counter: newCounter, lastUsedAt: new Date(kit.clock.now()) } });
	if (moved !== 1) throw apiError("INVALID_CREDENTIALS", "The passkey was not accepted: it was used at the same time elsewhere");
	return passkey;
}

/** The second step of a password login: the passkey must be the token's user's own. */
async function passkeyOfUser(kit: AuthKit, input: PasskeySignIn, userId: string): Promise<boolean> {
	try {
		return (await verifiedPasskey(kit, input, userId)).userId === userId;
	} catch (err) {
		if (isRefusal(err)) return false;
		throw err;
	}
}

/** Tokens for a passkey alone, or (with an `mfaToken`) for the password login it finishes. */
export async function signInWithPasskey(kit: AuthKit, input: PasskeySignIn, client: ClientInfo): Promise<TokenResponse> {
	if (input.mfaToken !== undefined) {
		return (await finishMfaLogin(kit, input.mfaToken, "passkey", userId => passkeyOfUser(kit, input, userId), client)).tokens;
	}
	let passkey: PasskeyRecord;
	try {
		passkey = await verifiedPasskey(kit, input);
	} catch (err) {
		if (isRefusal(err)) {
			kit.metrics.count("logins", { result: "invalid_credentials" });
			await kit.audit.record({ type: "login", outcome: "failure", details: { reason: "passkey_refused", method: "passkey" } });
		}
		throw err;
	}
	const user = await kit.users.getById(passkey.userId);
	if (!user) throw apiError("INVALID_CREDENTIALS");
	const refusal = user.status !== "active" ? "ACCOUNT_DISABLED" : kit.settings.emailVerificationRequired && !user.emailVerified ? "EMAIL_NOT_VERIFIED" : null;
	if (refusal) {
		kit.metrics.count("logins", { result: refusal.toLowerCase() });
		await kit.audit.record({ type: "login", outcome: "failure", subjectId: user.id, details: { reason: refusal.toLowerCase(), method: "passkey" } });
		throw apiError(refusal);
	}
	return completeSignIn(kit, user, SIGN_IN_FACTORS.passkey, client);
}
