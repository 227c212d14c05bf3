import type { Clock } from "../../lib/clock";
import { isDuplicateKeyError, type Collection } from "../../lib/collection";
import { apiError } from "../../lib/errors";
import type { Mutex } from "./ports";

export interface LockRecord {
	_id: string;
	expiresAt: Date;
}

/** Where the locks are kept: taking one succeeds for one caller at a time. */
export interface LockTable {
	/** Takes the lock unless a holder whose lock has not expired by `now` has it: true when taken. */
	acquire(name: string, now: number, expiresAt: number): Promise<boolean>;
	release(name: string): Promise<void>;
}

export interface LockOptions {
	/** A holder that died is presumed gone after this long. */
	ttlMs?: number;
	/** Give up (503) after waiting this long. */
	waitMs?: number;
	/** How a waiter pauses before trying again (tests pass one that does not wait). */
	pause?: (ms: number) => Promise<void>;
}

const pauseFor = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

/**
 * A mutex in the database, for the few checks that span documents (the last-admin guard): it holds across
 * replicas. Expiry is judged by the clock; the wait is counted in the pauses taken, so that a clock a test
 * holds still cannot make a waiter wait for ever.
 */
export function tableMutex(table: LockTable, clock: Clock, opts: LockOptions = {}): Mutex {
	const ttlMs = opts.ttlMs ?? 10_000;
	const waitMs = opts.waitMs ?? 5_000;
	const pause = opts.pause ?? pauseFor;
	return {
		async hold<R>(name: string, work: () => Promise<R>): Promise<R> {
			let waited = 0;
			for (;;) {
				const now = clock.now();
				if (await table.acquire(name, now, now + ttlMs)) break;
				if (waited > waitMs) throw apiError("SERVICE_UNAVAILABLE", "Busy; try again shortly");
				const delay = 10 + Math.random() * 20;
				await pause(delay);
				waited += delay;
			}
			try {
				return await work();
			} finally {
				await table.release(name);
			}
		}
	};
}

/** Locks as documents: a unique `_id` insert is atomic on every store this project runs on. */
export function collectionLockTable(locks: Collection<LockRecord>): LockTable {
	return {
		async acquire(name, now, expiresAt) {
			await locks.removeMany({ _id: name, expiresAt: { $lt: new Date(now) } });
			try {
				await locks.insert({ _id: name, expiresAt: new Date(expiresAt) });
				return true;
			} catch (err) {
				if (isDuplicateKeyError(err)) return false;
				throw err;
			}
		},
		release: name => locks.removeById(name)
	};
}
