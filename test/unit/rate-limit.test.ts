import { FixedWindowLimiter } from "../../lib/rate-limit";

const T0 = 1_700_000_040_000; // a multiple of 60 000

describe("FixedWindowLimiter", () => {
	it("allows `limit` hits per key and window, then refuses", () => {
		const limiter = new FixedWindowLimiter(3);
		expect(limiter.hit("1.2.3.4", T0)).toEqual({ allowed: true });
		expect(limiter.hit("1.2.3.4", T0 + 1)).toEqual({ allowed: true });
		expect(limiter.hit("1.2.3.4", T0 + 2)).toEqual({ allowed: true });
		expect(limiter.hit("1.2.3.4", T0 + 3)).toEqual({ allowed: false, retryAfter: 60 });
		expect(limiter.hit("1.2.3.4", T0 + 4).allowed).toBe(false);
	});

	it("counts keys separately", () => {
		const limiter = new FixedWindowLimiter(1);
		expect(limiter.hit("a", T0).allowed).toBe(true);
		expect(limiter.hit("b", T0).allowed).toBe(true);
		expect(limiter.hit("a", T0).allowed).toBe(false);
		expect(limiter.hit("b", T0).allowed).toBe(false);
	});

	it("says how many seconds remain in the window (rounded up)", () => {
		const limiter = new FixedWindowLimiter(1);
		limiter.hit("k", T0 + 30_000);
		expect(limiter.hit("k", T0 + 30_000)).toEqual({ allowed: false, retryAfter: 30 });
		expect(limiter.hit("k", T0 + 59_500)).toEqual({ allowed: false, retryAfter: 1 });
	});

	it("windows are aligned to the clock, and a new window starts afresh", () => {
		const limiter = new FixedWindowLimiter(2);
		limiter.hit("k", T0 + 10_000);
		limiter.hit("k", T0 + 20_000);
		expect(limiter.hit("k", T0 + 59_999).allowed).toBe(false);
		expect(limiter.hit("k", T0 + 60_000)).toEqual({ allowed: true });
		expect(limiter.hit("k", T0 + 60_001)).toEqual({ allowed: true });
		expect(limiter.hit("k", T0 + 60_002)).toEqual({ allowed: false, retryAfter: 60 });
	});

	it("keeps counting refused hits (a client hammering stays refused for the window)", () => {
		const limiter = new FixedWindowLimiter(1);
		for (let i = 0; i < 100; i++) limiter.hit("k", T0 + i);
		expect(limiter.hit("k", T0 + 100).allowed).toBe(false);
	});

	it("honours a custom window", () => {
		const limiter = new FixedWindowLimiter(1, 10_000);
		expect(limiter.hit("k", T0).allowed).toBe(true);
		expect(limiter.hit("k", T0 + 5_000)).toEqual({ allowed: false, retryAfter: 5 });
		expect(limiter.hit("k", T0 + 10_000).allowed).toBe(true);
	});

	it("works with the real clock by default", () => {
		const limiter = new FixedWindowLimiter(1);
		expect(limiter.hit("k").allowed).toBe(true);
		const second = limiter.hit("k");
		// Unless the minute turned over between the two calls.
		if (!second.allowed) {
			expect(second.retryAfter).toBeGreaterThanOrEqual(1);
			expect(second.retryAfter).toBeLessThanOrEqual(60);
		}
	});
});
