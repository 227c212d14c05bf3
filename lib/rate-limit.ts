/** Fixed-window counter per key: the per-IP limit on the unauthenticated auth routes. */
export class FixedWindowLimiter {
	private windowStart = 0;
	private counts = new Map<string, number>();

	constructor(
		private readonly limit: number,
		private readonly windowMs = 60_000
	) {}

	/** Counts one hit; answers whether it is allowed and, if not, how many seconds until the window resets. */
	hit(key: string, now = Date.now()): { allowed: true } | { allowed: false; retryAfter: number } {
		if (now - this.windowStart >= this.windowMs) {
			this.windowStart = now - (now % this.windowMs);
			this.counts = new Map();
		}
		const count = (this.counts.get(key) ?? 0) + 1;
		this.counts.set(key, count);
		if (count <= this.limit) return { allowed: true };
		return { allowed: false, retryAfter: Math.ceil((this.windowStart + this.windowMs - now) / 1000) };
	}
}
