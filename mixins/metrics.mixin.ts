import type { Service, ServiceSchema } from "moleculer";
import { METRICS, registerMetrics, type MetricKey, type MetricRegistry } from "../lib/metrics";

export interface MetricsMixinMethods {
	/** Adds one to a domain counter (a no-op when metrics are off). */
	countMetric(key: MetricKey, labels: Record<string, string>): void;
}

type MetricsThis = Service & MetricsMixinMethods;

/** Domain counters for a service: registered on start, counted with `this.countMetric`. */
export function metricsMixin(keys: MetricKey[]): Partial<ServiceSchema> {
	const schema: Partial<ServiceSchema<object, MetricsMixinMethods, object, MetricsThis>> = {
		methods: {
			countMetric(this: MetricsThis, key: MetricKey, labels: Record<string, string>): void {
				if (this.broker.isMetricsEnabled()) this.broker.metrics.increment(METRICS[key].name, labels);
			}
		},
		created(this: MetricsThis) {
			if (this.broker.isMetricsEnabled()) registerMetrics(this.broker.metrics as unknown as MetricRegistry, keys);
		}
	};
	return schema as Partial<ServiceSchema>;
}
