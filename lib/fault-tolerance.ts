/**
 * Per-action fault-tolerance settings. Retries are off by default (moleculer.config.ts) because retrying a
 * write could apply it twice; actions that only read, or whose repetition changes nothing, opt in here.
 *
 * A request can be lost when a node dies with it in flight, or when NATS restarts and delivers it before
 * the callee has subscribed again. For these actions the caller then gives up after `timeout` (much
 * sooner than the broker's 10 s) and retries, on another replica when there is one.
 */
export const IDEMPOTENT = {
	timeout: 2_500,
	retryPolicy: { enabled: true, retries: 3, delay: 50, maxDelay: 500, factor: 2 }
} as const;

/**
 * Waits, without a warning, until `names` are known to this node or `stopping()` says to give up (false).
 * A service on another node that is not up yet is normal at start, not worth a log line per attempt.
 */
export async function servicesKnown(broker: { waitForServices(names: string[], timeout?: number, interval?: number): Promise<unknown> }, names: string[], stopping: () => boolean): Promise<boolean> {
	while (!stopping()) {
		try {
			await broker.waitForServices(names, 2_000, 100);
			return true;
		} catch {
			// Not yet: ask again (each wait is bounded, so a stopping node is not held).
		}
	}
	return false;
}
