import type { Collection } from "../../lib/collection";
import { countOne } from "./counters";

/** Per-address login throttling: after `maxFailures` consecutive failures, a lock that doubles each time. */
export interface ThrottleRecord {
	_id: string; // the address key
	failures: number;
	lockedUntil: Date | null;
	updatedAt: Date;
}

export interface ThrottlePolicy {
	maxFailures: number;
	/** Lock after the first failure past the limit, in ms; doubled for each further failure. */
	baseLockMs: number;
	maxLockMs: number;
}

export const DEFAULT_LOCK = { baseLockMs: 30_000, maxLockMs: 3_600_000 };

/** Seconds the caller must wait, or 0 when an attempt may be made now. */
export function lockRemaining(state: Pick<ThrottleRecord, "lockedUntil"> | null, now: number): number {
	const until = state?.lockedUntil ? new Date(state.lockedUntil).getTime() : 0;
	if (until <= now) return 0;
	return Math.ceil((until - now) / 1000);
}

/** When an address with this many consecutive failures is locked until, or null when it is not locked. */
export function lockedUntil(failures: number, policy: ThrottlePolicy, now: number): number | null {
	if (failures < policy.maxFailures) return null;
	const doublings = Math.min(failures - policy.maxFailures, 30);
	return now + Math.min(policy.baseLockMs * 2 ** doublings, policy.maxLockMs);
}

/**
 * The failure → lock transition: counts one more failure for the address (atomically, so that concurrent
 * guesses all count), then locks it from the count that resulted. `$max`: a later, shorter computation never
 * shortens a lock already set. Answers the state as stored afterwards.
 */
export async function recordLoginFailure(throttles: Collection<ThrottleRecord>, key: string, policy: ThrottlePolicy, now: number): Promise<ThrottleRecord | null> {
	const at = new Date(now);
	const state = await countOne(throttles, key, "failures", { _id: key, failures: 1, lockedUntil: null, updatedAt: at }, { updatedAt: at });
	const until = state ? lockedUntil(state.failures, policy, now) : null;
	if (until === null) return state;
	await throttles.updateMany({ _id: key }, { $max: { lockedUntil: new Date(until) } });
	return throttles.findById(key);
}
