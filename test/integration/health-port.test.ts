/**
 * The embedded default (all four services, one process) answers /live and /ready on HEALTH_PORT, apart from
 * the gateway's own routes; in the mongoose project the stores are MongoDB (FerretDB).
 */
import { startApp, type TestApp } from "../helpers/app";
import { freePort } from "../helpers/ferretdb";

describe("HEALTH_PORT on the embedded default", () => {
	let app: TestApp;
	let port: number;

	beforeAll(async () => {
		port = await freePort();
		app = await startApp({ healthPort: port });
	});

	afterAll(async () => {
		await app?.stop();
	});

	it("answers /live and /ready with 200 once started, every store reachable", async () => {
		const live = await fetch(`http://127.0.0.1:${port}/live`);
		expect([live.status, await live.json()]).toEqual([200, { status: "ok" }]);
		const ready = await fetch(`http://127.0.0.1:${port}/ready`);
		expect(ready.status).toBe(200);
		expect(await ready.json()).toEqual({
			status: "ok",
			checks: { started: true, "store:users": true, "store:auth": true, "store:notifications": true }
		});
		for (const path of ["/live", "/ready"]) expect((await fetch(`http://127.0.0.1:${port}${path}`, { method: "HEAD" })).status).toBe(200);
	});

	it("is a port of its own: the gateway's port does not serve /live", async () => {
		expect(port).not.toBe(Number(new URL(app.url).port));
		expect((await app.request("GET", "/live")).status).toBe(404);
	});
});
