import { startApp, type TestApp } from "../helpers/app";

describe("smoke", () => {
	let app: TestApp;
	beforeAll(async () => {
		app = await startApp();
	});
	afterAll(() => app.stop());

	it("registers, verifies, logs in and reads /me", async () => {
		const reg = await app.request("POST", "/api/v1/auth/register", { body: { email: "Smoke@Example.com", password: "a sturdy passphrase" } });
		expect(reg.status).toBe(201);
		const token = await app.mail.tokenFor("smoke@example.com", "verify-email");
		const ver = await app.request("POST", "/api/v1/auth/verify-email", { body: { token } });
		expect(ver.status).toBe(200);
		expect(ver.body.emailVerified).toBe(true);
		const login = await app.request("POST", "/api/v1/auth/login", { body: { email: " smoke@example.COM ", password: "a sturdy passphrase" } });
		expect(login.status).toBe(200);
		expect(login.headers.get("cache-control")).toBe("no-store");
		const me = await app.request("GET", "/api/v1/users/me", { token: login.body.accessToken });
		expect(me.status).toBe(200);
		expect(me.body.email).toBe("smoke@example.com");
	});
});
