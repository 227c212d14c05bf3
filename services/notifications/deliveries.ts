/**
 * The e-mail delivery queue: a request is recorded first and sent behind, retried with backoff, given up
 * after MAX_ATTEMPTS. Broker-free: the store, the mailer, the link-token issuer, the clock, the metrics and
 * the log come in as ports (test/unit/notifications/deliveries.test.ts passes fakes).
 */
import { randomUUID } from "node:crypto";
import { backoffDelay } from "../../lib/backoff";
import { isDuplicateKeyError } from "../../lib/collection";
import type { EmailRequest, Page } from "../../lib/types";
import { safeErrorMessage } from "./mailer";
import type { DeliveryQueuePorts, DeliveryRecord, DeliveryView, MailSettings } from "./ports";
import { renderEmail } from "./templates";

/** Give up on an e-mail after this many attempts (about a day of backoff). */
export const MAX_ATTEMPTS = 12;
/** How long a node owns a delivery it is sending, so that replicas never send one twice. */
export const CLAIM_MS = 60_000;
const POLL_MS = 2_000;
const BATCH = 20;

export function toDeliveryView(d: DeliveryRecord): DeliveryView {
	return { id: d._id, to: d.to, template: d.template, status: d.status, attempts: d.attempts, lastError: d.lastError, createdAt: new Date(d.createdAt).toISOString() };
}

export class DeliveryQueue {
	private timer?: NodeJS.Timeout;
	private draining?: Promise<void>;
	private stopping = false;

	constructor(
		private readonly ports: DeliveryQueuePorts,
		private readonly settings: MailSettings
	) {}

	private now(): Date {
		return new Date(this.ports.clock.now());
	}

	/**
	 * Records an e-mail and starts sending; never waits for SMTP. `key` (auth's outbox id) becomes the
	 * record's `_id`: the same e-mail handed over again is recognised by it and not queued twice.
	 */
	async enqueue(request: EmailRequest, key?: string): Promise<{ id: string }> {
		const now = this.now();
		const delivery = await this.insertOnce({
			_id: key ?? randomUUID(),
			to: request.to,
			template: request.template,
			data: request.data,
			userId: request.userId ?? null,
			link: request.userId ? (request.link ?? null) : null,
			status: "pending",
			attempts: 0,
			nextAttemptAt: now,
			lockedUntil: null,
			lastError: null,
			createdAt: now,
			sentAt: null
		});
		this.kick();
		return { id: delivery._id };
	}

	private async insertOnce(delivery: DeliveryRecord): Promise<DeliveryRecord> {
		try {
			return await this.ports.store.insert(delivery);
		} catch (err) {
			if (!isDuplicateKeyError(err)) throw err;
			this.ports.count(delivery.template, "duplicate");
			return delivery;
		}
	}

	async failed(page: number, pageSize: number): Promise<Page<DeliveryView>> {
		const { rows, total } = await this.ports.store.failed(page, pageSize);
		return { rows: rows.map(toDeliveryView), total, page, pageSize, totalPages: Math.ceil(total / pageSize) };
	}

	/** Failed e-mails (one by id, or all) queued again with a fresh set of attempts. */
	async retry(id?: string): Promise<{ retried: number }> {
		const retried = await this.ports.store.updateFailed(id, { status: "pending", attempts: 0, nextAttemptAt: this.now(), lockedUntil: null });
		if (retried > 0) this.kick();
		return { retried };
	}

	/** Deliveries left pending by a restart, and retries that come due, are picked up by polling. */
	start(pollMs = POLL_MS): void {
		this.timer = setInterval(() => this.kick(), pollMs);
		this.timer.unref();
		this.kick();
	}

	/** Stops polling and waits for the pass in progress. */
	async stop(): Promise<void> {
		this.stopping = true;
		if (this.timer) clearInterval(this.timer);
		await this.draining;
	}

	/** Resolves when no pass is running (tests). */
	async idle(): Promise<void> {
		while (this.draining) await this.draining;
	}

	/** Starts a pass over due deliveries unless one is already running. */
	kick(): void {
		if (this.stopping || this.draining) return;
		this.draining = this.drain()
			.catch(err => this.ports.logger.error("E-mail delivery pass failed:", safeErrorMessage(err)))
			.finally(() => {
				this.draining = undefined;
			});
	}

	private async drain(): Promise<void> {
		for (;;) {
			if (this.stopping) return;
			const due = await this.ports.store.due(this.now(), BATCH);
			if (due.length === 0) return;
			for (const delivery of due) {
				// Claim it: with several replicas, only the one whose update matched sends it.
				if (await this.ports.store.claim(delivery, new Date(this.ports.clock.now() + CLAIM_MS))) await this.deliver(delivery);
			}
		}
	}

	private async deliver(delivery: DeliveryRecord): Promise<void> {
		const { store, links, mailer, logger } = this.ports;
		const attempts = delivery.attempts + 1;
		try {
			const data = { ...(delivery.data ?? {}) };
			if (delivery.link && delivery.userId) {
				const token = await links.issue(delivery.link, delivery.userId);
				if (token === null) {
					await store.update(delivery._id, { status: "cancelled", data: null, lockedUntil: null });
					this.ports.count(delivery.template, "cancelled");
					return;
				}
				data.token = token;
			}
			const rendered = renderEmail(delivery.template, { appUrl: this.settings.appUrl, data });
			const where = await mailer.send({ from: this.settings.mailFrom, to: delivery.to, ...rendered });
			await store.update(delivery._id, { status: "sent", attempts, sentAt: this.now(), data: null, lockedUntil: null, lastError: null });
			this.ports.count(delivery.template, "sent");
			logger.info(`E-mail '${delivery.template}' to ${delivery.to} sent to ${where}.`);
		} catch (err) {
			const lastError = safeErrorMessage(err);
			const failed = attempts >= MAX_ATTEMPTS;
			const nextAttemptAt = new Date(this.ports.clock.now() + backoffDelay(attempts, undefined, undefined, this.ports.random));
			await store.update(delivery._id, { status: failed ? "failed" : "pending", attempts, lastError, lockedUntil: null, nextAttemptAt });
			this.ports.count(delivery.template, failed ? "failed" : "retry");
			logger.warn(`E-mail '${delivery.template}' to ${delivery.to}: attempt ${attempts} failed (${lastError})${failed ? "; giving up" : "; will retry"}.`);
		}
	}
}
