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
