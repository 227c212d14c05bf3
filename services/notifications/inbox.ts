/** The in-app notices of a user: listed newest first, marked read, removed with the account. */
import { randomUUID } from "node:crypto";
import type { Clock } from "../../lib/clock";
import { isDuplicateKeyError } from "../../lib/collection";
import { apiError } from "../../lib/errors";
import type { InAppRequest, Page } from "../../lib/types";
import type { InboxStore, NoticeFilter, NotificationRecord } from "./ports";

export interface NotificationView {
	id: string;
	type: string;
	title: string;
	body: string;
	createdAt: string;
	read: boolean;
}

function toView(n: NotificationRecord): NotificationView {
	return { id: n._id, type: n.type, title: n.title, body: n.body, createdAt: new Date(n.createdAt).toISOString(), read: n.readAt !== null };
}

export class Inbox {
	constructor(
		private readonly store: InboxStore,
		private readonly clock: Clock
	) {}

	/** `key` (auth's outbox id) becomes the notice's `_id`: the same notice handed over again is kept once. */
	async add({ userId, type, title, body }: InAppRequest, key?: string): Promise<{ id: string }> {
		const id = key ?? randomUUID();
		try {
			await this.store.insert({ _id: id, userId, type, title, body, createdAt: new Date(this.clock.now()), readAt: null });
		} catch (err) {
			if (!isDuplicateKeyError(err)) throw err;
		}
		return { id };
	}

	/** A page of the notices `shown`; `unread` counts all the unread ones whatever is shown (a badge). */
	async list(userId: string, page: number, pageSize: number, shown: NoticeFilter = "all"): Promise<Page<NotificationView> & { unread: number }> {
		const [rows, total, unread] = await Promise.all([
			this.store.page(userId, shown, (page - 1) * pageSize, pageSize),
			this.store.count(userId, shown),
			this.store.count(userId, "unread")
		]);
		return { rows: rows.map(toView), total, page, pageSize, totalPages: Math.ceil(total / pageSize), unread };
	}

	/** Only the user's own notice; one already read keeps the time it was first read. */
	async markRead(userId: string, id: string): Promise<void> {
		const mine = await this.store.find(userId, id);
		if (!mine) throw apiError("NOT_FOUND", "Notification not found");
		if (!mine.readAt) await this.store.markRead(userId, mine._id, new Date(this.clock.now()));
	}

	markAllRead(userId: string): Promise<void> {
		return this.store.markRead(userId, undefined, new Date(this.clock.now()));
	}

	removeAll(userId: string): Promise<void> {
		return this.store.removeAll(userId);
	}
}
