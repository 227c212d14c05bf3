/**
 * Signing in with a passkey (CONTRACT §4): alone, it is two factors (amr ["hwk","mfa"]) and needs no password;
 * as the second factor of a password login it finishes what `POST /login`'s `mfaToken` began
 * (amr ["pwd","hwk","mfa"]).
 */
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { emailKey } from "../../../lib/email";
import { ApiError, apiError } from "../../../lib/errors";
import type { TokenResponse } from "../../../lib/types";
import { amrFor } from "../mfa/amr";
import { MfaTokens, type PendingMfaChallenge } from "../mfa/mfa-token";
import type { PasskeyRecord } from "../mfa/passkey-credential";
import { CounterWentBack } from "../mfa/webauthn";
import type { AuthKit, ClientInfo } from "../ports";
import { startSession, tokenResponse } from "../sessions";
import { relyingParty } from "./passkeys";

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

function mfaTokenRefused(): ApiError {
	return apiError("INVALID_TOKEN", "The sign-in expired or was already finished; sign in with your password again");
}

async function pendingLogin(kit: AuthKit, mfaToken: string | undefined): Promise<PendingMfaChallenge | null> {
	if (mfaToken === undefined) return null;
	const pending = await new MfaTokens(kit.stores.mfaChallenges, kit.clock).find(mfaToken);
	if (!pending) throw mfaTokenRefused();
	return pending;
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
	const pending = await pendingLogin(kit, mfaToken);
	if (pending) {
		const passkeys = await kit.stores.passkeys.find({ userId: pending.userId });
		if (passkeys.length === 0) throw apiError("VALIDATION_ERROR", "This account has no passkey", [{ field: "mfaToken", type: "passkey", message: "This account has no passkey" }]);
		return rp.authenticationOptions({ userId: pending.userId, passkeys });
	}
	if (email === undefined) return rp.authenticationOptions(null);
	const address = emailKey(email);
	const user = await kit.users.findByEmail(address);
	const passkeys = user ? await kit.stores.passkeys.find({ userId: user.id }) : [];
	if (user && passkeys.length > 0) return rp.authenticationOptions({ userId: user.id, passkeys });
	const decoy = { credentialId: kit.passkeyDecoys.credentialIdFor(address), publicKey: "", counter: 0, transports: ["internal"] };
	return rp.authenticationOptions({ userId: NOBODY, passkeys: [decoy] });
}

/** A refused assertion: audited (a counter that went back as a likely clone), and it counts against the mfaToken. */
async function refused(kit: AuthKit, err: unknown, mfaToken: string | undefined): Promise<void> {
	if (err instanceof CounterWentBack) {
		const { userId, credentialId, counter } = err.passkey;
		await kit.audit.record({ type: "passkey.cloned", outcome: "failure", subjectId: userId, details: { credentialId, storedCounter: counter, presentedCounter: err.presentedCounter } });
	}
	if (!(err instanceof ApiError) || err.type !== "INVALID_CREDENTIALS") return;
	kit.metrics.count("logins", { result: "invalid_credentials" });
	await kit.audit.record({ type: "login", outcome: "failure", details: { reason: "passkey_refused", method: "passkey" } });
	if (mfaToken !== undefined) await new MfaTokens(kit.stores.mfaChallenges, kit.clock).recordFailure(mfaToken);
}

/** Checks the assertion, moves the passkey's counter (compare-and-set) and starts a session. */
export async function signInWithPasskey(kit: AuthKit, { challengeId, response, mfaToken }: PasskeySignIn, client: ClientInfo): Promise<TokenResponse> {
	const pending = await pendingLogin(kit, mfaToken);
	const found: { passkey?: PasskeyRecord | null } = {};
	let newCounter: number;
	try {
		const findPasskey = async (credentialId: string) => (found.passkey = await kit.stores.passkeys.findOne({ credentialId }));
		({ newCounter } = await relyingParty(kit).verifyAuthentication(challengeId, response, findPasskey));
		if (pending && found.passkey?.userId !== pending.userId) throw apiError("INVALID_CREDENTIALS", "The passkey was not accepted: the credential belongs to another account");
	} catch (err) {
		await refused(kit, err, mfaToken);
		throw err;
	}
	const passkey = found.passkey as PasskeyRecord;
	// Of two sign-ins presenting the same counter value (a replay raced, or a clone), only one moves it.
	const now = new Date(kit.clock.now());
	const moved = await kit.stores.passkeys.updateMany({ _id: passkey._id, counter: passkey.counter }, { $set: { counter: newCounter, lastUsedAt: now } });
	if (moved !== 1) throw apiError("INVALID_CREDENTIALS", "The passkey was not accepted: it was used at the same time elsewhere");
	if (mfaToken !== undefined && !(await new MfaTokens(kit.stores.mfaChallenges, kit.clock).spend(mfaToken))) throw mfaTokenRefused();

	const user = await kit.users.getById(passkey.userId);
	if (!user) throw apiError("INVALID_CREDENTIALS");
	const refusal = user.status !== "active" ? "ACCOUNT_DISABLED" : kit.settings.emailVerificationRequired && !user.emailVerified ? "EMAIL_NOT_VERIFIED" : null;
	if (refusal) {
		kit.metrics.count("logins", { result: refusal.toLowerCase() });
		await kit.audit.record({ type: "login", outcome: "failure", subjectId: user.id, details: { reason: refusal.toLowerCase(), method: "passkey" } });
		throw apiError(refusal);
	}
	const amr = amrFor(pending ? [...pending.factors, "passkey"] : ["passkey"]);
	const { session, secret } = await startSession(kit, user.id, client, amr);
	const signedIn = await kit.users.recordLogin(user.id);
	kit.metrics.count("logins", { result: "success" });
	await kit.audit.record({ type: "login", subjectId: user.id, actorId: user.id, details: { sessionId: session._id, method: "passkey", passkeyId: passkey._id, amr } });
	return tokenResponse(kit, signedIn, session._id, secret, amr);
}
