import * as moleculer from "moleculer";
import type { Middleware, ServiceBroker } from "moleculer";
import { METRIC, MetricReporters } from "moleculer";

/** Moleculer's built-in middlewares (exported at run time, not in its type declarations). */
const Middlewares = (moleculer as unknown as { Middlewares: Record<"Metrics" | "Bulkhead", (broker: ServiceBroker) => Middleware> }).Middlewares;

/**
 * Metrics counted on the request path into plain local fields and folded into Moleculer's registry lazily:
 * once a second and right before each Prometheus scrape. A request does a few integer increments and an
 * array push — no label hashing, no registry lookup, no snapshot invalidation; each series is hashed once per
 * fold instead of several times per request. The series, their names, labels and meaning are Moleculer's own
 * (and this project's): only when the numbers reach the registry changes (at most 1 s late, never at a scrape).
 */

type Labels = Record<string, string | number | null>;

/** The parts of Moleculer's metric registry and its metric items that folding uses (moleculer 0.15). */
interface HistogramItem {
	sum: number;
	count: number;
	lastValue: number | null;
	timestamp: number;
	bucketValues?: Record<number, number>;
	quantileValues?: { add(value: number): void };
	rate?: { update(value: number): void };
}
interface HistogramMetric {
	buckets?: number[];
	get(labels: Labels): HistogramItem | undefined;
	observe(value: number, labels: Labels): HistogramItem;
	changed(): void;
}
export interface FoldableRegistry {
	opts: { enabled: boolean };
	increment(name: string, labels: Labels, value: number): unknown;
	set(name: string, value: number, labels: Labels): unknown;
	getMetric(name: string): unknown;
}

/** A counter series: `add` on the request path, the delta folded into the registry. */
export class LazyCounter {
	pending = 0;
	constructor(
		readonly name: string,
		readonly labels: Labels
	) {}
	add(n = 1): void {
		this.pending += n;
	}
	fold(registry: FoldableRegistry): void {
		if (this.pending === 0) return;
		registry.increment(this.name, this.labels, this.pending);
		this.pending = 0;
	}
}

/** A gauge series: the last value set is what the registry gets. */
export class LazyGauge {
	value = 0;
	private folded: number | undefined;
	constructor(
		readonly name: string,
		readonly labels: Labels
	) {}
	set(value: number): void {
		this.value = value;
	}
	fold(registry: FoldableRegistry): void {
		if (this.folded === this.value) return;
		registry.set(this.name, this.value, this.labels);
		this.folded = this.value;
	}
}

/** Index of the first bucket bound ≥ value (buckets ascending); buckets.length when above them all. */
export function bucketIndex(buckets: readonly number[], value: number): number {
	let lo = 0;
	let hi = buckets.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (value <= buckets[mid]) hi = mid;
		else lo = mid + 1;
	}
	return lo;
}

/**
 * A histogram series: the request path pushes the value; the fold adds sum, count, the cumulative buckets
 * (one binary search per value) and the quantile samples into the registry's item, as `observe` would have
 * one by one.
 */
export class LazyHistogram {
	private samples: number[] = [];
	constructor(
		readonly name: string,
		readonly labels: Labels
	) {}
	observe(value: number): void {
		this.samples.push(value);
	}
	fold(registry: FoldableRegistry): void {
		const samples = this.samples;
		if (samples.length === 0) return;
		this.samples = [];
		const metric = registry.getMetric(this.name) as HistogramMetric | undefined;
		if (!metric) return;
		let start = 0;
		let item = metric.get(this.labels);
		// A new series: the registry creates its item (labels, quantile window, rate) with the first value.
		if (!item) item = metric.observe(samples[start++], this.labels);
		if (start === samples.length) return;
		const buckets = metric.buckets;
		const counts = buckets ? new Array<number>(buckets.length + 1).fill(0) : undefined;
		let sum = 0;
		for (let i = start; i < samples.length; i++) {
			const v = samples[i];
			sum += v;
			if (counts) counts[bucketIndex(buckets!, v)]++;
			item.quantileValues?.add(v);
		}
		item.sum += sum;
		item.count += samples.length - start;
		item.lastValue = samples[samples.length - 1];
		item.timestamp = Date.now();
		if (buckets && counts && item.bucketValues) {
			let cumulative = 0;
			for (let b = 0; b < buckets.length; b++) {
				cumulative += counts[b];
				item.bucketValues[buckets[b]] += cumulative;
			}
		}
		item.rate?.update(item.count);
		metric.changed();
	}
}

type Series = LazyCounter | LazyGauge | LazyHistogram;

/** The lazy series of one broker's registry, folded every second and before each scrape. */
export class LazyMetrics {
	private readonly series: Series[] = [];
	private timer: NodeJS.Timeout | undefined;

	constructor(readonly registry: FoldableRegistry) {}

	get enabled(): boolean {
		return this.registry.opts.enabled;
	}
	counter(name: string, labels: Labels): LazyCounter {
		return this.add(new LazyCounter(name, labels));
	}
	gauge(name: string, labels: Labels): LazyGauge {
		return this.add(new LazyGauge(name, labels));
	}
	histogram(name: string, labels: Labels): LazyHistogram {
		return this.add(new LazyHistogram(name, labels));
	}
	private add<S extends Series>(s: S): S {
		this.series.push(s);
		return s;
	}

	fold(): void {
		for (const s of this.series) s.fold(this.registry);
	}

	start(intervalMs = 1_000): void {
		if (this.timer) return;
		this.timer = setInterval(() => this.fold(), intervalMs);
		this.timer.unref();
	}
	stop(): void {
		if (this.timer) clearInterval(this.timer);
		this.timer = undefined;
		this.fold();
	}
}

/** One LazyMetrics per registry: the middlewares, the gateway and the scrape share it. */
const BY_REGISTRY = new WeakMap<object, LazyMetrics>();
export function lazyMetricsOf(registry: FoldableRegistry): LazyMetrics {
	let lazy = BY_REGISTRY.get(registry);
	if (!lazy) {
		lazy = new LazyMetrics(registry);
		BY_REGISTRY.set(registry, lazy);
		if (registry.opts.enabled) lazy.start();
	}
	return lazy;
}

/** The Prometheus reporter, folding the lazy series before it writes the answer of a scrape. */
export class FoldingPrometheusReporter extends MetricReporters.Prometheus {
	override generatePrometheusResponse(): string {
		const registry = (this as unknown as { registry: FoldableRegistry }).registry;
		BY_REGISTRY.get(registry)?.fold();
		return super.generatePrometheusResponse();
	}
}

/**
 * The `metrics.reporter` option: Prometheus at `:port/metrics`, folding first. Moleculer takes a reporter
 * instance there too (its type declarations only list the `{ type, options }` form).
 */
export function foldingPrometheus(port: number): "Prometheus" {
	return new FoldingPrometheusReporter({ port, path: "/metrics" }) as unknown as "Prometheus";
}

interface ActionDef {
	name: string;
	service?: { fullName: string };
}
interface CallContext {
	caller: string | null;
	level: number;
}
type Handler = (ctx: CallContext) => Promise<unknown>;

/** The series of one action called from one caller. */
interface CallSeries {
	total: LazyCounter;
	active: LazyGauge;
	time: LazyHistogram;
	inFlight: number;
}

/**
 * Moleculer's Metrics middleware, its per-action part made lazy: `moleculer_request_total`, `_active`,
 * `_time` (histogram, ms), `_error_total` and `_levels`, with the same labels. Events, transit and transporter
 * metrics stay the built-in's (they are not on a read's path).
 */
function lazyRequestMetrics(broker: ServiceBroker): Middleware {
	const builtin = Middlewares.Metrics(broker) as Middleware & Record<string, unknown>;
	const registry = broker.metrics as unknown as FoldableRegistry;
	let lazy: LazyMetrics | undefined;
	const levels = new Map<number, LazyCounter>();

	function wrap(type: "local" | "remote", next: Handler, action: ActionDef): Handler {
		if (!broker.isMetricsEnabled()) return next;
		const metrics = (lazy ??= lazyMetricsOf(registry));
		const service = action.service ? action.service.fullName : null;
		const name = action.name;
		const byCaller = new Map<string | null, CallSeries>();
		const errors = new Map<string, LazyCounter>();
		const seriesOf = (caller: string | null): CallSeries => {
			let s = byCaller.get(caller);
			if (!s) {
				const labels = { service, action: name, caller, type };
				s = {
					total: metrics.counter(METRIC.MOLECULER_REQUEST_TOTAL, labels),
					active: metrics.gauge(METRIC.MOLECULER_REQUEST_ACTIVE, labels),
					time: metrics.histogram(METRIC.MOLECULER_REQUEST_TIME, labels),
					inFlight: 0
				};
				byCaller.set(caller, s);
			}
			return s;
		};
		return function lazyMetricsMiddleware(ctx: CallContext) {
			const s = seriesOf(ctx.caller);
			s.total.pending++;
			s.active.value = ++s.inFlight;
			let level = levels.get(ctx.level);
			if (!level) levels.set(ctx.level, (level = metrics.counter(METRIC.MOLECULER_REQUEST_LEVELS, { level: ctx.level })));
			level.pending++;
			const started = performance.now();
			return next(ctx).then(
				res => {
					s.time.observe(performance.now() - started);
					s.active.value = --s.inFlight;
					return res;
				},
				(err: { name?: string; code?: string | number; type?: string } | undefined) => {
					s.time.observe(performance.now() - started);
					s.active.value = --s.inFlight;
					const errorName = err?.name ?? null;
					const errorCode = err?.code ?? null;
					const errorType = err?.type ?? null;
					const key = `${ctx.caller}\0${errorName}\0${errorCode}\0${errorType}`;
					let counter = errors.get(key);
					if (!counter) {
						counter = metrics.counter(METRIC.MOLECULER_REQUEST_ERROR_TOTAL, { service, action: name, caller: ctx.caller, type, errorName, errorCode, errorType });
						errors.set(key, counter);
					}
					counter.pending++;
					throw err;
				}
			);
		};
	}

	return {
		...builtin,
		name: "Metrics",
		localAction: (next: Handler, action: ActionDef) => wrap("local", next, action),
		remoteAction: (next: Handler, action: ActionDef) => wrap("remote", next, action),
		// A broker started again (after a stop) folds every second again.
		started: async () => {
			if (broker.isMetricsEnabled()) lazyMetricsOf(registry).start();
		},
		stopped: async () => {
			lazy?.stop();
		}
	} as unknown as Middleware;
}

/** The registry the Bulkhead middleware sees: its per-call gauge writes kept locally, folded lazily. */
function lazyGaugeRegistry(registry: FoldableRegistry & { register(opts: unknown): unknown }): object {
	const gauges = new Map<string, Map<string, LazyGauge>>();
	let lazy: LazyMetrics | undefined;
	return {
		isEnabled: () => registry.opts.enabled,
		register: (opts: unknown) => registry.register(opts),
		set(name: string, value: number, labels: Record<string, string>) {
			if (!registry.opts.enabled) return;
			let byKey = gauges.get(name);
			if (!byKey) gauges.set(name, (byKey = new Map()));
			// An action's full name is unique on a node (no concatenation per call); an event's is not.
			const key = labels.action ?? `${labels.event}\0${labels.service}\0${labels.group ?? ""}`;
			let gauge = byKey.get(key);
			if (!gauge) byKey.set(key, (gauge = (lazy ??= lazyMetricsOf(registry)).gauge(name, { ...labels })));
			gauge.value = value;
		}
	};
}

/** Moleculer's Bulkhead, unchanged, but its in-flight and queue-size gauges folded lazily. */
function lazyBulkhead(broker: ServiceBroker): Middleware {
	const seen = Object.create(broker, { metrics: { value: lazyGaugeRegistry(broker.metrics as never) } }) as ServiceBroker;
	return Middlewares.Bulkhead(seen) as Middleware;
}

/**
 * As `middlewares` entries: Moleculer calls a function middleware with the broker and uses what it returns
 * (its type declarations only list objects and names).
 */
export const LazyRequestMetricsMiddleware = lazyRequestMetrics as unknown as Middleware;
export const LazyBulkheadMiddleware = lazyBulkhead as unknown as Middleware;
