/**
 * The authenticated read's hot path: nothing logged or formatted per request at the default level, the
 * gateway's cache of verified tokens never outlives the change that ends a caller (logout, disable, delete),
 * and the read cache of /me (lib/user-cache.ts) never answers what a change has replaced.
 */
import type { Service } from "moleculer";
import type { UserStore } from "../../services/users/ports";
import { startApp, type TestApp } from "../helpers/app";
import { expectError, login, registerUser, type TestUser } from "../helpers/kit";

const ME = "/api/v1/users/me";
const USERS = "/api/v1/users";
const ADMIN_EMAIL = "hot-path-root@example.com";
const ADMIN_PASSWORD = "root operator passphrase 9";
const LOUD_LEVELS = ["fatal", "error", "warn", "info"] as const;

describe("the authenticated read's hot path", () => {
	let app: TestApp;
	let root: { accessToken: string };

	beforeAll(async () => {
		// startApp's default level is info, the default of LOG_LEVEL.
		app = await startApp({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
		root = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD);
	});
	afterAll(() => app.stop());

	it("at LOG_LEVEL=info, GET /me calls no logger at info or above and runs none of moleculer-web's per-request logging", async () => {
		expect(app.config.logLevel).toBe("info");
		const alice = await registerUser(app, { login: true });
		const calls: string[] = [];
		const restore: Array<() => void> = [];
		// The services a read passes through (notifications may still be reporting the welcome e-mail).
		const loggers = [app.broker.logger, ...["api", "users"].map(name => (app.broker.getLocalService(name) as Service).logger)];
		for (const logger of loggers) {
			for (const level of LOUD_LEVELS) {
				const original = logger[level];
				logger[level] = (...args: unknown[]) => {
					calls.push(`${level}: ${String(args[0])}`);
					original.apply(logger, args);
				};
				restore.push(() => (logger[level] = original));
			}
		}
		const api = app.broker.getLocalService("api") as Service & { logResponse(...args: unknown[]): void };
		const logResponse = jest.spyOn(api, "logResponse");
		let responsesLogged: number;
		try {
			for (let i = 0; i < 20; i++) expect((await app.request("GET", ME, { token: alice.accessToken })).status).toBe(200);
			responsesLogged = logResponse.mock.calls.length;
		} finally {
			restore.forEach(r => r());
			logResponse.mockRestore();
		}
		expect(calls).toEqual([]);
		expect(responsesLogged).toBe(0);
	});

	describe("a cached token stops working as soon as the change is answered", () => {
		let user: TestUser;

		beforeEach(async () => {
			user = await registerUser(app, { login: true });
			// Verified once, so the gateway holds it in its cache.
			expect((await app.request("GET", ME, { token: user.accessToken })).status).toBe(200);
			expect((await app.request("GET", ME, { token: user.accessToken })).status).toBe(200);
		});

		it("logout", async () => {
			expect((await app.request("POST", "/api/v1/auth/logout", { token: user.accessToken })).status).toBe(204);
			expectError(await app.request("GET", ME, { token: user.accessToken }), 401, "INVALID_TOKEN");
		});

		it("disabled by an admin", async () => {
			const patched = await app.request("PATCH", `${USERS}/${user.user.id}`, { token: root.accessToken, body: { status: "disabled" } });
			expect(patched.status).toBe(200);
			expectError(await app.request("GET", ME, { token: user.accessToken }), 401, "INVALID_TOKEN");
		});

		it("deleted by an admin", async () => {
			expect((await app.request("DELETE", `${USERS}/${user.user.id}`, { token: root.accessToken })).status).toBe(204);
			expectError(await app.request("GET", ME, { token: user.accessToken }), 401, "INVALID_TOKEN");
		});

		it("deleted by its owner", async () => {
			expect((await app.request("DELETE", ME, { token: user.accessToken, body: { password: user.password } })).status).toBe(204);
			expectError(await app.request("GET", ME, { token: user.accessToken }), 401, "INVALID_TOKEN");
		});

		it("a role taken away: the admin route refuses the old token's caller at once", async () => {
			const promoted = await app.request("PATCH", `${USERS}/${user.user.id}`, { token: root.accessToken, body: { roles: ["user", "admin"] } });
			expect(promoted.status).toBe(200);
			const admin = await login(app, user.email, user.password);
			expect((await app.request("GET", USERS, { token: admin.accessToken })).status).toBe(200);
			expect((await app.request("PATCH", `${USERS}/${user.user.id}`, { token: root.accessToken, body: { roles: ["user"] } })).status).toBe(200);
			expectError(await app.request("GET", USERS, { token: admin.accessToken }), 401, "INVALID_TOKEN");
		});
	});
	describe("the read cache of GET /me", () => {
		let user: TestUser;
		const store = () => (app.broker.getLocalService("users") as unknown as { core: { store: UserStore } }).core.store;

		beforeEach(async () => {
			user = await registerUser(app, { login: true });
			expect((await app.request("GET", ME, { token: user.accessToken })).status).toBe(200);
		});

		it("serves a repeated read without reading the store", async () => {
			const findById = jest.spyOn(store(), "findById");
			try {
				const res = await app.request("GET", ME, { token: user.accessToken });
				expect(res.status).toBe(200);
				expect(res.body.id).toBe(user.user.id);
				expect(findById).not.toHaveBeenCalled();
			} finally {
				findById.mockRestore();
			}
		});

		it("the owner's profile change is in the very next read", async () => {
			const patched = await app.request("PATCH", ME, { token: user.accessToken, body: { displayName: "Changed by its owner" } });
			expect(patched.status).toBe(200);
			const res = await app.request("GET", ME, { token: user.accessToken });
			expect(res.body.displayName).toBe("Changed by its owner");
			expect(res.body.updatedAt).toBe(patched.body.updatedAt);
		});

		it("an admin's change of the name is in the owner's very next read", async () => {
			const patched = await app.request("PATCH", `${USERS}/${user.user.id}`, { token: root.accessToken, body: { displayName: "Renamed by an admin" } });
			expect(patched.status).toBe(200);
			expect((await app.request("GET", ME, { token: user.accessToken })).body.displayName).toBe("Renamed by an admin");
		});

		it("disabled by an admin, then enabled again: the first read after is refused, the new login reads the current record", async () => {
			expect((await app.request("PATCH", `${USERS}/${user.user.id}`, { token: root.accessToken, body: { status: "disabled" } })).status).toBe(200);
			expectError(await app.request("GET", ME, { token: user.accessToken }), 401, "INVALID_TOKEN");
			expect((await app.request("PATCH", `${USERS}/${user.user.id}`, { token: root.accessToken, body: { status: "active" } })).status).toBe(200);
			const again = await login(app, user.email, user.password);
			const res = await app.request("GET", ME, { token: again.accessToken });
			expect(res.body.status).toBe("active");
			expect(res.body.lastLoginAt).not.toBeNull();
		});

		it("deleted: a read through another session of the account is refused, never served from the cache", async () => {
			const other = await login(app, user.email, user.password);
			expect((await app.request("GET", ME, { token: other.accessToken })).status).toBe(200);
			expect((await app.request("DELETE", `${USERS}/${user.user.id}`, { token: root.accessToken })).status).toBe(204);
			expectError(await app.request("GET", ME, { token: other.accessToken }), 401, "INVALID_TOKEN");
		});
	});
});
