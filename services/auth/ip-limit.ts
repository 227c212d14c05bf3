import type { Clock } from "../../lib/clock";
import type { Collection } from "../../lib/collection";
import { throttled } from "../../lib/errors";
import { escapeRegExp } from "../../lib/regexp";
import { countOne } from "./counters";

/** Where hits are counted: a document per key and time slice in the database, so every replica sees the same counts. */
export interface SliceCounter {
	/** Adds one hit to `id`; the counter may be forgotten after `expiresAt`. */
	increment(id: string, expiresAt: Date): Promise<void>;
	/** Takes one hit back from `id` (a refused hit does not count). */
	decrement(id: string): Promise<void>;
	/** The counts of these ids (a missing id counts 0). */
	read(ids: string[]): Promise<Map<string, number>>;
}

export type Verdict = { allowed: true } | { allowed: false; retryAfter: number };

/**
 * A sliding window: no span of `windowMs` passes more than `limit` hits per key, wherever it starts (a fixed
 * window aligned to the clock lets up to twice the limit through across its boundary). Hits are counted in
 * slices of windowMs / `slices`; a hit is allowed when the slices that can overlap the window ending now
 * (the current one and the `slices` before it) hold at most `limit` hits with it. A hit is counted before the
 * counts are read and taken back when refused, so concurrent hits on several replicas never pass together
 * beyond the limit (at worst, two of them are both refused).
 */
export class SlidingWindowLimiter {
	private readonly sliceMs: number;

	constructor(
		private readonly counter: SliceCounter,
		private readonly limit: number,
		private readonly clock: Clock,
		private readonly windowMs = 60_000,
		private readonly slices = 6
	) {
		this.sliceMs = windowMs / slices;
	}

	/** The slices a window ending now can overlap, oldest first, and when each stops counting. */
	private slicesAt(now: number): { current: number; starts: number[] } {
		const current = now - (now % this.sliceMs);
		return { current, starts: Array.from({ length: this.slices + 1 }, (_, i) => current - (this.slices - i) * this.sliceMs) };
	}

	/** A slice counts until the window that starts after it begins: `slices + 1` slices after its start. */
	private countedUntil(start: number): number {
		return start + (this.slices + 1) * this.sliceMs;
	}

	private async counts(key: string, starts: number[]): Promise<number[]> {
		const counts = await this.counter.read(starts.map(start => `${key}|${start}`));
		return starts.map(start => counts.get(`${key}|${start}`) ?? 0);
	}

	/** The hits of `key` that count now. */
	async counted(key: string): Promise<number> {
		const hits = await this.counts(key, this.slicesAt(this.clock.now()).starts);
		return hits.reduce((a, b) => a + b, 0);
	}

	async hit(key: string): Promise<Verdict> {
		const now = this.clock.now();
		const { current, starts } = this.slicesAt(now);
		await this.counter.increment(`${key}|${current}`, new Date(this.countedUntil(current)));
		const hits = await this.counts(key, starts);
		if (hits.reduce((a, b) => a + b, 0) <= this.limit) return { allowed: true };
		await this.counter.decrement(`${key}|${current}`);
		// Without this hit: wait until enough of the oldest slices stop counting for one more to fit.
		hits[hits.length - 1] -= 1;
		let remaining = hits.reduce((a, b) => a + b, 0);
		let freeAt = this.countedUntil(current);
		for (let i = 0; i < starts.length; i++) {
			remaining -= hits[i];
			if (remaining < this.limit) {
				freeAt = this.countedUntil(starts[i]);
				break;
			}
		}
		return { allowed: false, retryAfter: Math.max(1, Math.ceil((freeAt - now) / 1000)) };
	}
}

export interface RateLimitRecord {
	_id: string; // "<ip>|<slice start>"
	count: number;
	expiresAt: Date;
}

/** A counter document per client and slice: every replica counts in the same place. */
export function databaseCounter(rateLimits: Collection<RateLimitRecord>): SliceCounter {
	return {
		async increment(id, expiresAt) {
			await countOne(rateLimits, id, "count", { _id: id, count: 1, expiresAt });
		},
		async decrement(id) {
			await rateLimits.updateMany({ _id: id }, { $inc: { count: -1 } });
		},
		async read(ids) {
			const rows = await rateLimits.find({ _id: { $in: ids } });
			return new Map(rows.map(r => [r._id, r.count]));
		}
	};
}

/**
 * At most `perMinute` requests in any 60 seconds per client IP, counted in the database so that the limit holds across
 * every replica and gateway. Calls from other services carry no client IP and are not counted.
 */
export class IpLimit {
	private readonly limiter: SlidingWindowLimiter;

	constructor(
		private readonly rateLimits: Collection<RateLimitRecord>,
		private readonly perMinute: number,
		clock: Clock
	) {
		this.limiter = new SlidingWindowLimiter(databaseCounter(rateLimits), perMinute, clock);
	}

	/** Throws RATE_LIMITED (with Retry-After) past the limit; `onRefused` counts the refusal. */
	async check(ip: string | undefined, onRefused: () => void): Promise<void> {
		if (!ip) return;
		const verdict = await this.limiter.hit(ip);
		if (verdict.allowed) return;
		onRefused();
		throw throttled("RATE_LIMITED", verdict.retryAfter);
	}

	/** Lifts the limit of one client IP at once; answers whether it was at its limit. */
	async clear(ip: string): Promise<boolean> {
		const full = (await this.limiter.counted(ip)) >= this.perMinute;
		await this.rateLimits.removeMany({ _id: { $regex: new RegExp(`^${escapeRegExp(ip)}\\|`) } });
		return full;
	}
}
