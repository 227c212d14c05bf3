import type { Collection } from "../../../lib/collection";
import { DEFAULT_LOCK, lockRemaining, lockedUntil, recordLoginFailure, type ThrottlePolicy, type ThrottleRecord } from "../../../services/auth/login-throttle";
import { memoryCollection } from "./fakes";

const policy: ThrottlePolicy = { maxFailures: 5, baseLockMs: 30_000, maxLockMs: 3_600_000 };
const NOW = 1_700_000_000_000;
const KEY = "ada@example.com";

let throttles: Collection<ThrottleRecord>;
beforeEach(async () => {
	throttles = await memoryCollection<ThrottleRecord>("login_throttles");
});

/** The state after `n` failed logins, through the transition the login flow uses. */
async function failTimes(n: number, p = policy, now = NOW): Promise<ThrottleRecord | null> {
	let state: ThrottleRecord | null = null;
	for (let i = 0; i < n; i++) state = await recordLoginFailure(throttles, KEY, p, now);
	return state;
}

const lockOf = (state: ThrottleRecord | null) => (state?.lockedUntil ? new Date(state.lockedUntil).getTime() : null);

describe("recordLoginFailure (the failure → lock transition)", () => {
	it("counts failures without a lock below the limit", async () => {
		const first = await failTimes(1);
		expect({ failures: first!.failures, lockedUntil: first!.lockedUntil }).toEqual({ failures: 1, lockedUntil: null });
		const fourth = await failTimes(3);
		expect({ failures: fourth!.failures, lockedUntil: fourth!.lockedUntil }).toEqual({ failures: 4, lockedUntil: null });
	});

	it("locks at the limit, so the attempt after LOGIN_MAX_FAILURES failures is refused", async () => {
		const state = await failTimes(5);
		expect(state!.failures).toBe(5);
		expect(lockOf(state)).toBe(NOW + 30_000);
		expect(lockRemaining(state, NOW)).toBe(30);
	});

	it("doubles the lock for each further failure", async () => {
		expect(lockOf(await failTimes(6))).toBe(NOW + 60_000);
		expect(lockOf(await failTimes(1))).toBe(NOW + 120_000);
		expect(lockOf(await failTimes(1))).toBe(NOW + 240_000);
	});

	it("caps the lock at maxLockMs, even after very many failures", async () => {
		expect(lockOf(await failTimes(20))).toBe(NOW + 3_600_000);
		await throttles.updateMany({ _id: KEY }, { $set: { failures: 10_000 } });
		const huge = await failTimes(1);
		expect(huge!.failures).toBe(10_001);
		expect(lockOf(huge)).toBe(NOW + 3_600_000);
	});

	it("honours maxFailures = 1", async () => {
		expect(lockOf(await failTimes(1, { ...policy, maxFailures: 1 }))).toBe(NOW + 30_000);
	});

	it("never shortens a lock already set ($max), e.g. by a failure computed from an older count", async () => {
		await failTimes(8); // locked for 240 s
		const later = await recordLoginFailure(throttles, KEY, { ...policy, maxFailures: 100 }, NOW + 1000);
		expect(lockOf(later)).toBe(NOW + 240_000);
	});

	it("counts every one of concurrent failures", async () => {
		await Promise.all(Array.from({ length: 7 }, () => recordLoginFailure(throttles, KEY, policy, NOW)));
		expect((await throttles.findById(KEY))!.failures).toBe(7);
	});

	it("keeps one record per address", async () => {
		await failTimes(5);
		await recordLoginFailure(throttles, "grace@example.com", policy, NOW);
		expect((await throttles.findById("grace@example.com"))!.failures).toBe(1);
		expect((await throttles.findById(KEY))!.failures).toBe(5);
	});

	it("has sane defaults", () => {
		expect(DEFAULT_LOCK.baseLockMs).toBeGreaterThan(0);
		expect(DEFAULT_LOCK.maxLockMs).toBeGreaterThanOrEqual(DEFAULT_LOCK.baseLockMs);
	});
});

describe("lockedUntil", () => {
	it("is null below the limit and grows from the limit on", () => {
		expect(lockedUntil(4, policy, NOW)).toBeNull();
		expect(lockedUntil(5, policy, NOW)).toBe(NOW + 30_000);
		expect(lockedUntil(7, policy, NOW)).toBe(NOW + 120_000);
	});
});

describe("lockRemaining", () => {
	it("is 0 with no state, no lock or an elapsed lock", () => {
		expect(lockRemaining(null, NOW)).toBe(0);
		expect(lockRemaining({ lockedUntil: null }, NOW)).toBe(0);
		expect(lockRemaining({ lockedUntil: new Date(NOW) }, NOW)).toBe(0);
		expect(lockRemaining({ lockedUntil: new Date(NOW - 1) }, NOW)).toBe(0);
	});

	it("rounds up to whole seconds", () => {
		expect(lockRemaining({ lockedUntil: new Date(NOW + 1) }, NOW)).toBe(1);
		expect(lockRemaining({ lockedUntil: new Date(NOW + 1000) }, NOW)).toBe(1);
		expect(lockRemaining({ lockedUntil: new Date(NOW + 1001) }, NOW)).toBe(2);
	});

	it("reads a lock stored as a string (as a JSON store returns it), at the time it is given", () => {
		const stored = { lockedUntil: new Date(NOW + 10_000).toISOString() as unknown as Date };
		expect(lockRemaining(stored, NOW)).toBe(10);
		expect(lockRemaining(stored, NOW + 10_000)).toBe(0);
	});
});
