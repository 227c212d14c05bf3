import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Middleware, ServiceBroker } from "moleculer";
import { EMAIL_TEMPLATES } from "./enums";
import { lazyMetricsOf, type FoldableRegistry, type LazyCounter, type LazyHistogram } from "./lazy-metrics";

/**
 * Domain metrics (Prometheus, next to the broker's own): names, labels and the label values each counter
 * starts with at 0, so that a dashboard or an alert sees the series before the first event.
 */
export const METRICS = {
	logins: {
		name: "userbackend_logins_total",
		description: "Login attempts by result",
		labelNames: ["result"],
		initial: { result: ["success", "invalid_credentials", "email_not_verified", "account_disabled", "throttled"] }
	},
	registrations: {
		name: "userbackend_registrations_total",
		description: "Registrations by result",
		labelNames: ["result"],
		initial: { result: ["created", "email_taken", "weak_password", "error"] }
	},
	emails: {
		name: "userbackend_emails_total",
		description: "E-mail delivery attempts by template and result",
		labelNames: ["template", "result"],
		initial: { template: [...EMAIL_TEMPLATES], result: ["sent", "retry", "failed", "cancelled"] }
	},
	throttled: {
		name: "userbackend_throttled_total",
		description: "Requests refused by throttling, by kind (address, ip)",
		labelNames: ["kind"],
		initial: { kind: ["address", "ip"] }
	},
	mfaChallenges: {
		name: "userbackend_mfa_challenges_total",
		description: "Second-factor codes checked, by method (totp, recovery), where (login, step_up, enrolment) and result (passed, failed)",
		labelNames: ["method", "stage", "result"],
		initial: { method: ["totp", "recovery"], stage: ["login", "step_up", "enrolment"], result: ["passed", "failed"] }
	},
	oidcLogins: {
		name: "userbackend_oidc_provider_logins_total",
		description: "Sign-ins through another OpenID provider (OIDC_PROVIDERS), by provider id and result",
		labelNames: ["provider", "result"],
		// The providers come from the configuration: their series appear with the first sign-in.
		initial: { provider: [], result: [] }
	},
	outbox: {
		name: "userbackend_outbox_total",
		description: "Outbox messages relayed to notifications, by result",
		labelNames: ["result"],
		initial: { result: ["relayed", "dropped", "retry", "refused"] }
	}
} as const;

export type MetricKey = keyof typeof METRICS;

/** auth's outbox: messages waiting to be handed over to notifications (set at each poll of the relay). */
export const OUTBOX_DEPTH = { name: "userbackend_outbox_depth", description: "Outbox messages waiting for notifications" } as const;

/** The gateway's HTTP metrics: labelled by route template (routes.ts), never by the raw URL. */
export const HTTP_METRICS = {
	requests: { name: "userbackend_http_requests_total", description: "HTTP requests by method, route template and status", labelNames: ["method", "route", "status"] },
	duration: {
		name: "userbackend_http_request_duration_seconds",
		description: "HTTP request latency by method, route template and status",
		labelNames: ["method", "route", "status"],
		buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
		// Moleculer writes `_sum` and `_count` only for a histogram with quantiles (over the last minute).
		quantiles: [0.5, 0.9, 0.99]
	}
} as const;

/** The event-loop delay of this node (perf_hooks.monitorEventLoopDelay), over the last interval. */
export const EVENT_LOOP_METRIC = {
	name: "userbackend_event_loop_delay_seconds",
	description: "Event-loop delay over the last 5 s, by statistic (mean, p50, p99, max)",
	labelNames: ["stat"]
} as const;

/** The part of the broker's metric registry this project uses. */
export interface MetricRegistry {
	register(opts: { name: string; type: string; description: string; labelNames: string[]; buckets?: number[]; quantiles?: number[] }): unknown;
	increment(name: string, labels?: Record<string, string>, value?: number): void;
	observe(name: string, value: number, labels?: Record<string, string>): void;
	set(name: string, value: number, labels?: Record<string, string>): void;
	getMetric(name: string): unknown;
}

/** Every combination of the initial label values: { a: [1, 2], b: [x] } → [{a:1,b:x}, {a:2,b:x}]. */
function combinations(values: Readonly<Record<string, readonly string[]>>): Array<Record<string, string>> {
	return Object.entries(values).reduce<Array<Record<string, string>>>((acc, [label, options]) => acc.flatMap(c => options.map(v => ({ ...c, [label]: v }))), [{}]);
}

/** Registers the counters once per broker (several services share one registry), each known series at 0. */
export function registerMetrics(registry: MetricRegistry, keys: MetricKey[]): void {
	for (const key of keys) {
		const m = METRICS[key];
		if (registry.getMetric(m.name)) continue;
		registry.register({ name: m.name, type: "counter", description: m.description, labelNames: [...m.labelNames] });
		for (const labels of combinations(m.initial)) registry.increment(m.name, labels, 0);
	}
}

/** Registers the gateway's HTTP metrics (once per broker). */
export function registerHttpMetrics(registry: MetricRegistry): void {
	const { requests, duration } = HTTP_METRICS;
	if (!registry.getMetric(requests.name)) registry.register({ name: requests.name, type: "counter", description: requests.description, labelNames: [...requests.labelNames] });
	if (!registry.getMetric(duration.name)) {
		registry.register({ name: duration.name, type: "histogram", description: duration.description, labelNames: [...duration.labelNames], buckets: [...duration.buckets], quantiles: [...duration.quantiles] });
	}
}

/** The HTTP series of one registry, by method, route template and status: counted locally, folded lazily. */
const HTTP_SERIES = new WeakMap<object, Map<string, { requests: LazyCounter; duration: LazyHistogram }>>();

/** Counts one answered HTTP request and its latency (into the registry at the next fold: ≤ 1 s, or a scrape). */
export function recordHttpRequest(registry: MetricRegistry, labels: { method: string; route: string; status: string }, seconds: number): void {
	let byKey = HTTP_SERIES.get(registry);
	if (!byKey) HTTP_SERIES.set(registry, (byKey = new Map()));
	const key = `${labels.method} ${labels.status} ${labels.route}`;
	let series = byKey.get(key);
	if (!series) {
		const lazy = lazyMetricsOf(registry as unknown as FoldableRegistry);
		const own = { ...labels };
		series = { requests: lazy.counter(HTTP_METRICS.requests.name, own), duration: lazy.histogram(HTTP_METRICS.duration.name, own) };
		byKey.set(key, series);
	}
	series.requests.pending++;
	series.duration.observe(seconds);
}

const EVENT_LOOP_INTERVAL_MS = 5_000;

/** Every node: the event-loop delay as gauges, refreshed every 5 s (when the broker's metrics are on). */
export function EventLoopMetricsMiddleware(): Middleware {
	const histogram = monitorEventLoopDelay({ resolution: 10 });
	let timer: NodeJS.Timeout | undefined;
	return {
		name: "EventLoopMetrics",
		async started(broker: ServiceBroker) {
			if (!broker.isMetricsEnabled()) return;
			const registry = broker.metrics as unknown as MetricRegistry;
			if (!registry.getMetric(EVENT_LOOP_METRIC.name)) {
				registry.register({ name: EVENT_LOOP_METRIC.name, type: "gauge", description: EVENT_LOOP_METRIC.description, labelNames: [...EVENT_LOOP_METRIC.labelNames] });
			}
			const publish = () => {
				// The histogram is in nanoseconds; NaN before the first sample.
				const seconds = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
				registry.set(EVENT_LOOP_METRIC.name, seconds(histogram.mean), { stat: "mean" });
				registry.set(EVENT_LOOP_METRIC.name, seconds(histogram.percentile(50)), { stat: "p50" });
				registry.set(EVENT_LOOP_METRIC.name, seconds(histogram.percentile(99)), { stat: "p99" });
				registry.set(EVENT_LOOP_METRIC.name, seconds(histogram.max), { stat: "max" });
				histogram.reset();
			};
			histogram.enable();
			publish();
			timer = setInterval(publish, EVENT_LOOP_INTERVAL_MS);
			timer.unref();
		},
		async stopped() {
			if (timer) clearInterval(timer);
			histogram.disable();
		}
	} as Middleware;
}
