/** Forgotten, reset and changed passwords, and re-authentication for the other services. */
import { emailKey } from "../../../lib/email";
import { apiError, invalidLink } from "../../../lib/errors";
import type { AuthUser } from "../../../lib/types";
import { ensurePasswordPolicy, passwordMatches, setPassword } from "../password/credentials";
import { securityNotice } from "../hand-over";
import type { AuthKit } from "../ports";
import { consumeLink } from "./links";
import { requireStepUp } from "./step-up";
import { endSessions } from "./sessions";

/**
 * Answered at once and alike whether or not the account exists: the request itself is written to the
 * outbox (the same write for any address) before the answer, and the relay decides who gets an e-mail.
 */
export async function forgotPassword(kit: AuthKit, { email }: { email: string }): Promise<null> {
	await kit.mail.sendLinkTo("password-reset", email);
	kit.background.run("password reset audit", async () => {
		const user = await kit.users.findByEmail(email);
		await kit.audit.record({ type: "password.forgot", subjectId: user?.id ?? null, details: { address: emailKey(email), known: !!user } });
	});
	return null;
}

/** A new password from the reset link: every session ends and the address's login lock is lifted. */
export async function resetPassword(kit: AuthKit, { token, password }: { token: string; password: string }): Promise<null> {
	ensurePasswordPolicy(password);
	const userId = await consumeLink(kit, "password-reset", token);
	const user = await kit.users.getById(userId);
	if (!user) throw invalidLink();
	await setPassword(kit, userId, password);
	const ended = await endSessions(kit, { userId });
	await kit.audit.record({ type: "password.reset", subjectId: userId, actorId: userId, details: { sessions: ended } });
	await kit.stores.throttles.removeById(emailKey(user.email));
	await securityNotice(kit.mail, user, "password-changed", "Your password was changed", "Your password was reset and every session was ended.");
	return null;
}

/** A new password from a signed-in user who knows the current one (and, with TOTP on, a code): the other sessions end. */
export async function changePassword(kit: AuthKit, caller: AuthUser, { currentPassword, newPassword, code }: { currentPassword: string; newPassword: string; code?: string }): Promise<null> {
	const { id: userId, sid } = caller;
	if (!(await passwordMatches(kit, userId, currentPassword))) {
		await kit.audit.record({ type: "password.change", outcome: "failure", subjectId: userId, details: { reason: "invalid_credentials" } });
		throw apiError("INVALID_CREDENTIALS", "The current password is wrong");
	}
	ensurePasswordPolicy(newPassword);
	await requireStepUp(kit, userId, code, "password.change");
	await setPassword(kit, userId, newPassword);
	const ended = await endSessions(kit, { userId, _id: { $ne: sid } });
	await kit.audit.record({ type: "password.change", subjectId: userId, details: { sessions: ended } });
	const user = await kit.users.getById(userId);
	if (user) await securityNotice(kit.mail, user, "password-changed", "Your password was changed", "Your other sessions were ended.");
	return null;
}

/**
 * Re-authentication for `users` (account deletion): false for a wrong password; with TOTP on, also a current
 * `code` (403 MFA_REQUIRED without one, 422 INVALID_MFA_CODE when wrong).
 */
export async function checkPassword(kit: AuthKit, { userId, password, code }: { userId: string; password: string; code?: string }): Promise<boolean> {
	if (!(await passwordMatches(kit, userId, password))) return false;
	await requireStepUp(kit, userId, code, "account.delete");
	return true;
}
