import { Validators, type BrokerOptions, type Middleware, type ServiceBroker } from "moleculer";
import type { Config } from "./lib/config";
import type { ServiceDeps } from "./lib/types";
import { CallerIdentity } from "./lib/bus-identity";
import { systemClock } from "./lib/clock";
import { HealthMiddleware } from "./lib/health-server";
import { foldingPrometheus, LazyBulkheadMiddleware, LazyRequestMetricsMiddleware } from "./lib/lazy-metrics";
import { EventLoopMetricsMiddleware } from "./lib/metrics";
import { NatsTransporter } from "./lib/nats-transporter";
import { describeTransporter, natsOptions } from "./lib/transport";
import { AccessControlMiddleware } from "./middlewares/access-control";
import { UserReadCache, UserReadCacheMiddleware } from "./lib/user-cache";

type TracingExporter = Extract<NonNullable<BrokerOptions["tracing"]>, { exporter?: unknown }>["exporter"];

function tracing(config: Config): BrokerOptions["tracing"] {
	if (!config.tracingExporter) return { enabled: false };
	const exporter: Record<string, TracingExporter> = {
		console: { type: "Console" },
		zipkin: { type: "Zipkin", options: { baseURL: config.tracingEndpoint ?? "http://localhost:9411" } },
		jaeger: { type: "Jaeger", options: { endpoint: config.tracingEndpoint } },
		event: { type: "Event", options: { eventName: "$tracing.spans" } }
	};
	return { enabled: true, exporter: exporter[config.tracingExporter] };
}

/** Says at start where the node's transporter is, never with its credentials. */
function transporterLog(config: Config): Middleware {
	return {
		name: "TransporterLog",
		starting(broker: ServiceBroker) {
			broker.logger.info(`Namespace "${config.namespace}", transporter: ${describeTransporter(config)}`);
		}
	} as Middleware;
}

/** Messages that say what is allowed without presenting it as what was sent. */
export const VALIDATION_MESSAGES = {
	enumValue: "The '{field}' field must be one of: {expected}.",
	arrayEnum: "The '{field}' field may only hold these values: {expected}."
};

/**
 * Broker settings for every node. The fault-tolerance values are the cluster's contract (CONTRACT §3, and
 * README "Fault tolerance" for the measurements behind them).
 */
export function brokerOptions(config: Config, deps?: Pick<ServiceDeps, "identity" | "clock"> & Partial<Pick<ServiceDeps, "userCache">>): BrokerOptions {
	// Without the node's verifier (server.ts passes it), no token proves anyone: fail closed.
	const identity = deps?.identity ?? new CallerIdentity(new Map(), { issuer: config.jwtIssuer, audience: config.jwtAudience });
	return {
		namespace: config.namespace,
		nodeID: config.nodeId,
		// Credentials and TLS from TRANSPORTER / NATS_TOKEN / NATS_TLS_* (lib/transport.ts); reconnects forever.
		// Balanced subscriptions in step with the local services, and a clean stop with NATS down (lib/nats-transporter.ts).
		transporter: config.transporter ? new NatsTransporter(natsOptions(config)) : null,
		// NATS queue groups balance requests: NATS knows at once which subscribers are alive, so after a node
		// dies no new request is sent to it (README "Fault tolerance" has the measurements behind this).
		disableBalancer: !!config.transporter,
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
		// Off by default: actions that are safe to repeat opt in (lib/fault-tolerance.ts IDEMPOTENT), since
		// retrying a write could apply it twice.
		retryPolicy: {
			enabled: false,
			retries: 3,
			delay: 50,
			maxDelay: 500,
			factor: 2,
			check: err => !!(err as { retryable?: boolean }).retryable
		},
		circuitBreaker: {
			enabled: true,
			threshold: 0.5,
			minRequestCount: 20,
			windowTime: 60,
			// Short: after a NATS or node outage, traffic resumes within seconds of the callee's return.
			halfOpenTime: 3_000,
			// Only the callee's own failures trip it, not answers such as 401 or 422.
			check: err => {
				const code = (err as { code?: unknown }).code;
				return typeof code !== "number" || code >= 500;
			}
		},
		bulkhead: { enabled: true, concurrency: 50, maxQueueSize: 500 },
		registry: { strategy: "RoundRobin", preferLocal: true },
		// Graceful stop: a node finishes its in-flight requests (up to 10 s) before it leaves.
		tracking: { enabled: true, shutdownTimeout: 10_000 },
		// A node that stops answering is declared gone after 4 s; its pending requests are then rejected at
		// once and the idempotent ones retried on another replica.
		heartbeatInterval: 1,
		heartbeatTimeout: 4,
		metrics: config.metricsPort
			? { enabled: true, reporter: foldingPrometheus(config.metricsPort) }
			: { enabled: false },
		tracing: tracing(config),
		// fastest-validator's enum message prints the allowed values where the value sent would be.
		validator: new Validators.Fastest({ messages: VALIDATION_MESSAGES }),
		// The built-in middlewares listed here so that access control runs before validation: a caller without
		// the right gets 401/403, never a 422 describing the action's parameters. Later in the list = outer.
		internalMiddlewares: false,
		errorHandler(err) {
			throw err;
		},
		middlewares: [
			"ActionHook",
			"Validator",
			// Inside access control: a cached read is served only to a caller proven on this call.
			UserReadCacheMiddleware(deps?.userCache ?? new UserReadCache(), identity, deps?.clock ?? systemClock),
			AccessControlMiddleware(identity, deps?.clock ?? systemClock),
			// Bulkhead and Metrics: Moleculer's, their per-call metrics counted locally and folded lazily (lib/lazy-metrics.ts).
			LazyBulkheadMiddleware,
			...["Cacher", "ContextTracker", "CircuitBreaker", "Timeout", "Retry", "Fallback", "ErrorHandler", "Tracing"],
			LazyRequestMetricsMiddleware,
			...["Debounce", "Throttle"],
			transporterLog(config),
			EventLoopMetricsMiddleware(),
			...(config.healthPort ? [HealthMiddleware(config.healthPort)] : [])
		]
	};
}
