import { FixedWindowLimiter, type WindowCounter } from "../../lib/rate-limit";

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

describe("FixedWindowLimiter", () => {
	it("allows `limit` hits per key and window, then refuses", async () => {
		const limiter = new FixedWindowLimiter(new MemoryWindowCounter(), 3);
		expect(await limiter.hit("1.2.3.4", T0)).toEqual({ allowed: true });
		expect(await limiter.hit("1.2.3.4", T0 + 1)).toEqual({ allowed: true });
		expect(await limiter.hit("1.2.3.4", T0 + 2)).toEqual({ allowed: true });
		expect(await limiter.hit("1.2.3.4", T0 + 3)).toEqual({ allowed: false, retryAfter: 60 });
		expect((await limiter.hit("1.2.3.4", T0 + 4)).allowed).toBe(false);
	});

	it("counts keys separately", async () => {
		const limiter = new FixedWindowLimiter(new MemoryWindowCounter(), 1);
		expect((await limiter.hit("a", T0)).allowed).toBe(true);
		expect((await limiter.hit("b", T0)).allowed).toBe(true);
		expect((await limiter.hit("a", T0)).allowed).toBe(false);
		expect((await limiter.hit("b", T0)).allowed).toBe(false);
	});

	it("says how many seconds remain in the window (rounded up)", async () => {
		const limiter = new FixedWindowLimiter(new MemoryWindowCounter(), 1);
		await limiter.hit("k", T0 + 30_000);
		expect(await limiter.hit("k", T0 + 30_000)).toEqual({ allowed: false, retryAfter: 30 });
		expect(await limiter.hit("k", T0 + 59_500)).toEqual({ allowed: false, retryAfter: 1 });
	});

	it("windows are aligned to the clock, and a new window starts afresh", async () => {
		const limiter = new FixedWindowLimiter(new MemoryWindowCounter(), 2);
		await limiter.hit("k", T0 + 10_000);
		await limiter.hit("k", T0 + 20_000);
		expect((await limiter.hit("k", T0 + 59_999)).allowed).toBe(false);
		expect(await limiter.hit("k", T0 + 60_000)).toEqual({ allowed: true });
		expect(await limiter.hit("k", T0 + 60_001)).toEqual({ allowed: true });
		expect(await limiter.hit("k", T0 + 60_002)).toEqual({ allowed: false, retryAfter: 60 });
	});

	it("keeps counting refused hits (a client hammering stays refused for the window)", async () => {
		const limiter = new FixedWindowLimiter(new MemoryWindowCounter(), 1);
		for (let i = 0; i < 100; i++) await limiter.hit("k", T0 + i);
		expect((await limiter.hit("k", T0 + 100)).allowed).toBe(false);
	});

	it("honours a custom window", async () => {
		const limiter = new FixedWindowLimiter(new MemoryWindowCounter(), 1, 10_000);
		expect((await limiter.hit("k", T0)).allowed).toBe(true);
		expect(await limiter.hit("k", T0 + 5_000)).toEqual({ allowed: false, retryAfter: 5 });
		expect((await limiter.hit("k", T0 + 10_000)).allowed).toBe(true);
	});

	it("reads Date.now by default", async () => {
		const limiter = new FixedWindowLimiter(new MemoryWindowCounter(), 1);
		// 20.5 s into a minute: the window ends in 39.5 s, so 40 s (whole seconds, rounded up).
		const now = jest.spyOn(Date, "now").mockReturnValue(T0 + 20_500);
		try {
			expect(await limiter.hit("k")).toEqual({ allowed: true });
			expect(await limiter.hit("k")).toEqual({ allowed: false, retryAfter: 40 });
		} finally {
			now.mockRestore();
		}
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
