/** Signing in with a one-time link sent by e-mail (CONTRACT §6): no password, the inbox is the proof. */
import { emailKey } from "../../../lib/email";
import { apiError, invalidLink } from "../../../lib/errors";
import type { MfaChallengeResponse, TokenResponse } from "../../../lib/types";
import { loginMethods } from "../mfa/second-factors";
import type { AuthKit, ClientInfo } from "../ports";
import { consumeLink, sendLink } from "./links";
import { SIGN_IN_FACTORS, signInOrChallenge } from "./sign-in";

/** MAGIC_LINK_ENABLED=false: the routes are not there. */
function ensureEnabled(kit: AuthKit): void {
	if (!kit.settings.magicLinkEnabled) throw apiError("NOT_FOUND", "Sign-in by e-mail link is turned off");
}

/**
 * Answered at once and alike whether or not the account exists (like forgotPassword); the e-mail goes out
 * behind, at most once per resend interval, and its token is minted as it is sent.
 */
export function requestMagicLink(kit: AuthKit, { email }: { email: string }): null {
	ensureEnabled(kit);
	kit.background.run("magic link", async () => {
		const user = await kit.users.findByEmail(email);
		await kit.audit.record({ type: "magic-link.request", subjectId: user?.id ?? null, details: { address: emailKey(email), known: !!user } });
		if (!user || user.status !== "active") return;
		await sendLink(kit, "magic-link", user);
	});
	return null;
}

/**
 * Spends the link and signs in. Opening it proves the address, so an unverified one becomes verified. A
 * disabled account is refused after the link is spent (it was the owner's link). With a second factor
 * enrolled, the link stands in for the password only: the answer is an mfaToken for `POST /login/mfa`.
 */
export async function verifyMagicLink(kit: AuthKit, { token }: { token: string }, client: ClientInfo): Promise<TokenResponse | MfaChallengeResponse> {
	ensureEnabled(kit);
	const userId = await consumeLink(kit, "magic-link", token);
	let user = await kit.users.getById(userId);
	if (!user) throw invalidLink();
	if (user.status !== "active") {
		kit.metrics.count("logins", { result: "account_disabled" });
		await kit.audit.record({ type: "login", outcome: "failure", subjectId: user.id, details: { reason: "account_disabled", method: "magic-link" } });
		throw apiError("ACCOUNT_DISABLED");
	}
	if (!user.emailVerified) user = await kit.users.markVerified(user.id);
	const answer = await signInOrChallenge(kit, user, SIGN_IN_FACTORS.magicLink, await loginMethods(kit.factors, user.id), client);
	await kit.mail.notifyInApp({ userId: user.id, type: "magic-link-sign-in", title: "Signed in with an e-mail link", body: "Someone signed in to your account with a link sent to your e-mail address. If this was not you, end all sessions and change your password." });
	return answer;
}
