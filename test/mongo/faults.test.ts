/**
 * The database failing under a running backend, and absent when it starts: requests answer 503 (never a
 * 500 or a hang), readiness says so, and everything recovers by itself with no acknowledged write lost.
 * Each test runs its own FerretDB so that stopping it touches nothing else.
 */
import { FerretDb, freePort } from "../helpers/ferretdb";
import { startApp, type HttpResult, type TestApp } from "../helpers/app";

const AUTH = "/api/v1/auth";
const REQUEST_TIMEOUT_MS = 10_000; // moleculer.config.ts requestTimeout

async function eventually<T>(what: string, attempt: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 40_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last: T | undefined;
	while (Date.now() < deadline) {
		last = await attempt();
		if (ok(last)) return last;
		await new Promise(r => setTimeout(r, 250));
	}
	throw new Error(`${what} did not happen within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

function expectUnavailable(res: HttpResult): void {
	expect(res.status).toBe(503);
	expect((res.body as { type: string }).type).toBe("SERVICE_UNAVAILABLE");
	expect(res.text).not.toMatch(/stack|Mongo/);
}

describe("database stopped while the backend runs", () => {
	let ferret: FerretDb;
	let app: TestApp;

	beforeAll(async () => {
		ferret = await FerretDb.create();
		await ferret.start();
		app = await startApp({ mongoUri: `${ferret.uri}/faults_runtime`, emailVerificationRequired: false });
	});
	afterAll(async () => {
		await app?.stop();
		await ferret?.destroy();
	});

	it("answers 503 while it is down, then recovers with every acknowledged write", async () => {
		const email = "outage@example.com";
		const password = "survives the outage";
		expect((await app.request("POST", `${AUTH}/register`, { body: { email, password } })).status).toBe(201);
		const login = await app.request("POST", `${AUTH}/login`, { body: { email, password } });
		expect(login.status).toBe(200);
		const token = login.body.accessToken as string;
		const saved = await app.request("PATCH", "/api/v1/users/me", { token, body: { displayName: "Written before the outage" } });
		expect(saved.status).toBe(200);

		await ferret.stop("SIGKILL");

		for (const [method, path, body] of [
			["GET", "/api/v1/users/me", undefined],
			["PATCH", "/api/v1/users/me", { bio: "lost?" }],
			["POST", `${AUTH}/login`, { email, password }],
			["POST", `${AUTH}/register`, { email: "during@example.com", password: "registered during outage" }]
		] as const) {
			const started = Date.now();
			const res = await app.request(method, path, { token, body });
			expectUnavailable(res);
			// Fails fast: within the broker's request timeout, not after it.
			expect(Date.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS);
		}
		const ready = await eventually("readiness 503", () => app.request("GET", "/api/health/ready"), r => r.status === 503);
		expect(ready.body.status).toBe("unavailable");

		await ferret.start();

		const me = await eventually("GET /me after the restart", () => app.request("GET", "/api/v1/users/me", { token }), r => r.status === 200);
		expect(me.body.displayName).toBe("Written before the outage");
		expect((await app.request("POST", `${AUTH}/login`, { body: { email, password } })).status).toBe(200);
		await eventually("readiness 200", () => app.request("GET", "/api/health/ready"), r => r.status === 200);
		// Nothing half-written during the outage: that registration never happened.
		expect((await app.request("POST", `${AUTH}/login`, { body: { email: "during@example.com", password: "registered during outage" } })).status).toBe(401);
	}, 90_000);
});

describe("database absent when the backend starts", () => {
	let ferret: FerretDb;
	let app: TestApp;

	beforeAll(async () => {
		ferret = await FerretDb.create(await freePort());
		app = await startApp({ mongoUri: `${ferret.uri}/faults_start` }, {}, { awaitStart: false });
	});
	afterAll(async () => {
		await app?.stop();
		await ferret?.destroy();
	});

	it("is live but not ready, answers 503, and becomes ready once the database appears", async () => {
		expect((await app.request("GET", "/api/health/live")).status).toBe(200);
		for (let i = 0; i < 3; i++) {
			const ready = await app.request("GET", "/api/health/ready");
			expect(ready.status).toBe(503);
			await new Promise(r => setTimeout(r, 300));
		}
		expectUnavailable(await app.request("POST", `${AUTH}/register`, { body: { email: "early@example.com", password: "too early to register" } }));

		await ferret.start();

		await eventually("readiness 200", () => app.request("GET", "/api/health/ready"), r => r.status === 200);
		await app.started;
		const reg = await app.request("POST", `${AUTH}/register`, { body: { email: "early@example.com", password: "too early to register" } });
		expect(reg.status).toBe(201);
	}, 90_000);
});
