/** Per-address login throttling: after `maxFailures` consecutive failures, a lock that doubles each time. */
export interface ThrottleState {
	failures: number;
	lockedUntil: number | null;
}

export interface ThrottlePolicy {
	maxFailures: number;
	/** Lock after the first failure past the limit, in ms; doubled for each further failure. */
	baseLockMs: number;
	maxLockMs: number;
}

export const DEFAULT_LOCK = { baseLockMs: 30_000, maxLockMs: 3_600_000 };

/** Seconds the caller must wait, or 0 when an attempt may be made now. */
export function lockRemaining(state: ThrottleState | null, now = Date.now()): number {
	if (!state?.lockedUntil || state.lockedUntil <= now) return 0;
	return Math.ceil((state.lockedUntil - now) / 1000);
}

/** When an address with this many consecutive failures is locked until, or null when it is not locked. */
export function lockedUntil(failures: number, policy: ThrottlePolicy, now = Date.now()): number | null {
	if (failures < policy.maxFailures) return null;
	const doublings = Math.min(failures - policy.maxFailures, 30);
	return now + Math.min(policy.baseLockMs * 2 ** doublings, policy.maxLockMs);
}
