/**
 * Per-action fault-tolerance settings. Retries are off by default (moleculer.config.ts) because retrying a
 * write could apply it twice; actions that only read, or whose repetition changes nothing, opt in here.
 * When a node dies mid-request, the broker rejects its pending requests as soon as the node is declared
 * gone, and a retried read goes to another replica.
 */
export const IDEMPOTENT = { retryPolicy: { enabled: true, retries: 3, delay: 50, maxDelay: 500, factor: 2 } } as const;
