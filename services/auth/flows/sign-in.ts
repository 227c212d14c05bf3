/**
 * The last step of every way of signing in (password, magic link, either + second factor, passkey): a session that
 * remembers what the user showed (`amr`, RFC 8176, carried through refresh), the login recorded, tokens.
 */
import type { AuthFactor, MfaMethod } from "../../../lib/enums";
import type { MfaChallengeResponse, TokenResponse } from "../../../lib/types";
import type { PublicUser } from "../../../lib/user-schema";
import { amrFor } from "../mfa/amr";
import type { AuthKit, ClientInfo } from "../ports";
import { startSession, tokenResponse } from "../sessions";

/** What each way of signing in shows: the factors its `amr` is made from (services/auth/mfa/amr.ts). */
export const SIGN_IN_FACTORS = {
	password: ["password"],
	/** The inbox proves the user (README, Magic links). */
	magicLink: ["magic-link"],
	/** Another OpenID provider vouched for the user (services/auth/federation). */
	provider: ["provider"],
	passwordAndTotp: ["password", "totp"],
	passwordAndRecoveryCode: ["password", "recovery-code"],
	passwordAndPasskey: ["password", "passkey"],
	/** A passkey alone: possession and user verification, two factors in one gesture (`["hwk","mfa"]`). */
	passkey: ["passkey"]
} as const satisfies Record<string, readonly AuthFactor[]>;

export async function completeSignIn(kit: AuthKit, user: PublicUser, factors: readonly AuthFactor[], client: ClientInfo): Promise<TokenResponse> {
	const amr = amrFor(factors);
	// Independent writes (auth's sessions, users' account), made at once.
	const [{ session, secret }, signedIn] = await Promise.all([startSession(kit, user.id, client, amr), kit.users.recordLogin(user.id)]);
	kit.metrics.count("logins", { result: "success" });
	await kit.audit.record({ type: "login", subjectId: user.id, actorId: user.id, details: { sessionId: session._id, amr } });
	return tokenResponse(kit, signedIn, session, secret);
}

/**
 * After a first factor (password, magic link): with a second factor enrolled (`methods`), only an mfaToken
 * that ./login-mfa.ts finishes with the factors shown so far; else the sign-in completes at once.
 */
export async function signInOrChallenge(
	kit: AuthKit,
	user: PublicUser,
	factors: readonly AuthFactor[],
	methods: MfaMethod[],
	client: ClientInfo
): Promise<TokenResponse | MfaChallengeResponse> {
	if (methods.length === 0) return completeSignIn(kit, user, factors, client);
	const { mfaToken } = await kit.factors.mfaTokens.issue(user.id, methods, [...factors]);
	kit.metrics.count("logins", { result: "mfa_required" });
	await kit.audit.record({ type: `login.${factors.join("+")}`, subjectId: user.id, actorId: user.id, details: { methods } });
	return { mfaRequired: true, mfaToken, methods };
}
