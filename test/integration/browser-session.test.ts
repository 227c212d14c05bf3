/**
 * The browser side of the gateway (CONTRACT §5): cookie sessions and their CSRF rule, the hosted pages and
 * their headers, /api/docs, and the admin routes the console uses. The JSON API is shown unchanged.
 */
import { startApp, type HttpResult, type TestApp } from "../helpers/app";
import { Secrets, expectError, login, registerUser, type Tokens } from "../helpers/kit";

const AUTH = "/api/v1/auth";
const APP_ORIGIN = "http://localhost:3000"; // the default APP_URL's origin
const OTHER_ALLOWED = "https://app.example.com"; // CORS_ORIGINS
const ADMIN_EMAIL = "root@example.com";
const ADMIN_PASSWORD = "root orchard candle 42";
const COOKIE = "refresh_token";
const PAGES = ["/login", "/register", "/forgot-password", "/verify-email", "/reset-password", "/confirm-email", "/magic-link", "/account", "/admin"];

let app: TestApp;
const secrets = new Secrets();

beforeAll(async () => {
	app = await startApp({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD }, { CORS_ORIGINS: OTHER_ALLOWED });
});
afterAll(() => app.stop());

/** The session cookie a response sets: its value and attributes. */
function setCookie(res: HttpResult): { value: string; attributes: string[] } | null {
	const header = res.headers.getSetCookie().find(c => c.startsWith(`${COOKIE}=`));
	if (!header) return null;
	const [pair, ...attributes] = header.split(";").map(s => s.trim());
	return { value: pair.slice(COOKIE.length + 1), attributes };
}

const cookieLogin = async (email: string, password: string) => {
	const res = await app.request("POST", `${AUTH}/login`, { body: { email, password }, headers: { "X-Session": "cookie", Origin: APP_ORIGIN } });
	expect(res.status).toBe(200);
	secrets.addTokens(res.body);
	const cookie = setCookie(res)!;
	secrets.add(cookie.value);
	return { res, cookie: cookie.value };
};

const withCookie = (method: string, path: string, cookie: string, headers: Record<string, string> = {}) =>
	app.request(method, path, { headers: { Cookie: `${COOKIE}=${cookie}`, "X-Session": "cookie", ...headers } });

describe("cookie sessions (X-Session: cookie)", () => {
	it("login puts the refresh token in an httpOnly, SameSite=Strict cookie on /api/v1/auth, not in the body", async () => {
		const acc = await registerUser(app, { secrets });
		const { res } = await cookieLogin(acc.email, acc.password);
		expect(Object.keys(res.body).sort()).toEqual(["accessToken", "expiresIn", "tokenType", "user"]);
		const cookie = setCookie(res)!;
		expect(cookie.value).toMatch(/^[\w-]+\.[\w-]+$/);
		expect(cookie.attributes).toEqual(["Path=/api/v1/auth", "HttpOnly", "SameSite=Strict", `Max-Age=${app.config.refreshTokenTtl}`]);
		expect(res.headers.get("cache-control")).toBe("no-store");
		expect((await app.request("GET", "/api/v1/users/me", { token: res.body.accessToken })).status).toBe(200);
	});

	it("refresh takes the cookie from APP_URL's origin: new access token, the successor in the cookie", async () => {
		const acc = await registerUser(app, { secrets });
		const { cookie } = await cookieLogin(acc.email, acc.password);
		const res = await withCookie("POST", `${AUTH}/refresh`, cookie, { Origin: APP_ORIGIN });
		expect(res.status).toBe(200);
		secrets.addTokens(res.body);
		expect(res.body.refreshToken).toBeUndefined();
		expect(res.body.user.email).toBe(acc.email);
		const successor = setCookie(res)!.value;
		expect(successor).not.toBe(cookie);
		expect((await withCookie("POST", `${AUTH}/refresh`, successor, { Origin: APP_ORIGIN })).status).toBe(200);
	});

	it("refresh takes the cookie from a CORS_ORIGINS origin too", async () => {
		const acc = await registerUser(app, { secrets });
		const { cookie } = await cookieLogin(acc.email, acc.password);
		const res = await withCookie("POST", `${AUTH}/refresh`, cookie, { Origin: OTHER_ALLOWED });
		expect(res.status).toBe(200);
		secrets.addTokens(res.body);
	});

	it("CSRF: the cookie without an allowed Origin is 403 FORBIDDEN on refresh and logout, and the session is untouched", async () => {
		const acc = await registerUser(app, { secrets });
		const { cookie, res: signedIn } = await cookieLogin(acc.email, acc.password);
		for (const origin of [undefined, "https://evil.example", "null", "http://localhost:3001"]) {
			const headers: Record<string, string> = origin === undefined ? {} : { Origin: origin };
			const refused = await withCookie("POST", `${AUTH}/refresh`, cookie, headers);
			expectError(refused, 403, "FORBIDDEN");
			expect(refused.headers.getSetCookie()).toEqual([]);
			expectError(await withCookie("POST", `${AUTH}/logout`, cookie, headers), 403, "FORBIDDEN");
		}
		// Even with a body token beside it: a request carrying the cookie needs the Origin.
		const both = await app.request("POST", `${AUTH}/refresh`, { body: { refreshToken: cookie }, headers: { Cookie: `${COOKIE}=${cookie}` } });
		expectError(both, 403, "FORBIDDEN");
		expect((await app.request("GET", "/api/v1/users/me", { token: signedIn.body.accessToken })).status).toBe(200);
		expect((await withCookie("POST", `${AUTH}/refresh`, cookie, { Origin: APP_ORIGIN })).status).toBe(200);
	});

	it("logout with the cookie alone ends the session and clears the cookie", async () => {
		const acc = await registerUser(app, { secrets });
		const { cookie, res: signedIn } = await cookieLogin(acc.email, acc.password);
		const out = await withCookie("POST", `${AUTH}/logout`, cookie, { Origin: APP_ORIGIN });
		expect(out.status).toBe(204);
		expect(setCookie(out)).toEqual({ value: "", attributes: ["Path=/api/v1/auth", "HttpOnly", "SameSite=Strict", "Max-Age=0"] });
		expectError(await app.request("GET", "/api/v1/users/me", { token: signedIn.body.accessToken }), 401, "INVALID_TOKEN");
		// The old cookie is refused, and cleared again.
		const after = await withCookie("POST", `${AUTH}/refresh`, cookie, { Origin: APP_ORIGIN });
		expectError(after, 401, "INVALID_TOKEN");
		expect(setCookie(after)?.attributes).toContain("Max-Age=0");
	});

	it("logout with a Bearer token in cookie mode ends that session and clears the cookie", async () => {
		const acc = await registerUser(app, { secrets });
		const { cookie, res: signedIn } = await cookieLogin(acc.email, acc.password);
		const out = await app.request("POST", `${AUTH}/logout`, {
			token: signedIn.body.accessToken,
			headers: { Cookie: `${COOKIE}=${cookie}`, "X-Session": "cookie", Origin: APP_ORIGIN }
		});
		expect(out.status).toBe(204);
		expect(setCookie(out)?.attributes).toContain("Max-Age=0");
		expectError(await withCookie("POST", `${AUTH}/refresh`, cookie, { Origin: APP_ORIGIN }), 401, "INVALID_TOKEN");
	});

	it("two tabs refreshing with the cookie at once both get 200 and the same successor", async () => {
		const acc = await registerUser(app, { secrets });
		const { cookie } = await cookieLogin(acc.email, acc.password);
		const [a, b] = await Promise.all([
			withCookie("POST", `${AUTH}/refresh`, cookie, { Origin: APP_ORIGIN }),
			withCookie("POST", `${AUTH}/refresh`, cookie, { Origin: APP_ORIGIN })
		]);
		expect([a.status, b.status]).toEqual([200, 200]);
		secrets.addTokens(a.body);
		secrets.addTokens(b.body);
		expect(setCookie(a)!.value).toBe(setCookie(b)!.value);
	});
});

describe("the JSON API without cookies, as before", () => {
	it("login, refresh and logout answer as they always did: tokens in the body, no cookie", async () => {
		const acc = await registerUser(app, { secrets });
		const t = await login(app, acc.email, acc.password, { secrets });
		expect(typeof t.refreshToken).toBe("string");
		const r = await app.request<Tokens>("POST", `${AUTH}/refresh`, { body: { refreshToken: t.refreshToken } });
		expect(r.status).toBe(200);
		secrets.addTokens(r.body);
		expect(typeof r.body.refreshToken).toBe("string");
		expect(r.headers.getSetCookie()).toEqual([]);
		const out = await app.request("POST", `${AUTH}/logout`, { token: r.body.accessToken });
		expect(out.status).toBe(204);
		expect(out.headers.getSetCookie()).toEqual([]);
		expectError(await app.request("POST", `${AUTH}/refresh`, { body: { refreshToken: r.body.refreshToken } }), 401, "INVALID_TOKEN");
	});

	it("logout: a refresh token in the body also ends its session; nothing at all is 401 UNAUTHORIZED; a bad token 401 INVALID_TOKEN", async () => {
		const acc = await registerUser(app, { secrets });
		const t = await login(app, acc.email, acc.password, { secrets });
		expect((await app.request("POST", `${AUTH}/logout`, { body: { refreshToken: t.refreshToken } })).status).toBe(204);
		expectError(await app.request("GET", "/api/v1/users/me", { token: t.accessToken }), 401, "INVALID_TOKEN");
		expectError(await app.request("POST", `${AUTH}/logout`), 401, "UNAUTHORIZED");
		expectError(await app.request("POST", `${AUTH}/logout`, { body: { refreshToken: "nope.nope" } }), 401, "INVALID_TOKEN");
		expectError(await app.request("POST", `${AUTH}/logout`, { body: { refreshToken: t.refreshToken } }), 401, "INVALID_TOKEN");
		expectError(await app.request("POST", `${AUTH}/logout`, { body: { refreshToken: 42 } }), 422, "VALIDATION_ERROR");
	});
});

describe("hosted pages and API docs (HOSTED_PAGES=true, the default)", () => {
	const get = (path: string) => fetch(app.url + path, { redirect: "manual" });

	it("serves every page with a CSP without inline scripts and frame-ancestors 'none'", async () => {
		for (const path of PAGES) {
			const res = await get(path);
			expect([path, res.status]).toEqual([path, 200]);
			expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
			const csp = res.headers.get("content-security-policy")!;
			expect(csp).toContain("script-src 'self'");
			expect(csp).not.toContain("unsafe-inline");
			expect(csp).toContain("frame-ancestors 'none'");
			expect(await res.text()).toContain('<script type="module" src="/assets/');
		}
	});

	it("/ leads to /account (which sends a signed-out browser on to /login)", async () => {
		const res = await get("/");
		expect([res.status, res.headers.get("location")]).toEqual([302, "/account"]);
	});

	it("serves the assets; the API's JSON keeps its own headers", async () => {
		const js = await get("/assets/app.js");
		expect([js.status, js.headers.get("content-type")]).toEqual([200, "text/javascript; charset=utf-8"]);
		const api = await app.request("GET", "/api/health/live");
		expect(api.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
		expect(api.headers.get("content-type")).toBe("application/json; charset=utf-8");
	});

	it("/api/docs: Swagger UI from the installed package, started by our own script, reading /api/openapi.json", async () => {
		const page = await get("/api/docs");
		expect(page.status).toBe(200);
		const html = await page.text();
		expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
		expect(html).toContain('src="/api/docs/swagger-ui-bundle.js"');
		expect(page.headers.get("content-security-policy")).toContain("script-src 'self';");
		expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
		const init = await get("/api/docs/init.js");
		expect(await init.text()).toContain('url: "/api/openapi.json"');
		expect((await get("/api/docs/swagger-ui-bundle.js")).status).toBe(200);
		expect((await get("/api/docs/swagger-ui.css")).status).toBe(200);
		expect((await get("/api/docs/../package.json")).status).toBe(404);
		expect((await get("/api/docs/package.json")).status).toBe(404);
	});
});

describe("HOSTED_PAGES=false", () => {
	let bare: TestApp;
	beforeAll(async () => {
		bare = await startApp({}, { HOSTED_PAGES: "false" });
	});
	afterAll(() => bare.stop());

	it("serves the JSON API only: pages, assets and docs are 404", async () => {
		for (const path of ["/login", "/", "/assets/app.js", "/api/docs"]) expectError(await bare.request("GET", path), 404, "NOT_FOUND");
		expect((await bare.request("GET", "/api/health/live")).status).toBe(200);
	});
});

describe("admin routes of the console", () => {
	let root: Tokens;
	beforeAll(async () => {
		root = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD, { secrets });
	});

	it("DELETE /api/v1/users/:id/sessions ends every session of that user (admin)", async () => {
		const acc = await registerUser(app, { secrets, login: true });
		const second = await login(app, acc.email, acc.password, { secrets });
		expectError(await app.request("DELETE", `/api/v1/users/${acc.user.id}/sessions`, { token: acc.accessToken }), 403, "FORBIDDEN");
		expectError(await app.request("DELETE", `/api/v1/users/${acc.user.id}/sessions`), 401, "UNAUTHORIZED");
		expect((await app.request("DELETE", `/api/v1/users/${acc.user.id}/sessions`, { token: root.accessToken })).status).toBe(204);
		for (const t of [acc, second]) {
			expectError(await app.request("GET", "/api/v1/users/me", { token: t.accessToken }), 401, "INVALID_TOKEN");
			expectError(await app.request("POST", `${AUTH}/refresh`, { body: { refreshToken: t.refreshToken } }), 401, "INVALID_TOKEN");
		}
		expect((await app.request("GET", "/api/v1/users/me", { token: root.accessToken })).status).toBe(200);
	});

	it("GET /api/v1/deliveries?status=failed lists failed e-mails, paged; POST /api/v1/deliveries/retry queues them again (admin)", async () => {
		const acc = await registerUser(app, { secrets, login: true });
		expectError(await app.request("GET", "/api/v1/deliveries?status=failed", { token: acc.accessToken }), 403, "FORBIDDEN");
		expectError(await app.request("POST", "/api/v1/deliveries/retry", { body: {}, token: acc.accessToken }), 403, "FORBIDDEN");
		expectError(await app.request("GET", "/api/v1/deliveries?status=sent", { token: root.accessToken }), 422, "VALIDATION_ERROR");
		expectError(await app.request("GET", "/api/v1/deliveries?pageSize=101", { token: root.accessToken }), 422, "VALIDATION_ERROR");

		// The verification e-mail of this account, as if every attempt had failed.
		const deliveries = (app.broker.getLocalService("notifications") as unknown as { deliveries: { updateMany(q: object, u: object): Promise<number> } }).deliveries;
		expect(await deliveries.updateMany({ to: acc.email, template: "verify-email" }, { $set: { status: "failed", attempts: 12, lastError: "550 Mailbox unavailable" } })).toBe(1);

		const list = await app.request("GET", "/api/v1/deliveries?status=failed&pageSize=5", { token: root.accessToken });
		expect(list.status).toBe(200);
		expect(list.body).toMatchObject({ total: 1, page: 1, pageSize: 5, totalPages: 1 });
		expect(list.body.rows).toEqual([
			{ id: expect.any(String), to: acc.email, template: "verify-email", status: "failed", attempts: 12, lastError: "550 Mailbox unavailable", createdAt: expect.any(String) }
		]);
		const retried = await app.request("POST", "/api/v1/deliveries/retry", { body: { id: list.body.rows[0].id }, token: root.accessToken });
		expect([retried.status, retried.body]).toEqual([200, { retried: 1 }]);
		expect((await app.request("GET", "/api/v1/deliveries", { token: root.accessToken })).body.total).toBe(0);
		expect((await app.request("POST", "/api/v1/deliveries/retry", { body: {}, token: root.accessToken })).body).toEqual({ retried: 0 });
	});
});
