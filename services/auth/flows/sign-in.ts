/** The end every way of signing in shares (password, magic link, later a second factor): a session and its tokens. */
import type { AuthFactor } from "../../../lib/enums";
import type { TokenResponse } from "../../../lib/types";
import type { PublicUser } from "../../../lib/user-schema";
import type { AuthKit, ClientInfo } from "../ports";
import { startSession, tokenResponse } from "../sessions";

/** Starts a session for a user who proved who they are with `factors`; counts and audits the login. */
export async function finishSignIn(kit: AuthKit, user: PublicUser, client: ClientInfo, factors: readonly AuthFactor[]): Promise<TokenResponse> {
	const { session, secret } = await startSession(kit, user.id, client);
	const signedIn = await kit.users.recordLogin(user.id);
	kit.metrics.count("logins", { result: "success" });
	// A password login's entry stays as it was; other ways name theirs.
	const details: Record<string, string> = factors.includes("password") ? { sessionId: session._id } : { sessionId: session._id, method: factors.join("+") };
	await kit.audit.record({ type: "login", subjectId: user.id, actorId: user.id, details });
	return tokenResponse(kit, signedIn, session._id, secret);
}
