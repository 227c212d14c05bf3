/** In-memory stand-ins for the notifications service's ports. */
import { MovableClock } from "../movable-clock";
import type { LinkKind } from "../../../lib/enums";
import type { Mailer, OutgoingEmail } from "../../../services/notifications/mailer";
import type { DeliveryRecord, DeliveryStore, InboxStore, LinkTokenIssuer, NoticeFilter, NotificationRecord } from "../../../services/notifications/ports";

/** What NeDB throws for a second document with the same `_id`. */
const duplicateKey = (id: string) => Object.assign(new Error(`Can't insert key ${id}, it violates the unique constraint`), { errorType: "uniqueViolated" });

/** One shared store: several queues over it behave like replicas over one database. */
export class MemoryDeliveryStore implements DeliveryStore {
	readonly rows = new Map<string, DeliveryRecord>();

	async insert(d: DeliveryRecord) {
		if (this.rows.has(d._id)) throw duplicateKey(d._id);
		this.rows.set(d._id, structuredClone(d));
		return structuredClone(d);
	}
	async due(now: Date, limit: number) {
		return [...this.rows.values()]
			.filter(d => d.status === "pending" && d.nextAttemptAt <= now && (d.lockedUntil === null || d.lockedUntil < now))
			.sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime())
			.slice(0, limit)
			.map(d => structuredClone(d));
	}
	async claim(d: DeliveryRecord, until: Date) {
		const row = this.rows.get(d._id);
		if (!row || row.status !== "pending" || row.lockedUntil?.getTime() !== d.lockedUntil?.getTime()) return false;
		row.lockedUntil = until;
		return true;
	}
	async update(id: string, set: Partial<DeliveryRecord>) {
		const row = this.rows.get(id);
		if (row) Object.assign(row, structuredClone(set));
	}
	async failed(page: number, pageSize: number) {
		const failed = [...this.rows.values()].filter(d => d.status === "failed");
		return { rows: failed.slice((page - 1) * pageSize, page * pageSize), total: failed.length };
	}
	async updateFailed(id: string | undefined, set: Partial<DeliveryRecord>) {
		const rows = [...this.rows.values()].filter(d => d.status === "failed" && (id === undefined || d._id === id));
		for (const row of rows) Object.assign(row, structuredClone(set));
		return rows.length;
	}
	only(): DeliveryRecord {
		expect(this.rows.size).toBe(1);
		return [...this.rows.values()][0];
	}
}

/** Records what it sends; fails while `down` is set. Sending yields, so that replicas interleave. */
export class FakeMailer implements Mailer {
	readonly sent: OutgoingEmail[] = [];
	down = false;
	async send(email: OutgoingEmail) {
		await new Promise(r => setImmediate(r));
		if (this.down) throw new Error("connect ECONNREFUSED smtp://user:secret@mail.example.com");
		this.sent.push(email);
		return "fake";
	}
	close() {}
}

/** Link tokens: `null` once the link is no longer wanted. */
export class FakeLinks implements LinkTokenIssuer {
	readonly issued: Array<[LinkKind, string]> = [];
	wanted = true;
	async issue(kind: LinkKind, userId: string) {
		this.issued.push([kind, userId]);
		return this.wanted ? `token-${this.issued.length}` : null;
	}
}

export class MemoryInboxStore implements InboxStore {
	readonly rows: NotificationRecord[] = [];
	async insert(n: NotificationRecord) {
		if (this.rows.some(r => r._id === n._id)) throw duplicateKey(n._id);
		this.rows.push(structuredClone(n));
	}
	private shows(n: NotificationRecord, userId: string, shown: NoticeFilter) {
		return n.userId === userId && (shown === "all" || (shown === "unread") === (n.readAt === null));
	}
	async page(userId: string, shown: NoticeFilter, offset: number, limit: number) {
		return this.rows
			.filter(n => this.shows(n, userId, shown))
			.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a._id < b._id ? 1 : -1))
			.slice(offset, offset + limit);
	}
	async count(userId: string, shown: NoticeFilter) {
		return this.rows.filter(n => this.shows(n, userId, shown)).length;
	}
	async find(userId: string, id: string) {
		return this.rows.find(n => n.userId === userId && n._id === id) ?? null;
	}
	async markRead(userId: string, id: string | undefined, at: Date) {
		for (const n of this.rows) if (n.userId === userId && n.readAt === null && (id === undefined || n._id === id)) n.readAt = at;
	}
	async removeAll(userId: string) {
		this.rows.splice(0, this.rows.length, ...this.rows.filter(n => n.userId !== userId));
	}
}

export const silentLogger = { info() {}, warn() {}, error() {} };

export { MovableClock };
