/** Where hits are counted: a document per key and window in the database, so every replica sees the same count. */
export interface WindowCounter {
	/** Adds one hit to `id` and answers the count so far; the counter may be forgotten after `expiresAt`. */
	increment(id: string, expiresAt: Date): Promise<number>;
}

export type Verdict = { allowed: true } | { allowed: false; retryAfter: number };

/** Fixed windows aligned to the clock: at most `limit` hits per key and window (the per-IP limit). */
export class FixedWindowLimiter {
	constructor(
		private readonly counter: WindowCounter,
		private readonly limit: number,
		private readonly windowMs = 60_000
	) {}

	async hit(key: string, now = Date.now()): Promise<Verdict> {
		const windowStart = now - (now % this.windowMs);
		const windowEnd = windowStart + this.windowMs;
		const count = await this.counter.increment(`${key}|${windowStart}`, new Date(windowEnd));
		if (count <= this.limit) return { allowed: true };
		return { allowed: false, retryAfter: Math.ceil((windowEnd - now) / 1000) };
	}
}
