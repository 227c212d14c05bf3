import { IpLimit, SlidingWindowLimiter, databaseCounter, type RateLimitRecord, type SliceCounter } from "../../../services/auth/ip-limit";
import { FakeClock, memoryCollection } from "./fakes";

/** Counts in memory: the limiter's logic without a database. */
class MemorySliceCounter implements SliceCounter {
	readonly counts = new Map<string, number>();

	async increment(id: string): Promise<void> {
		this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
	}

	async decrement(id: string): Promise<void> {
		this.counts.set(id, (this.counts.get(id) ?? 0) - 1);
	}

	async read(ids: string[]): Promise<Map<string, number>> {
		return new Map(ids.map(id => [id, this.counts.get(id) ?? 0]));
	}
}

const T0 = 1_700_000_040_000; // a multiple of 60 000
const clock = new FakeClock(T0);

/** A hit at time `at`. */
function hitAt(limiter: SlidingWindowLimiter, key: string, at: number) {
	clock.time = at;
	return limiter.hit(key);
}

/** The most hits that passed in any span of `windowMs` (spans starting at each pass). */
function busiestSpan(passedAt: number[], windowMs = 60_000): number {
	return Math.max(0, ...passedAt.map(start => passedAt.filter(t => t >= start && t < start + windowMs).length));
}

describe("SlidingWindowLimiter", () => {
	it("allows `limit` hits per key, then refuses", async () => {
		const limiter = new SlidingWindowLimiter(new MemorySliceCounter(), 3, clock);
		expect(await hitAt(limiter, "1.2.3.4", T0)).toEqual({ allowed: true });
		expect(await hitAt(limiter, "1.2.3.4", T0 + 1)).toEqual({ allowed: true });
		expect(await hitAt(limiter, "1.2.3.4", T0 + 2)).toEqual({ allowed: true });
		expect(await hitAt(limiter, "1.2.3.4", T0 + 3)).toEqual({ allowed: false, retryAfter: 70 });
		expect((await hitAt(limiter, "1.2.3.4", T0 + 4)).allowed).toBe(false);
	});

	it("counts keys separately", async () => {
		const limiter = new SlidingWindowLimiter(new MemorySliceCounter(), 1, clock);
		expect((await hitAt(limiter, "a", T0)).allowed).toBe(true);
		expect((await hitAt(limiter, "b", T0)).allowed).toBe(true);
		expect((await hitAt(limiter, "a", T0)).allowed).toBe(false);
		expect((await hitAt(limiter, "b", T0)).allowed).toBe(false);
	});

	it("across a minute boundary, twice the limit lets only the limit through (a fixed window let all of them)", async () => {
		const limiter = new SlidingWindowLimiter(new MemorySliceCounter(), 10, clock);
		const passed: number[] = [];
		for (let i = 0; i < 20; i++) {
			const at = T0 + 60_000 - 2_000 + i * 200; // 58 s to 62 s: across the boundary at 60 s
			if ((await hitAt(limiter, "k", at)).allowed) passed.push(at);
		}
		expect(passed.length).toBe(10);
	});

	it("never passes more than the limit in any 60-second span, whatever the timing", async () => {
		const limiter = new SlidingWindowLimiter(new MemorySliceCounter(), 5, clock);
		const passed: number[] = [];
		// A steady stream: one hit every 1.7 s for ten minutes, across every slice and minute boundary.
		for (let at = T0 + 3_333; at < T0 + 600_000; at += 1_700) if ((await hitAt(limiter, "k", at)).allowed) passed.push(at);
		expect(busiestSpan(passed)).toBe(5);
		// It does pass hits again as time moves on (about the limit per 70 s, never more per 60 s).
		expect(passed.length).toBeGreaterThanOrEqual(40);
	});

	it("does not count refused hits: a client that keeps trying gets the limit again once the window has moved", async () => {
		const limiter = new SlidingWindowLimiter(new MemorySliceCounter(), 1, clock);
		expect((await hitAt(limiter, "k", T0)).allowed).toBe(true);
		for (let i = 1; i < 100; i++) await hitAt(limiter, "k", T0 + i * 500);
		expect(await hitAt(limiter, "k", T0 + 69_999)).toEqual({ allowed: false, retryAfter: 1 });
		expect(await hitAt(limiter, "k", T0 + 70_000)).toEqual({ allowed: true });
	});

	it("says when a hit will fit again: when enough of the oldest slices stop counting (rounded up)", async () => {
		const limiter = new SlidingWindowLimiter(new MemorySliceCounter(), 2, clock);
		await hitAt(limiter, "k", T0 + 5_000); // slice T0, counted until T0 + 70 s
		await hitAt(limiter, "k", T0 + 25_000); // slice T0 + 20 s, counted until T0 + 90 s
		expect(await hitAt(limiter, "k", T0 + 30_000)).toEqual({ allowed: false, retryAfter: 40 });
		expect((await hitAt(limiter, "k", T0 + 70_000)).allowed).toBe(true);
		expect(await hitAt(limiter, "k", T0 + 70_500)).toEqual({ allowed: false, retryAfter: 20 });
	});

	it("honours a custom window", async () => {
		const limiter = new SlidingWindowLimiter(new MemorySliceCounter(), 1, clock, 10_000, 5);
		expect((await hitAt(limiter, "k", T0)).allowed).toBe(true);
		expect(await hitAt(limiter, "k", T0 + 5_000)).toEqual({ allowed: false, retryAfter: 7 });
		expect((await hitAt(limiter, "k", T0 + 12_000)).allowed).toBe(true);
	});
});

describe("IpLimit (counted in the store)", () => {
	it("refuses past the limit with RATE_LIMITED and Retry-After, counting the refusal", async () => {
		clock.time = T0 + 15_000;
		const limit = new IpLimit(await memoryCollection<RateLimitRecord>("rate_limits"), 2, clock);
		let refused = 0;
		await limit.check("1.2.3.4", () => refused++);
		await limit.check("1.2.3.4", () => refused++);
		await expect(limit.check("1.2.3.4", () => refused++)).rejects.toMatchObject({ type: "RATE_LIMITED", code: 429, data: { retryAfter: 65 } });
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
	it("counts per id in the store, concurrent hits included, and takes hits back", async () => {
		const counter = databaseCounter(await memoryCollection<RateLimitRecord>("rate_limits"));
		const until = new Date(T0 + 60_000);
		await Promise.all([1, 2, 3, 4].map(() => counter.increment("a|0", until)));
		await counter.increment("b|0", until);
		await counter.decrement("a|0");
		expect(await counter.read(["a|0", "b|0", "c|0"])).toEqual(new Map([["a|0", 3], ["b|0", 1]]));
	});
});
