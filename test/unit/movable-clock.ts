import type { Clock } from "../../lib/clock";

/** A clock the unit tests move by hand; it starts at 2026-01-01T00:00:00Z. */
export class MovableClock implements Clock {
	constructor(public t = Date.UTC(2026, 0, 1)) {}
	now() {
		return this.t;
	}
	advance(ms: number) {
		this.t += ms;
	}
}
