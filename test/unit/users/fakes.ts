/** In-memory stand-ins for the users service's ports. */
import { MovableClock } from "../movable-clock";
import type { Page, UserRecord } from "../../../lib/types";
import type { LockTable } from "../../../services/users/lock";
import { isActiveAdmin, type UserListQuery } from "../../../services/users/policy";
import type { Logger, Mutex, Peers, UserAuditEvent, UserStore, UsersCore } from "../../../services/users/ports";

/** NeDB's unique-index error: what the real store rejects with. */
const duplicate = () => Object.assign(new Error("unique constraint violated"), { errorType: "uniqueViolated" });

export class MemoryUserStore implements UserStore {
	readonly users = new Map<string, UserRecord>();

	private taken(user: UserRecord): boolean {
		return [...this.users.values()].some(u => u.emailKey === user.emailKey && u._id !== user._id);
	}

	async findById(id: string) {
		return structuredClone(this.users.get(id) ?? null);
	}
	async findByEmailKey(emailKey: string) {
		return structuredClone([...this.users.values()].find(u => u.emailKey === emailKey) ?? null);
	}
	async insert(user: UserRecord) {
		if (this.users.has(user._id) || this.taken(user)) throw duplicate();
		this.users.set(user._id, structuredClone(user));
		return structuredClone(user);
	}
	async update(id: string, set: Partial<UserRecord>) {
		const user = this.users.get(id);
		if (!user) return null;
		const next = { ...user, ...structuredClone(set) };
		if (this.taken(next)) throw duplicate();
		this.users.set(id, next);
		return structuredClone(next);
	}
	async remove(id: string) {
		this.users.delete(id);
	}
	async countActiveAdmins() {
		return [...this.users.values()].filter(isActiveAdmin).length;
	}
	async page(query: UserListQuery): Promise<Page<UserRecord>> {
		const rows = [...this.users.values()];
		return { rows: rows.slice((query.page - 1) * query.pageSize, query.page * query.pageSize), total: rows.length, page: query.page, pageSize: query.pageSize, totalPages: Math.ceil(rows.length / query.pageSize) };
	}
}

/** Locks held in a map, expiring by the times given. */
export class MemoryLockTable implements LockTable {
	readonly held = new Map<string, number>();
	async acquire(name: string, now: number, expiresAt: number) {
		const until = this.held.get(name);
		if (until !== undefined && until >= now) return false;
		this.held.set(name, expiresAt);
		return true;
	}
	async release(name: string) {
		this.held.delete(name);
	}
}

export class RecordingLogger implements Logger {
	readonly lines: string[] = [];
	warn(...args: unknown[]) {
		this.lines.push(`warn ${args.join(" ")}`);
	}
	error(...args: unknown[]) {
		this.lines.push(`error ${args.join(" ")}`);
	}
}

/** A mutex that runs one holder at a time in this process, and counts how often it was taken. */
export function countingMutex(): Mutex & { taken: number } {
	let tail: Promise<unknown> = Promise.resolve();
	const mutex = {
		taken: 0,
		hold<R>(_name: string, work: () => Promise<R>): Promise<R> {
			mutex.taken++;
			const run = tail.then(work, work);
			tail = run.catch(() => undefined);
			return run;
		}
	};
	return mutex;
}

/** Other services, recorded: what was asked of them, in order. */
export class FakePeers implements Peers {
	readonly calls: string[] = [];
	readonly audits: UserAuditEvent[] = [];
	password = "right password";
	noticesDown = false;
	auditDown = false;

	async checkPassword(userId: string, password: string) {
		this.calls.push(`checkPassword ${userId}`);
		return password === this.password;
	}
	async purgeCredentials(userId: string) {
		this.calls.push(`purgeCredentials ${userId}`);
	}
	async endSessions(userId: string) {
		this.calls.push(`endSessions ${userId}`);
	}
	async purgeNotices(user: { userId: string; email: string; displayName: string }) {
		this.calls.push(`purgeNotices ${user.userId} ${user.email}`);
		if (this.noticesDown) throw new Error("notifications unreachable");
	}
	announceDeleted(userId: string) {
		this.calls.push(`announceDeleted ${userId}`);
	}
	async audit(event: UserAuditEvent) {
		this.calls.push(`audit ${event.type}`);
		if (this.auditDown) throw new Error("auth unreachable");
		this.audits.push(event);
	}
}

export function fakeCore(): UsersCore & { store: MemoryUserStore; clock: MovableClock; logger: RecordingLogger; mutex: ReturnType<typeof countingMutex> } {
	return { store: new MemoryUserStore(), mutex: countingMutex(), clock: new MovableClock(), logger: new RecordingLogger() };
}

export { MovableClock };
