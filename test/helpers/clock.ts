import type { Clock } from "../../lib/clock";

/**
 * A clock the test moves: startApp gives one to the services (lib/clock.ts), so every time they read —
 * expiry, locks, windows, token times — moves with it, and nothing global is patched.
 * `new TestClock()` follows the real time, shifted by whatever `advance` added (integration tests: time
 * still passes between requests); `new TestClock(start)` stands still at `start` until moved (unit tests).
 */
export class TestClock implements Clock {
	private offset = 0;
	private frozenAt: number | null;

	constructor(start?: number) {
		this.frozenAt = start ?? null;
	}

	now(): number {
		return (this.frozenAt ?? Date.now()) + this.offset;
	}

	/** Moves the clock forward by `ms` (never backward). */
	advance(ms: number): void {
		if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance takes a duration >= 0, got ${ms}`);
		this.offset += ms;
	}

	/** Sets the time to `ms` since the epoch; from then on it stands still until moved. */
	set(ms: number): void {
		if (!Number.isFinite(ms)) throw new RangeError(`set takes a time in ms since the epoch, got ${ms}`);
		this.frozenAt = ms;
		this.offset = 0;
	}

	/** Runs `work` with the clock `ms` ahead, then puts it back (for "what if this came later" checks). */
	async ahead<T>(ms: number, work: () => Promise<T>): Promise<T> {
		this.advance(ms);
		try {
			return await work();
		} finally {
			this.offset -= ms;
		}
	}
}
