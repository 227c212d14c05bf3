/**
 * E-mails and in-app notices go to `notifications` through the outbox (./outbox.ts): the mail port writes
 * them into auth's store before the request is answered, and the relay hands them over behind, until
 * `notifications` has taken them — through crashes, NATS restarts and a `notifications` that is away.
 */
import type { PublicUser } from "../../lib/user-schema";
import type { Outbox } from "./outbox";
import type { MailPort } from "./ports";

export function outboxMailPort(outbox: Pick<Outbox, "add">): MailPort {
	return {
		sendEmail: email => outbox.add({ action: "send", email }),
		notifyInApp: notice => outbox.add({ action: "notify", notice }),
		sendLinkTo: (kind, address) => outbox.add({ action: "link", kind, address })
	};
}

/** A security event is told to the user twice: by e-mail and in the app (CONTRACT §2, notifications). */
export async function securityNotice(mail: MailPort, user: PublicUser, template: "password-changed" | "sessions-ended", title: string, body: string): Promise<void> {
	await mail.sendEmail({ to: user.email, template, data: { displayName: user.displayName }, userId: user.id });
	await mail.notifyInApp({ userId: user.id, type: template, title, body });
}
