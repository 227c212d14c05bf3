/**
 * What the notifications service's logic needs from the world: the stores, the mailer, auth's link tokens,
 * the clock, the metrics and the log. The service file wires them; the unit tests pass fakes.
 */
import type { Clock } from "../../lib/clock";
import type { DeliveryStatus, EmailTemplate, LinkKind } from "../../lib/enums";
import type { Mailer } from "./mailer";

export interface DeliveryRecord {
	_id: string;
	to: string;
	template: EmailTemplate;
	data: Record<string, string> | null;
	userId: string | null;
	link: LinkKind | null;
	status: DeliveryStatus;
	attempts: number;
	nextAttemptAt: Date;
	lockedUntil: Date | null;
	lastError: string | null;
	createdAt: Date;
	sentAt: Date | null;
}

/** A delivery as operators see it: never its template data. */
export interface DeliveryView {
	id: string;
	to: string;
	template: EmailTemplate;
	status: DeliveryStatus;
	attempts: number;
	lastError: string | null;
	createdAt: string;
}

export interface DeliveryStore {
	insert(delivery: DeliveryRecord): Promise<DeliveryRecord>;
	/** Pending deliveries due by `now` that no live claim holds, the longest due first. */
	due(now: Date, limit: number): Promise<DeliveryRecord[]>;
	/** Compare-and-set: true only for the one caller that found it pending with the claim it read. */
	claim(delivery: DeliveryRecord, until: Date): Promise<boolean>;
	update(id: string, set: Partial<DeliveryRecord>): Promise<void>;
	/** Failed deliveries, newest first: one page of them, and how many there are. */
	failed(page: number, pageSize: number): Promise<{ rows: DeliveryRecord[]; total: number }>;
	/** Sets `set` on the failed delivery with this id, or on all failed ones: how many. */
	updateFailed(id: string | undefined, set: Partial<DeliveryRecord>): Promise<number>;
}

/** Mints the one-time link token an e-mail carries (auth), or null when the link is no longer wanted. */
export interface LinkTokenIssuer {
	issue(kind: LinkKind, userId: string): Promise<string | null>;
}

/** `duplicate`: an e-mail handed over again with a key already queued, and not queued twice. */
export type DeliveryResult = "sent" | "retry" | "failed" | "cancelled" | "duplicate";

export interface QueueLogger {
	info(...args: unknown[]): void;
	warn(...args: unknown[]): void;
	error(...args: unknown[]): void;
}

export interface DeliveryQueuePorts {
	store: DeliveryStore;
	mailer: Mailer;
	links: LinkTokenIssuer;
	clock: Clock;
	/** Counts one outcome (the `emails` metric). */
	count(template: EmailTemplate, result: DeliveryResult): void;
	logger: QueueLogger;
	/** Backoff jitter source; tests pass a fixed one. */
	random?: () => number;
}

export interface MailSettings {
	appUrl: string;
	mailFrom: string;
}

export interface NotificationRecord {
	_id: string;
	userId: string;
	type: string;
	title: string;
	body: string;
	createdAt: Date;
	readAt: Date | null;
}

/** Which of a user's notices a listing shows. */
export type NoticeFilter = "all" | "unread" | "read";

/** The in-app notices, always of one user. */
export interface InboxStore {
	insert(notice: NotificationRecord): Promise<void>;
	/** Newest first. */
	page(userId: string, shown: NoticeFilter, offset: number, limit: number): Promise<NotificationRecord[]>;
	count(userId: string, shown: NoticeFilter): Promise<number>;
	find(userId: string, id: string): Promise<NotificationRecord | null>;
	/** Marks the user's unread notices (the one with this id, or all) as read at `at`. */
	markRead(userId: string, id: string | undefined, at: Date): Promise<void>;
	removeAll(userId: string): Promise<void>;
}
