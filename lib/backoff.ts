/** Delay before retry number `attempt` (1-based): exponential from `baseMs`, capped, with ±20% jitter. */
export function backoffDelay(attempt: number, baseMs = 5_000, maxMs = 3_600_000, random = Math.random): number {
	const exact = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), maxMs);
	return Math.round(exact * (0.8 + 0.4 * random()));
}
