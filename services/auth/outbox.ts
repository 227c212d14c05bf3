/**
 * The durable hand-over of e-mails and in-app notices to `notifications` (CONTRACT §7): a flow writes the
 * message into auth's own store (`mail_outbox`) before the request is answered, and this relay hands it
 * over — at once and, for what is left after a crash, a NATS restart or `notifications`
 * being away, by polling — until `notifications` has acknowledged it; only then is the row removed. Each
 * message carries its row's id as idempotency key, which `notifications` stores as the record's `_id`, so a
 * message relayed twice (a lost acknowledgement, an expired lease) is queued once. Replicas claim a row with
 * a lease before relaying it. Nothing gives up with time: a row is retried, with backoff capped at
 * `retryMaxMs`, until it is taken; only a permanent refusal (a validation error) stops it.
 * Broker-free: the store, the hand-over, the link resolution, the clock, metrics and log are ports.
 */
import { randomUUID } from "node:crypto";
import { backoffDelay } from "../../lib/backoff";
import type { Clock } from "../../lib/clock";
import type { Collection } from "../../lib/collection";
import type { LinkKind } from "../../lib/enums";
import type { EmailRequest, InAppRequest } from "../../lib/types";

/** Links that may be asked for by address alone (forgotten password, resent verification). */
export type AddressLinkKind = Extract<LinkKind, "verify-email" | "password-reset">;

/**
 * What is to be handed over. `link` is a request by address: who (if anyone) gets the e-mail is decided by
 * the relay, so that the request writes the same row, in the same time, whether or not the address is known.
 */
export type OutboxMessage =
	| { action: "send"; email: EmailRequest }
	| { action: "notify"; notice: InAppRequest }
	| { action: "link"; kind: AddressLinkKind; address: string };

export interface OutboxRecord {
	_id: string; // the idempotency key the message is handed over with
	message: OutboxMessage;
	/** `refused`: notifications refused it as invalid; kept for operators, never retried. */
	status: "pending" | "refused";
	attempts: number;
	nextAttemptAt: Date;
	/** The lease of the replica relaying it now. */
	lockedUntil: Date | null;
	lastError: string | null;
	createdAt: Date;
}

export type OutboxResult = "relayed" | "dropped" | "retry" | "refused";

export interface OutboxPorts {
	store: Collection<OutboxRecord>;
	/** Calls `notifications` (with a short timeout); resolves once it has taken the message. */
	handOver(action: "notifications.send" | "notifications.notify", params: object): Promise<unknown>;
	/** The e-mail a link request by address comes to, or null when nobody is to get one. */
	resolveLink(kind: AddressLinkKind, address: string): Promise<EmailRequest | null>;
	clock: Clock;
	count(result: OutboxResult): void;
	/** How many messages wait (the depth gauge), reported at each poll. */
	depth?(pending: number): void;
	logger: { warn(...args: unknown[]): void; error(...args: unknown[]): void };
	random?: () => number;
}

export interface OutboxTiming {
	pollMs: number;
	/** How long a replica owns a row it relays; longer than a hand-over's timeout. */
	leaseMs: number;
	retryBaseMs: number;
	retryMaxMs: number;
}

export const OUTBOX_TIMING: OutboxTiming = { pollMs: 2_000, leaseMs: 30_000, retryBaseMs: 1_000, retryMaxMs: 30_000 };
const BATCH = 20;

/** A refusal that no retry can change: the message itself is wrong. */
function isPermanent(err: unknown): boolean {
	const e = err as { name?: string; type?: string } | null;
	return e?.name === "ValidationError" || e?.type === "VALIDATION_ERROR";
}

export class Outbox {
	private timer?: NodeJS.Timeout;
	private draining?: Promise<void>;
	private stopping = false;

	constructor(
		private readonly ports: OutboxPorts,
		private readonly timing: OutboxTiming = OUTBOX_TIMING
	) {}

	private now(): Date {
		return new Date(this.ports.clock.now());
	}

	/**
	 * Writes the message; the answer may be given once this resolves. An e-mail or notice is handed over at
	 * once too, under a lease taken with the write (so the relay leaves it alone), as before the outbox: it is
	 * usually at `notifications` by the time the request is answered. A link request by address is only
	 * written here (its resolution must not cost the request time) and relayed behind.
	 */
	async add(message: OutboxMessage): Promise<void> {
		const now = this.now();
		const handNow = message.action !== "link";
		const row: OutboxRecord = {
			_id: randomUUID(),
			message,
			status: "pending",
			attempts: 0,
			nextAttemptAt: now,
			lockedUntil: handNow ? new Date(now.getTime() + this.timing.leaseMs) : null,
			lastError: null,
			createdAt: now
		};
		await this.ports.store.insert(row);
		if (!handNow) {
			this.kick();
			return;
		}
		// Written: whatever happens now, the relay has it (after the lease, if this process dies).
		await this.relay(row).catch(err => this.ports.logger.error("Outbox: could not record a hand-over:", (err as Error).message));
	}

	/** Messages left by a crash, and retries that come due, are picked up by polling. */
	start(): void {
		this.stopping = false;
		this.timer = setInterval(() => {
			this.kick();
			void this.reportDepth();
		}, this.timing.pollMs);
		this.timer.unref();
		this.kick();
	}

	/** Stops polling and waits for the pass in progress; what is left stays for the next start or replica. */
	async stop(): Promise<void> {
		this.stopping = true;
		if (this.timer) clearInterval(this.timer);
		await this.draining;
	}

	/** Resolves when no pass is running (tests). */
	async idle(): Promise<void> {
		while (this.draining) await this.draining;
	}

	/** `notifications` is (back) there: what waits for it is due now, not after its backoff. */
	async retryNow(): Promise<void> {
		const now = this.now();
		await this.ports.store.updateMany({ status: "pending", nextAttemptAt: { $gt: now } }, { $set: { nextAttemptAt: now } });
		this.kick();
	}

	pending(): Promise<number> {
		return this.ports.store.count({ status: "pending" });
	}

	private async reportDepth(): Promise<void> {
		if (!this.ports.depth) return;
		try {
			this.ports.depth(await this.pending());
		} catch {
			// The store is away: the next poll reports.
		}
	}

	/** Starts a pass over due messages unless one is already running. */
	kick(): void {
		if (this.stopping || this.draining) return;
		this.draining = this.drain()
			.catch(err => this.ports.logger.error("Outbox relay pass failed:", (err as Error).message))
			.finally(() => {
				this.draining = undefined;
			});
	}

	private async drain(): Promise<void> {
		const { store } = this.ports;
		while (!this.stopping) {
			const now = this.now();
			const due = await store.find(
				{ status: "pending", nextAttemptAt: { $lte: now }, $or: [{ lockedUntil: null }, { lockedUntil: { $lt: now } }] },
				{ sort: ["nextAttemptAt"], limit: BATCH }
			);
			if (due.length === 0) return;
			for (const row of due) {
				if (this.stopping) return;
				// Claim it: of several replicas, only the one whose update matched relays it.
				const lease = new Date(this.ports.clock.now() + this.timing.leaseMs);
				if ((await store.updateMany({ _id: row._id, status: "pending", lockedUntil: row.lockedUntil }, { $set: { lockedUntil: lease } })) !== 1) continue;
				// notifications is not taking messages now: the rest wait for the next poll.
				if (!(await this.relay(row))) return;
			}
		}
	}

	/** False when the message could not be handed over and will be retried. */
	private async relay(row: OutboxRecord): Promise<boolean> {
		const { store, count, logger } = this.ports;
		try {
			const handed = await this.handOver(row);
			// Only now, acknowledged: a crash before this line relays it again, and the key makes that harmless.
			await store.removeById(row._id);
			count(handed ? "relayed" : "dropped");
			return true;
		} catch (err) {
			const attempts = row.attempts + 1;
			const refused = isPermanent(err);
			const lastError = ((err as Error).message ?? String(err)).slice(0, 500);
			const nextAttemptAt = new Date(this.ports.clock.now() + backoffDelay(attempts, this.timing.retryBaseMs, this.timing.retryMaxMs, this.ports.random));
			await store.updateById(row._id, { $set: { status: refused ? "refused" : "pending", attempts, lastError, lockedUntil: null, nextAttemptAt } });
			count(refused ? "refused" : "retry");
			const what = describe(row.message);
			if (refused) logger.error(`Outbox: notifications refused ${what} (${lastError}); kept as refused.`);
			else logger.warn(`Outbox: could not hand over ${what} yet (attempt ${attempts}: ${lastError}); retrying.`);
			return refused;
		}
	}

	/** Hands the message over with its key; false when a link request turned out to be for nobody. */
	private async handOver({ _id: key, message }: OutboxRecord): Promise<boolean> {
		const { handOver, resolveLink } = this.ports;
		if (message.action === "notify") {
			await handOver("notifications.notify", { ...message.notice, key });
			return true;
		}
		const email = message.action === "send" ? message.email : await resolveLink(message.kind, message.address);
		if (!email) return false;
		await handOver("notifications.send", { ...email, key });
		return true;
	}
}

function describe(message: OutboxMessage): string {
	if (message.action === "send") return `the '${message.email.template}' e-mail`;
	if (message.action === "notify") return `the '${message.notice.type}' notification`;
	return `a '${message.kind}' link request`;
}
