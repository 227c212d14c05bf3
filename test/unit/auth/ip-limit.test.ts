import { FixedWindowLimiter, IpLimit, databaseCounter, type RateLimitRecord, type WindowCounter } from "../../../services/auth/ip-limit";
import { FakeClock, memoryCollection } from "./fakes";

/** Counts in memory: the limiter's logic without a database. */
class MemoryWindowCounter implements WindowCounter {
	private readonly counts = new Map<string, { count: number; expiresAt: number }>();

	async increment(id: string, expiresAt: Date): Promise<number> {
		// Windows older than this one are over: forget them now and then.
		if (this.counts.size > 10_000) for (const [key, entry] of this.counts) if (entry.expiresAt < expiresAt.getTime()) this.counts.delete(key);
		const count = (this.counts.get(id)?.count ?? 0) + 1;
		this.counts.set(id, { count, expiresAt: expiresAt.getTime() });
		return count;
	}
}


const T0 = 1_700_000_040_000; // a multiple of 60 000
const clock = new FakeClock(T0);

/** A hit at time `at`. */
function hitAt(limiter: FixedWindowLimiter, key: string, at: number) {
	clock.time = at;
	return limiter.hit(key);
}

describe("FixedWindowLimiter", () => {
	it("allows `limit` hits per key and window, then refuses", async () => {
		const limiter = new FixedWindowLimiter(new MemoryWindowCounter(), 3, clock);
		expect(await hitAt(limiter, "1.2.3.4", T0)).toEqual({ allowed: true });
		expect(await hitAt(limiter, "1.2.3.4", T0 + 1)).toEqual({ allowed: true });
		expect(await hitAt(limiter, "1.2.3.4", T0 + 2)).toEqual({ allowed: true });
		expect(await hitAt(limiter, "1.2.3.4", T0 + 3)).toEqual({ allowed: false, retryAfter: 60 });
		expect((await hitAt(limiter, "1.2.3.4", T0 + 4)).allowed).toBe(false);
	});

	it("counts keys separately", async () => {
		const limiter = new FixedWindowLimiter(new MemoryWindowCounter(), 1, clock);
		expect((await hitAt(limiter, "a", T0)).allowed).toBe(true);
		expect((await hitAt(limiter, "b", T0)).allowed).toBe(true);
		expect((await hitAt(limiter, "a", T0)).allowed).toBe(false);
		expect((await hitAt(limiter, "b", T0)).allowed).toBe(false);
	});

	it("says how many seconds remain in the window (rounded up)", async () => {
		const limiter = new FixedWindowLimiter(new MemoryWindowCounter(), 1, clock);
		await hitAt(limiter, "k", T0 + 30_000);
		expect(await hitAt(limiter, "k", T0 + 30_000)).toEqual({ allowed: false, retryAfter: 30 });
		expect(await hitAt(limiter, "k", T0 + 59_500)).toEqual({ allowed: false, retryAfter: 1 });
	});

	it("windows are aligned to the clock, and a new window starts afresh", async () => {
		const limiter = new FixedWindowLimiter(new MemoryWindowCounter(), 2, clock);
		await hitAt(limiter, "k", T0 + 10_000);
		await hitAt(limiter, "k", T0 + 20_000);
		expect((await hitAt(limiter, "k", T0 + 59_999)).allowed).toBe(false);
		expect(await hitAt(limiter, "k", T0 + 60_000)).toEqual({ allowed: true });
		expect(await hitAt(limiter, "k", T0 + 60_001)).toEqual({ allowed: true });
		expect(await hitAt(limiter, "k", T0 + 60_002)).toEqual({ allowed: false, retryAfter: 60 });
	});

	it("keeps counting refused hits (a client hammering stays refused for the window)", async () => {
		const limiter = new FixedWindowLimiter(new MemoryWindowCounter(), 1, clock);
		for (let i = 0; i < 100; i++) await hitAt(limiter, "k", T0 + i);
		expect((await hitAt(limiter, "k", T0 + 100)).allowed).toBe(false);
	});

	it("honours a custom window", async () => {
		const limiter = new FixedWindowLimiter(new MemoryWindowCounter(), 1, clock, 10_000);
		expect((await hitAt(limiter, "k", T0)).allowed).toBe(true);
		expect(await hitAt(limiter, "k", T0 + 5_000)).toEqual({ allowed: false, retryAfter: 5 });
		expect((await hitAt(limiter, "k", T0 + 10_000)).allowed).toBe(true);
	});

	it("reads the time from the clock it is given", async () => {
		const limiter = new FixedWindowLimiter(new MemoryWindowCounter(), 1, clock);
		clock.time = T0 + 59_000;
		await limiter.hit("k");
		expect(await limiter.hit("k")).toEqual({ allowed: false, retryAfter: 1 });
		clock.advance(1_000);
		expect(await limiter.hit("k")).toEqual({ allowed: true });
	});
});

describe("MemoryWindowCounter", () => {
	it("counts per id", async () => {
		const counter = new MemoryWindowCounter();
		const until = new Date(Date.now() + 60_000);
		expect(await counter.increment("a", until)).toBe(1);
		expect(await counter.increment("a", until)).toBe(2);
		expect(await counter.increment("b", until)).toBe(1);
	});
});

describe("IpLimit (counted in the store)", () => {
	it("refuses past the limit with RATE_LIMITED and Retry-After, counting the refusal", async () => {
		clock.time = T0 + 15_000;
		const limit = new IpLimit(await memoryCollection<RateLimitRecord>("rate_limits"), 2, clock);
		let refused = 0;
		await limit.check("1.2.3.4", () => refused++);
		await limit.check("1.2.3.4", () => refused++);
		await expect(limit.check("1.2.3.4", () => refused++)).rejects.toMatchObject({ type: "RATE_LIMITED", code: 429, data: { retryAfter: 45 } });
		expect(refused).toBe(1);
	});

	it("does not count calls without a client IP (from other services)", async () => {
		const limit = new IpLimit(await memoryCollection<RateLimitRecord>("rate_limits"), 1, clock);
		for (let i = 0; i < 5; i++) await limit.check(undefined, () => undefined);
		await limit.check("1.2.3.4", () => undefined);
		await expect(limit.check("1.2.3.4", () => undefined)).rejects.toMatchObject({ type: "RATE_LIMITED" });
	});

	it("clear lifts one IP's limit at once and leaves the others", async () => {
		const limit = new IpLimit(await memoryCollection<RateLimitRecord>("rate_limits"), 1, clock);
		for (const ip of ["10.0.0.1", "10.0.0.10"]) await limit.check(ip, () => undefined);
		await limit.clear("10.0.0.1");
		await limit.check("10.0.0.1", () => undefined);
		await expect(limit.check("10.0.0.10", () => undefined)).rejects.toMatchObject({ type: "RATE_LIMITED" });
	});
});

describe("databaseCounter", () => {
	it("counts per id in the store, concurrent hits included", async () => {
		const counter = databaseCounter(await memoryCollection<RateLimitRecord>("rate_limits"));
		const until = new Date(T0 + 60_000);
		await Promise.all([1, 2, 3].map(() => counter.increment("a|0", until)));
		expect(await counter.increment("a|0", until)).toBe(4);
		expect(await counter.increment("b|0", until)).toBe(1);
	});
});
