import { Collection, isDuplicateKeyError } from "./collection";
import { apiError } from "./errors";

export interface LockRecord {
	_id: string;
	expiresAt: Date;
}

export interface LockOptions {
	/** A holder that died is presumed gone after this long. */
	ttlMs?: number;
	/** Give up (503) after waiting this long. */
	waitMs?: number;
}

/**
 * A mutex in the database, for the few checks that span documents (the last-admin guard): it holds across
 * replicas, and a unique `_id` insert is atomic on every store this project runs on.
 */
export async function withLock<R>(locks: Collection<LockRecord>, name: string, work: () => Promise<R>, opts: LockOptions = {}): Promise<R> {
	const ttlMs = opts.ttlMs ?? 10_000;
	const deadline = Date.now() + (opts.waitMs ?? 5_000);
	for (;;) {
		const now = Date.now();
		await locks.removeMany({ _id: name, expiresAt: { $lt: new Date(now) } });
		try {
			await locks.insert({ _id: name, expiresAt: new Date(now + ttlMs) });
			break;
		} catch (err) {
			if (!isDuplicateKeyError(err)) throw err;
			if (Date.now() > deadline) throw apiError("SERVICE_UNAVAILABLE", "Busy; try again shortly");
			await new Promise(resolve => setTimeout(resolve, 10 + Math.random() * 20));
		}
	}
	try {
		return await work();
	} finally {
		await locks.removeById(name);
	}
}
