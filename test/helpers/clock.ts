import type { Clock } from "../../lib/clock";

/**
 * A clock the test moves: pass it to startApp({ clock }) and the services read their time from it
 * (lib/clock.ts). It starts at the real time and moves only when told to.
 */
export class TestClock implements Clock {
	private ms: number;

	constructor(start: number = Date.now()) {
		this.ms = start;
	}

	now(): number {
		return this.ms;
	}

	/** Moves the clock forward by `ms` (never backward). */
	advance(ms: number): void {
		if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance takes a duration >= 0, got ${ms}`);
		this.ms += ms;
	}

	/** Sets the time to `ms` since the epoch. */
	set(ms: number): void {
		if (!Number.isFinite(ms)) throw new RangeError(`set takes a time in ms since the epoch, got ${ms}`);
		this.ms = ms;
	}
}
