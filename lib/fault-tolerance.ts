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
