import { DEFAULT_LOCK, lockRemaining, lockedUntil, type ThrottlePolicy, type ThrottleState } from "../../lib/throttle";

/** What auth does on a failed login: count one more failure, then lock from the new count. */
function afterFailure(state: ThrottleState | null, p: ThrottlePolicy, now: number): ThrottleState {
	const failures = (state?.failures ?? 0) + 1;
	return { failures, lockedUntil: lockedUntil(failures, p, now) };
}

const policy: ThrottlePolicy = { maxFailures: 5, baseLockMs: 30_000, maxLockMs: 3_600_000 };
const NOW = 1_700_000_000_000;

function failTimes(n: number, p = policy, now = NOW): ThrottleState | null {
	let state: ThrottleState | null = null;
	for (let i = 0; i < n; i++) state = afterFailure(state, p, now);
	return state;
}

describe("afterFailure", () => {
	it("counts failures without a lock below the limit", () => {
		expect(afterFailure(null, policy, NOW)).toEqual({ failures: 1, lockedUntil: null });
		expect(failTimes(4)).toEqual({ failures: 4, lockedUntil: null });
	});

	it("locks at the limit, so the attempt after LOGIN_MAX_FAILURES failures is refused", () => {
		const state = failTimes(5)!;
		expect(state.failures).toBe(5);
		expect(state.lockedUntil).toBe(NOW + 30_000);
		expect(lockRemaining(state, NOW)).toBe(30);
	});

	it("doubles the lock for each further failure", () => {
		expect(failTimes(6)!.lockedUntil).toBe(NOW + 60_000);
		expect(failTimes(7)!.lockedUntil).toBe(NOW + 120_000);
		expect(failTimes(8)!.lockedUntil).toBe(NOW + 240_000);
	});

	it("caps the lock at maxLockMs, even after very many failures", () => {
		expect(failTimes(20)!.lockedUntil).toBe(NOW + 3_600_000);
		const huge = afterFailure({ failures: 10_000, lockedUntil: null }, policy, NOW);
		expect(huge.failures).toBe(10_001);
		expect(huge.lockedUntil).toBe(NOW + 3_600_000);
		expect(Number.isFinite(huge.lockedUntil)).toBe(true);
	});

	it("honours maxFailures = 1", () => {
		expect(afterFailure(null, { ...policy, maxFailures: 1 }, NOW).lockedUntil).toBe(NOW + 30_000);
	});

	it("has sane defaults", () => {
		expect(DEFAULT_LOCK.baseLockMs).toBeGreaterThan(0);
		expect(DEFAULT_LOCK.maxLockMs).toBeGreaterThanOrEqual(DEFAULT_LOCK.baseLockMs);
	});
});

describe("lockRemaining", () => {
	it("is 0 with no state, no lock or an elapsed lock", () => {
		expect(lockRemaining(null, NOW)).toBe(0);
		expect(lockRemaining({ failures: 3, lockedUntil: null }, NOW)).toBe(0);
		expect(lockRemaining({ failures: 5, lockedUntil: NOW }, NOW)).toBe(0);
		expect(lockRemaining({ failures: 5, lockedUntil: NOW - 1 }, NOW)).toBe(0);
	});

	it("rounds up to whole seconds", () => {
		expect(lockRemaining({ failures: 5, lockedUntil: NOW + 1 }, NOW)).toBe(1);
		expect(lockRemaining({ failures: 5, lockedUntil: NOW + 1000 }, NOW)).toBe(1);
		expect(lockRemaining({ failures: 5, lockedUntil: NOW + 1001 }, NOW)).toBe(2);
	});

	it("uses the current time by default", () => {
		expect(lockRemaining({ failures: 5, lockedUntil: Date.now() + 10_000 })).toBeGreaterThanOrEqual(9);
		expect(lockRemaining({ failures: 5, lockedUntil: Date.now() - 10_000 })).toBe(0);
	});
});
