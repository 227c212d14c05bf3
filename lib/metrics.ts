/** Domain metrics (Prometheus, next to the broker's own): names and labels in one place. */
export const METRICS = {
	logins: { name: "userbackend_logins_total", description: "Login attempts by result", labelNames: ["result"] },
	registrations: { name: "userbackend_registrations_total", description: "Registrations by result", labelNames: ["result"] },
	emails: { name: "userbackend_emails_total", description: "E-mail delivery attempts by template and result", labelNames: ["template", "result"] },
	throttled: { name: "userbackend_throttled_total", description: "Requests refused by throttling, by kind (address, ip)", labelNames: ["kind"] },
	mfaChallenges: {
		name: "userbackend_mfa_challenges_total",
		description: "Second-factor codes checked, by method (totp, recovery), where (login, step_up, enrolment) and result (passed, failed)",
		labelNames: ["method", "stage", "result"]
	},
	outbox: { name: "userbackend_outbox_total", description: "Outbox messages relayed to notifications, by result", labelNames: ["result"] }
} as const;

export type MetricKey = keyof typeof METRICS;

/** auth's outbox: messages waiting to be handed over to notifications (set at each poll of the relay). */
export const OUTBOX_DEPTH = { name: "userbackend_outbox_depth", description: "Outbox messages waiting for notifications" } as const;

/** The part of the broker's metric registry this project uses. */
export interface MetricRegistry {
	register(opts: { name: string; type: string; description: string; labelNames: string[] }): unknown;
	increment(name: string, labels?: Record<string, string>, value?: number): void;
	getMetric(name: string): unknown;
}

/** Registers the counters once per broker (several services share one registry). */
export function registerMetrics(registry: MetricRegistry, keys: MetricKey[]): void {
	for (const key of keys) {
		const m = METRICS[key];
		if (!registry.getMetric(m.name)) registry.register({ name: m.name, type: "counter", description: m.description, labelNames: [...m.labelNames] });
	}
}
