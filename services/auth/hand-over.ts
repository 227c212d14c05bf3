/**
 * E-mails and in-app notices are handed over to `notifications`, which queues and delivers them. If no replica
 * can take one now (starting, restarting, unreachable), it is retried in the background with backoff for
 * about a minute, so the request neither waits nor fails.
 */
import { backoffDelay } from "../../lib/backoff";
import type { PublicUser } from "../../lib/user-schema";
import type { BackgroundPort, MailPort } from "./ports";

/** Background attempts to hand an e-mail to `notifications` (about a minute of backoff). */
export const HAND_OVER_ATTEMPTS = 8;

export interface HandOverRoute {
	/** The call within the request (its meta and tracing). */
	call(action: string, params: object): Promise<unknown>;
	/** A later attempt, after the request has been answered. */
	callLater(action: string, params: object): Promise<unknown>;
	warn(message: string): void;
	background: BackgroundPort;
	/** True once the service is stopping: background attempts give up. */
	stopping(): boolean;
	/** Waits before attempt `attempt` (1-based). */
	pause?(attempt: number): Promise<void>;
}

const backoffPause = (attempt: number): Promise<void> => new Promise(resolve => setTimeout(resolve, backoffDelay(attempt, 500, 15_000)).unref());

export async function handOver(route: HandOverRoute, action: string, params: object, what: string): Promise<void> {
	try {
		await route.call(action, params);
		return;
	} catch (err) {
		route.warn(`Could not hand over ${what} yet (${(err as Error).message}); retrying in the background.`);
	}
	const pause = route.pause ?? backoffPause;
	route.background.run(`hand-over of ${what}`, async () => {
		for (let attempt = 1; ; attempt++) {
			await pause(attempt);
			try {
				await route.callLater(action, params);
				return;
			} catch (err) {
				if (attempt >= HAND_OVER_ATTEMPTS || route.stopping()) throw err;
			}
		}
	});
}

export function mailPort(route: HandOverRoute): MailPort {
	return {
		sendEmail: request => handOver(route, "notifications.send", request, `the '${request.template}' e-mail`),
		notifyInApp: notice => handOver(route, "notifications.notify", notice, `the '${notice.type}' notification`)
	};
}

/** A security event is told to the user twice: by e-mail and in the app (CONTRACT §2, notifications). */
export async function securityNotice(mail: MailPort, user: PublicUser, template: "password-changed" | "sessions-ended", title: string, body: string): Promise<void> {
	await mail.sendEmail({ to: user.email, template, data: { displayName: user.displayName }, userId: user.id });
	await mail.notifyInApp({ userId: user.id, type: template, title, body });
}
