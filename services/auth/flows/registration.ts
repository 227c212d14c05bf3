/** Registration: create the account, keep its password, verify the address by e-mail. */
import { invalidLink } from "../../../lib/errors";
import type { PublicUser } from "../../../lib/user-schema";
import type { AuthKit } from "../ports";
import { ensurePasswordPolicy, setPassword } from "../password/credentials";
import { consumeLink, sendLink } from "./links";

export interface Registration {
	email: string;
	password: string;
	displayName?: string;
	locale?: string;
}

export async function register(kit: AuthKit, { email, password, displayName, locale }: Registration): Promise<PublicUser> {
	const refuse = async (reason: string, err: unknown): Promise<never> => {
		kit.metrics.count("registrations", { result: reason });
		await kit.audit.record({ type: "register", outcome: "failure", details: { reason } });
		throw err;
	};
	try {
		ensurePasswordPolicy(password);
	} catch (err) {
		return refuse("weak_password", err);
	}
	let user: PublicUser;
	try {
		user = await kit.users.create({ email, displayName, locale });
	} catch (err) {
		return refuse((err as { type?: string }).type === "EMAIL_TAKEN" ? "email_taken" : "error", err);
	}
	try {
		await setPassword(kit, user.id, password);
	} catch (err) {
		await kit.users.discard(user.id);
		throw err;
	}
	kit.metrics.count("registrations", { result: "created" });
	await kit.audit.record({ type: "register", subjectId: user.id, actorId: user.id });
	await sendLink(kit, "verify-email", user);
	return user;
}

/** The first verification welcomes the user; a repeated one (a second link) only answers the user. */
export async function verifyEmail(kit: AuthKit, { token }: { token: string }): Promise<PublicUser> {
	const userId = await consumeLink(kit, "verify-email", token);
	const before = await kit.users.getById(userId);
	if (!before) throw invalidLink();
	const user = await kit.users.markVerified(userId);
	if (!before.emailVerified) {
		await kit.mail.sendEmail({ to: user.email, template: "welcome", data: { displayName: user.displayName }, userId });
	}
	await kit.audit.record({ type: "email.verify", subjectId: userId, actorId: userId });
	return user;
}

/** Answered at once and alike whether or not the account exists: see forgotPassword (passwords.ts). */
export async function resendVerification(kit: AuthKit, { email }: { email: string }): Promise<null> {
	await kit.mail.sendLinkTo("verify-email", email);
	return null;
}
