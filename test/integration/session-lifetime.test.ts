/** SESSION_MAX_LIFETIME: refreshing keeps a session alive (REFRESH_TOKEN_TTL of inactivity), but never past its maximum. */
import { startApp, type TestApp } from "../helpers/app";
import { Secrets, expectError, login, registerUser } from "../helpers/kit";

describe("session lifetime", () => {
	let app: TestApp;
	const secrets = new Secrets();
	beforeAll(async () => {
		app = await startApp({ refreshTokenTtl: 100, sessionMaxLifetime: 150 });
	});
	afterAll(() => app.stop());

	it("slides with use, and ends at the maximum however often it is refreshed", async () => {
		const acc = await registerUser(app, { secrets });
		let tokens = await login(app, acc.email, acc.password, { secrets });
		const refresh = async () => {
			const res = await app.request("POST", "/api/v1/auth/refresh", { body: { refreshToken: tokens.refreshToken } });
			if (res.status === 200) tokens = res.body;
			return res;
		};
		// 90 s in: within REFRESH_TOKEN_TTL, so the refresh works and slides the session.
		expect((await app.clock.ahead(90_000, refresh)).status).toBe(200);
		// 140 s in: more than 100 s after sign-in but only 50 s after the last use: still alive.
		expect((await app.clock.ahead(140_000, refresh)).status).toBe(200);
		// 155 s in: used 15 s ago, yet past SESSION_MAX_LIFETIME from sign-in: over.
		const late = await app.clock.ahead(155_000, refresh);
		expect(late.status).toBe(401);
		expect(late.body.type).toBe("INVALID_TOKEN");
	});

	it("ends a session unused for REFRESH_TOKEN_TTL", async () => {
		const acc = await registerUser(app, { secrets });
		const tokens = await login(app, acc.email, acc.password, { secrets });
		const res = await app.clock.ahead(105_000, () => app.request("POST", "/api/v1/auth/refresh", { body: { refreshToken: tokens.refreshToken } }));
		expectError(res, 401, "INVALID_TOKEN");
	});
});
