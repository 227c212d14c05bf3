import { startApp, type TestApp } from "../helpers/app";
import { freePort } from "../helpers/ferretdb";

/** Prometheus on METRICS_PORT: the broker's own metrics and the domain counters. */
describe("metrics", () => {
	let app: TestApp;
	let metricsUrl: string;

	beforeAll(async () => {
		const port = await freePort();
		app = await startApp({ metricsPort: port, emailVerificationRequired: false, loginMaxFailures: 2 });
		metricsUrl = `http://127.0.0.1:${port}/metrics`;
	});
	afterAll(() => app.stop());

	async function scrape(): Promise<string> {
		const res = await fetch(metricsUrl);
		expect(res.status).toBe(200);
		return res.text();
	}

	function counter(text: string, name: string, labels: Record<string, string>): number {
		const line = text.split("\n").find(l => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
		return line ? Number(line.trim().split(/\s+/).pop()) : 0;
	}

	/** The value of the one sample of `name` with exactly these labels (besides namespace and nodeID); undefined when absent. */
	function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
		const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
		const line = text.split("\n").find(l => {
			const m = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(l);
			if (!m || m[1] !== name) return false;
			const own = m[2].split(/,(?=[a-zA-Z_]+=")/).filter(p => !p.startsWith("namespace=") && !p.startsWith("nodeID="));
			return own.length === wanted.length && wanted.every(w => own.includes(w));
		});
		return line === undefined ? undefined : Number(line.split(" ").pop());
	}

	it("every domain counter is there at 0 before its first event", async () => {
		const text = await scrape();
		for (const result of ["success", "invalid_credentials", "email_not_verified", "account_disabled"]) expect(sample(text, "userbackend_logins_total", { result })).toBe(0);
		for (const result of ["email_taken", "weak_password", "error"]) expect(sample(text, "userbackend_registrations_total", { result })).toBe(0);
		expect(sample(text, "userbackend_throttled_total", { kind: "ip" })).toBe(0);
		for (const result of ["sent", "retry", "failed", "cancelled"]) expect(sample(text, "userbackend_emails_total", { template: "password-reset", result })).toBe(0);
	});

	it("the gateway counts requests and their latency per route template and status, never the raw URL", async () => {
		const id = "0f8fad5b-d9cb-469f-a165-70867728950e";
		await app.request("GET", `/api/v1/users/${id}`);
		await app.request("GET", `/api/v1/users/${id}`);
		await app.request("GET", "/api/health/live");
		await app.request("DELETE", "/api/health/live");
		await app.request("GET", "/no/such/path/secret-looking-token");
		const text = await scrape();
		expect(sample(text, "userbackend_http_requests_total", { method: "GET", route: "/api/v1/users/:id", status: "401" })).toBe(2);
		expect(sample(text, "userbackend_http_request_duration_seconds_count", { method: "GET", route: "/api/v1/users/:id", status: "401" })).toBe(2);
		expect(sample(text, "userbackend_http_request_duration_seconds_bucket", { method: "GET", route: "/api/v1/users/:id", status: "401", le: "+Inf" })).toBe(2);
		expect(sample(text, "userbackend_http_requests_total", { method: "GET", route: "/api/health/live", status: "200" })).toBe(1);
		expect(sample(text, "userbackend_http_requests_total", { method: "DELETE", route: "/api/health/live", status: "405" })).toBe(1);
		expect(sample(text, "userbackend_http_requests_total", { method: "GET", route: "unmatched", status: "404" })).toBe(1);
		expect(text).not.toContain(id);
		expect(text).not.toContain("secret-looking-token");
	});

	it("a scrape shows every call made before it: the per-call metrics are folded into the registry at the scrape", async () => {
		const labels = { action: "api.live", type: "local" };
		const before = (await scrape()).split("\n");
		const total = (lines: string[]) => counter(lines.join("\n"), "moleculer_request_total", labels);
		const count = (lines: string[]) => counter(lines.join("\n"), "moleculer_request_time_count", labels);
		for (let i = 0; i < 3; i++) expect((await app.request("GET", "/api/health/live")).status).toBe(200);
		const after = (await scrape()).split("\n");
		expect(total(after) - total(before)).toBe(3);
		expect(count(after) - count(before)).toBe(3);
		expect(counter(after.join("\n"), "moleculer_request_active", labels)).toBe(0);
		expect(counter(after.join("\n"), "moleculer_request_bulkhead_inflight", { action: "api.live" })).toBe(0);
	});

	it("reports the event-loop delay (perf_hooks.monitorEventLoopDelay)", async () => {
		const text = await scrape();
		for (const stat of ["mean", "p50", "p99", "max"]) {
			const value = sample(text, "userbackend_event_loop_delay_seconds", { stat });
			expect(typeof value).toBe("number");
			expect(value).toBeGreaterThanOrEqual(0);
		}
		expect(sample(text, "userbackend_event_loop_delay_seconds", { stat: "max" })).toBeLessThan(10);
	});

	it("counts registrations, logins by result, throttled attempts and e-mails", async () => {
		const email = "metrics@example.com";
		const password = "metrics passphrase";
		expect((await app.request("POST", "/api/v1/auth/register", { body: { email, password } })).status).toBe(201);
		expect((await app.request("POST", "/api/v1/auth/register", { body: { email, password } })).status).toBe(409);
		expect((await app.request("POST", "/api/v1/auth/login", { body: { email, password } })).status).toBe(200);
		for (let i = 0; i < 2; i++) await app.request("POST", "/api/v1/auth/login", { body: { email, password: "wrong password!" } });
		expect((await app.request("POST", "/api/v1/auth/login", { body: { email, password } })).status).toBe(429);
		await app.mail.waitFor(m => m.to === email);
		// The delivery is counted once the SMTP server has answered: a moment after the mail arrives.
		let text = await scrape();
		for (let i = 0; i < 20 && counter(text, "userbackend_emails_total", { template: "verify-email", result: "sent" }) === 0; i++) {
			await new Promise(r => setTimeout(r, 100));
			text = await scrape();
		}

		expect(text).toMatch(/moleculer_request_total/);
		expect(counter(text, "userbackend_registrations_total", { result: "created" })).toBe(1);
		expect(counter(text, "userbackend_registrations_total", { result: "email_taken" })).toBe(1);
		expect(counter(text, "userbackend_logins_total", { result: "success" })).toBe(1);
		expect(counter(text, "userbackend_logins_total", { result: "invalid_credentials" })).toBe(2);
		expect(counter(text, "userbackend_logins_total", { result: "throttled" })).toBe(1);
		expect(counter(text, "userbackend_throttled_total", { kind: "address" })).toBe(1);
		// One sign-up (the second was EMAIL_TAKEN): one verification e-mail.
		expect(counter(text, "userbackend_emails_total", { template: "verify-email", result: "sent" })).toBe(1);
		// Nothing secret in the metrics.
		expect(text).not.toContain(password);
	});
});
