/**
 * E-mails and in-app notices go to `notifications` through the outbox (./outbox.ts): the mail port writes
 * them into auth's store before the request is answered, and the relay hands them over behind, until
 * `notifications` has taken them — through crashes, NATS restarts and a `notifications` that is away.
 */
import type { Service } from "moleculer";
import type { Collection } from "../../lib/collection";
import { OUTBOX_DEPTH } from "../../lib/metrics";
import type { PublicUser } from "../../lib/user-schema";
import type { MetricsMixinMethods } from "../../mixins/metrics.mixin";
import { linkEmailFor } from "./flows/links";
import { Outbox, type OutboxRecord } from "./outbox";
import type { AuthKit, MailPort } from "./ports";

/** A hand-over is given up (and retried by the outbox) after this long: well inside the outbox lease. */
const HAND_OVER_TIMEOUT_MS = 5_000;

/** The outbox relay of an auth replica: hands messages to `notifications` over the broker. */
export function outboxRelay(service: Service & MetricsMixinMethods, store: Collection<OutboxRecord>, kit: AuthKit): Outbox {
	const metrics = service.broker.isMetricsEnabled() ? service.broker.metrics : null;
	if (metrics && !metrics.getMetric(OUTBOX_DEPTH.name)) metrics.register({ type: "gauge", ...OUTBOX_DEPTH });
	return new Outbox({
		store,
		handOver: (action, params) => service.broker.call(action, params, { timeout: HAND_OVER_TIMEOUT_MS }),
		resolveLink: (kind, address) => linkEmailFor(kit, kind, address),
		clock: kit.clock,
		count: result => service.countMetric("outbox", { result }),
		depth: pending => metrics?.set(OUTBOX_DEPTH.name, pending),
		logger: service.logger
	});
}

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
