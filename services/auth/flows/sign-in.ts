/**
 * The last step of every way of signing in (password, password + second factor, passkey): a session that
 * remembers what the user showed (`amr`, RFC 8176, carried through refresh), the login recorded, tokens.
 */
import type { AuthFactor } from "../../../lib/enums";
import type { TokenResponse } from "../../../lib/types";
import type { PublicUser } from "../../../lib/user-schema";
import { amrFor } from "../mfa/amr";
import type { AuthKit, ClientInfo } from "../ports";
import { startSession, tokenResponse } from "../sessions";

/** What each way of signing in shows: the factors its `amr` is made from (services/auth/mfa/amr.ts). */
export const SIGN_IN_FACTORS = {
	password: ["password"],
	passwordAndTotp: ["password", "totp"],
	passwordAndRecoveryCode: ["password", "recovery-code"],
	passwordAndPasskey: ["password", "passkey"],
	/** A passkey alone: possession and user verification, two factors in one gesture (`["hwk","mfa"]`). */
	passkey: ["passkey"]
} as const satisfies Record<string, readonly AuthFactor[]>;

export async function completeSignIn(kit: AuthKit, user: PublicUser, factors: readonly AuthFactor[], client: ClientInfo): Promise<TokenResponse> {
	const amr = amrFor(factors);
	const { session, secret } = await startSession(kit, user.id, client, amr);
	const signedIn = await kit.users.recordLogin(user.id);
	kit.metrics.count("logins", { result: "success" });
	await kit.audit.record({ type: "login", subjectId: user.id, actorId: user.id, details: { sessionId: session._id, amr } });
	return tokenResponse(kit, signedIn, session, secret);
}
