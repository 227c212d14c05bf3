/**
 * The one source of time for the services' logic (expiry, locks, windows, token times). Production uses
 * the system clock; tests pass a clock they can move (test/helpers/clock.ts), so every time-dependent rule
 * can be tested without waiting and without patching globals.
 */
export interface Clock {
	/** Milliseconds since the epoch, like Date.now(). */
	now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
