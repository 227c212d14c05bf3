import { METRIC, ServiceBroker } from "moleculer";
import { bucketIndex, LazyBulkheadMiddleware, LazyMetrics, lazyMetricsOf, LazyRequestMetricsMiddleware, type FoldableRegistry } from "../../lib/lazy-metrics";

/** A broker with metrics on and no reporter: the registry alone. */
function broker(middlewares: ServiceBroker["options"]["middlewares"] = []): ServiceBroker {
	return new ServiceBroker({ logger: false, internalMiddlewares: false, metrics: { enabled: true, reporter: [] }, bulkhead: { enabled: true, concurrency: 5 }, middlewares });
}

interface Snapshot {
	labels: Record<string, unknown>;
	value?: number;
	count?: number;
	sum?: number;
	buckets?: Record<string, number>;
	quantiles?: Record<string, number>;
}
function values(b: ServiceBroker, name: string): Snapshot[] {
	return (b.metrics.getMetric(name) as unknown as { snapshot(): Snapshot[] }).snapshot();
}
const registryOf = (b: ServiceBroker) => b.metrics as unknown as FoldableRegistry & { register(o: object): void };

describe("lazy metrics (lib/lazy-metrics.ts)", () => {
	it("bucketIndex: the first bound at or above the value; past the last bound, the length", () => {
		const buckets = [1, 5, 10];
		expect([0, 1, 1.5, 5, 7, 10, 11, -3].map(v => bucketIndex(buckets, v))).toEqual([0, 0, 1, 1, 2, 2, 3, 0]);
		expect(bucketIndex([], 4)).toBe(0);
	});

	it("a folded histogram equals the same values observed one by one: count, sum, cumulative buckets, quantiles, labels", () => {
		const direct = broker();
		const lazyBroker = broker();
		const opts = { name: "h", type: "histogram", labelNames: ["route"], buckets: [0.01, 0.1, 1], quantiles: [0.5, 0.99] };
		direct.metrics.register(opts as never);
		lazyBroker.metrics.register(opts as never);
		const lazy = new LazyMetrics(registryOf(lazyBroker));
		const h = lazy.histogram("h", { route: "/a" });
		const samples = [0.005, 0.01, 0.05, 0.5, 2, 0.1, 0.02];
		// Folded twice: the second fold adds to the item the first one created.
		for (const v of samples.slice(0, 3)) h.observe(v);
		expect(values(lazyBroker, "h")).toEqual([]);
		lazy.fold();
		for (const v of samples.slice(3)) h.observe(v);
		lazy.fold();
		for (const v of samples) direct.metrics.observe("h", v, { route: "/a" });

		const [got] = values(lazyBroker, "h");
		const [want] = values(direct, "h");
		expect(got.labels).toEqual({ route: "/a" });
		expect(got.count).toBe(7);
		expect(got.sum).toBeCloseTo(want.sum!, 12);
		expect(got.buckets).toEqual({ 0.01: 2, 0.1: 5, 1: 6 });
		expect(got.buckets).toEqual(want.buckets);
		expect(got.quantiles).toEqual(want.quantiles);
	});

	it("counters fold their deltas, gauges their last value, each under its own labels", () => {
		const b = broker();
		b.metrics.register({ name: "c", type: "counter", labelNames: ["kind"] } as never);
		b.metrics.register({ name: "g", type: "gauge", labelNames: ["kind"] } as never);
		const lazy = new LazyMetrics(registryOf(b));
		const x = lazy.counter("c", { kind: "x" });
		const y = lazy.counter("c", { kind: "y" });
		const g = lazy.gauge("g", { kind: "x" });
		x.add();
		x.add(2);
		y.add();
		g.set(5);
		g.set(3);
		lazy.fold();
		x.add();
		lazy.fold();
		lazy.fold();
		expect(values(b, "c").map(s => [s.labels.kind, s.value])).toEqual([
			["x", 4],
			["y", 1]
		]);
		expect(values(b, "g").map(s => [s.labels.kind, s.value])).toEqual([["x", 3]]);
	});

	it("the request metrics middleware keeps Moleculer's series and labels, per action and caller", async () => {
		const b = broker([LazyBulkheadMiddleware, LazyRequestMetricsMiddleware]);
		b.createService({
			name: "svc",
			actions: {
				ok: () => "ok",
				fail: () => Promise.reject(Object.assign(new Error("no"), { code: 409, type: "CONFLICT" }))
			}
		});
		await b.start();
		try {
			await b.call("svc.ok");
			await b.call("svc.ok");
			await expect(b.call("svc.fail")).rejects.toThrow("no");
			// Nothing reaches the registry until the fold (a scrape, or the next second).
			expect(values(b, METRIC.MOLECULER_REQUEST_TOTAL)).toEqual([]);
			lazyMetricsOf(registryOf(b)).fold();

			const labels = (action: string) => ({ service: "svc", action, caller: null, type: "local" });
			expect(values(b, METRIC.MOLECULER_REQUEST_TOTAL).map(s => [s.labels, s.value])).toEqual([
				[labels("svc.ok"), 2],
				[labels("svc.fail"), 1]
			]);
			expect(values(b, METRIC.MOLECULER_REQUEST_ACTIVE).map(s => [s.labels.action, s.value])).toEqual([
				["svc.ok", 0],
				["svc.fail", 0]
			]);
			const times = values(b, METRIC.MOLECULER_REQUEST_TIME);
			expect(times.map(s => [s.labels, s.count])).toEqual([
				[labels("svc.ok"), 2],
				[labels("svc.fail"), 1]
			]);
			expect(values(b, METRIC.MOLECULER_REQUEST_ERROR_TOTAL).map(s => [s.labels, s.value])).toEqual([
				[{ ...labels("svc.fail"), errorName: "Error", errorCode: 409, errorType: "CONFLICT" }, 1]
			]);
			expect(values(b, METRIC.MOLECULER_REQUEST_LEVELS).map(s => [s.labels, s.value])).toEqual([[{ level: 1 }, 3]]);
			// The bulkhead's gauges: in flight and queued, back at 0.
			expect(values(b, METRIC.MOLECULER_REQUEST_BULKHEAD_INFLIGHT).map(s => [s.labels, s.value])).toEqual([
				[{ action: "svc.ok", service: "svc" }, 0],
				[{ action: "svc.fail", service: "svc" }, 0]
			]);
		} finally {
			await b.stop();
		}
	});
});
