import type { Clock } from "../../lib/clock";
import type { Collection } from "../../lib/collection";
import { throttled } from "../../lib/errors";
import { escapeRegExp } from "../../lib/regexp";
import { countOne } from "./counters";

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
		private readonly clock: Clock,
		private readonly windowMs = 60_000
	) {}

	async hit(key: string): Promise<Verdict> {
		const now = this.clock.now();
		const windowStart = now - (now % this.windowMs);
		const windowEnd = windowStart + this.windowMs;
		const count = await this.counter.increment(`${key}|${windowStart}`, new Date(windowEnd));
		if (count <= this.limit) return { allowed: true };
		return { allowed: false, retryAfter: Math.ceil((windowEnd - now) / 1000) };
	}
}

export interface RateLimitRecord {
	_id: string; // "<ip>|<window start>"
	count: number;
	expiresAt: Date;
}

/** A counter document per client and window: every replica counts in the same place. */
export function databaseCounter(rateLimits: Collection<RateLimitRecord>): WindowCounter {
	return {
		async increment(id, expiresAt) {
			return (await countOne(rateLimits, id, "count", { _id: id, count: 1, expiresAt }))?.count ?? 1;
		}
	};
}

/**
 * At most `perMinute` requests a minute per client IP, counted in the database so that the limit holds across
 * every replica and gateway. Calls from other services carry no client IP and are not counted.
 */
export class IpLimit {
	private readonly limiter: FixedWindowLimiter;

	constructor(
		private readonly rateLimits: Collection<RateLimitRecord>,
		perMinute: number,
		clock: Clock
	) {
		this.limiter = new FixedWindowLimiter(databaseCounter(rateLimits), perMinute, clock);
	}

	/** Throws RATE_LIMITED (with Retry-After) past the limit; `onRefused` counts the refusal. */
	async check(ip: string | undefined, onRefused: () => void): Promise<void> {
		if (!ip) return;
		const verdict = await this.limiter.hit(ip);
		if (verdict.allowed) return;
		onRefused();
		throw throttled("RATE_LIMITED", verdict.retryAfter);
	}

	/** Lifts the limit of one client IP at once. */
	async clear(ip: string): Promise<void> {
		await this.rateLimits.removeMany({ _id: { $regex: new RegExp(`^${escapeRegExp(ip)}\\|`) } });
	}
}
