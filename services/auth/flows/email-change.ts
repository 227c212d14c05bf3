/**
 * Changing the e-mail address: asked with the password, confirmed from the new address (a one-time link minted
 * when the e-mail is sent), announced to the old one; on confirmation the other sessions end.
 */
import { emailKey } from "../../../lib/email";
import { apiError, invalidLink } from "../../../lib/errors";
import { LINK_TTL_MS, type AuthUser } from "../../../lib/types";
import type { PublicUser } from "../../../lib/user-schema";
import { pendingEmailChange } from "../email-changes";
import { passwordMatches } from "../password/credentials";
import type { AuthKit } from "../ports";
import { consumeLink } from "./links";
import { endSessions } from "./sessions";
import { requireStepUp } from "./step-up";

export async function requestEmailChange(kit: AuthKit, caller: AuthUser, { newEmail, password, code }: { newEmail: string; password: string; code?: string }): Promise<null> {
	const { id: userId, sid } = caller;
	if (!(await passwordMatches(kit, userId, password))) {
		await kit.audit.record({ type: "email.change.request", outcome: "failure", subjectId: userId, details: { reason: "invalid_credentials" } });
		throw apiError("INVALID_CREDENTIALS", "The password is wrong");
	}
	await requireStepUp(kit, userId, code, "email.change.request");
	const user = await kit.users.getById(userId);
	if (!user) throw apiError("NOT_FOUND");
	if (emailKey(user.email) === emailKey(newEmail)) {
		throw apiError("VALIDATION_ERROR", "That is already the account's address", [{ field: "newEmail", type: "unchanged", message: "The new address is the current one" }]);
	}
	if (await kit.users.findByEmail(newEmail)) throw apiError("EMAIL_TAKEN");

	await kit.stores.emailChanges.removeById(userId);
	await kit.stores.emailChanges.insert({ _id: userId, newEmail, sessionId: sid, expiresAt: new Date(kit.clock.now() + LINK_TTL_MS["email-change"]) });
	await kit.mail.sendEmail({ to: newEmail, template: "email-change", data: { displayName: user.displayName }, userId, link: "email-change" });
	await kit.mail.sendEmail({ to: user.email, template: "email-change-notice", data: { displayName: user.displayName, newEmail }, userId });
	await kit.audit.record({ type: "email.change.request", subjectId: userId, details: { newEmail } });
	return null;
}

export async function confirmEmailChange(kit: AuthKit, { token }: { token: string }): Promise<PublicUser> {
	const userId = await consumeLink(kit, "email-change", token);
	const change = await pendingEmailChange(kit, userId);
	if (!change) throw invalidLink();
	const previous = await kit.users.getById(userId);
	const user = await kit.users.setEmail(userId, change.newEmail);
	await kit.stores.emailChanges.removeById(userId);
	const ended = await endSessions(kit, change.sessionId ? { userId, _id: { $ne: change.sessionId } } : { userId });
	await kit.audit.record({ type: "email.change", subjectId: userId, actorId: userId, details: { from: previous?.email ?? null, to: user.email, sessions: ended } });
	await kit.mail.notifyInApp({ userId, type: "email-changed", title: "Your e-mail address was changed", body: `It is now ${user.email}; your other sessions were ended.` });
	return user;
}
