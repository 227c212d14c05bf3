import type { BrokerOptions } from "moleculer";
import type { Config } from "./lib/config";
import { AccessControlMiddleware } from "./middlewares/access-control";

/**
 * Broker settings for every node. The fault-tolerance values are the cluster's contract (CONTRACT §3):
 * timeouts, retries only where an action is safe to repeat, a circuit breaker, and a graceful stop that
 * lets in-flight requests finish.
 */
export function brokerOptions(config: Config): BrokerOptions {
	return {
		namespace: "user-backend",
		nodeID: config.nodeId,
		transporter: config.transporter ? { type: "NATS", options: { url: config.transporter } } : null,
		logger: {
			type: "Console",
			options: {
				level: config.logLevel,
				formatter: config.production ? "json" : "short",
				colors: !config.production,
				moduleColors: false
			}
		},
		logLevel: config.logLevel as BrokerOptions["logLevel"],
		requestTimeout: 10_000,
		// Off by default: an action opts in (reads only), since retrying a write could apply it twice.
		retryPolicy: { enabled: false, retries: 3, delay: 100, maxDelay: 1000, factor: 2, check: err => !!(err as { retryable?: boolean }).retryable },
		circuitBreaker: {
			enabled: true,
			threshold: 0.5,
			minRequestCount: 20,
			windowTime: 60,
			halfOpenTime: 10_000,
			check: err => (err as { code?: number }).code === undefined || ((err as { code: number }).code >= 500)
		},
		bulkhead: { enabled: true, concurrency: 50, maxQueueSize: 500 },
		registry: { strategy: "RoundRobin", preferLocal: true },
		tracking: { enabled: true, shutdownTimeout: 10_000 },
		heartbeatInterval: 5,
		heartbeatTimeout: 15,
		metrics: config.metricsPort
			? { enabled: true, reporter: { type: "Prometheus", options: { port: config.metricsPort, path: "/metrics" } } }
			: { enabled: false },
		tracing: { enabled: false },
		validator: true,
		errorHandler(err) {
			throw err;
		},
		middlewares: [AccessControlMiddleware]
	};
}
