import { startApp, type HttpResult, type TestApp } from "../helpers/app";
import { expectError, login, registerUser, sleep, type TestUser } from "../helpers/kit";
import { ROUTE_GROUPS } from "../../services/api/routes";
import { ERROR_TYPES } from "../../lib/errors";
import { documentProblems } from "../helpers/openapi-coverage";

const ADMIN_EMAIL = "gateway-admin@example.com";
const ADMIN_PASSWORD = "gateway admin passphrase 7";

/** Every public route as OpenAPI path + lower-case method. */
function publicRoutes(): Array<{ path: string; method: string; action: string }> {
	return ROUTE_GROUPS.flatMap(group =>
		group.routes.map(route => {
			const full = `${group.prefix}${route.path === "/" ? "" : route.path}`.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
			return { path: full, method: route.method.toLowerCase(), action: route.action };
		})
	);
}

describe("API gateway", () => {
	let app: TestApp;
	let admin: { accessToken: string; refreshToken: string; user: any };
	let user: TestUser;
	/** Every response this file received, for the checks that apply to all of them. */
	const seen: Array<{ label: string; res: HttpResult }> = [];

	async function call(method: string, path: string, opts: Parameters<TestApp["request"]>[2] = {}): Promise<HttpResult<any>> {
		const res = await app.request(method, path, opts);
		// A HEAD answer has no body by definition: the checks on every body leave it out.
		if (method !== "HEAD") seen.push({ label: `${method} ${path}`, res });
		return res;
	}

	beforeAll(async () => {
		app = await startApp({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
		admin = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD);
		user = await registerUser(app, { login: true, displayName: "Gate Keeper" });
	});
	afterAll(() => app.stop());

	describe("health", () => {
		it("GET /api/health/live is 200", async () => {
			const res = await call("GET", "/api/health/live");
			expect(res.status).toBe(200);
			expect(res.body.status).toBe("ok");
		});

		it("GET /api/health/ready becomes 200 shortly after start", async () => {
			let res = await call("GET", "/api/health/ready");
			for (let i = 0; i < 50 && res.status !== 200; i++) {
				await sleep(100);
				res = await call("GET", "/api/health/ready");
			}
			expect(res.status).toBe(200);
			expect(res.body.status).toBe("ok");
		});
	});

	describe("OpenAPI", () => {
		let doc: any;
		beforeAll(async () => {
			const res = await call("GET", "/api/openapi.json");
			expect(res.status).toBe(200);
			expect(res.headers.get("content-type")).toMatch(/application\/json/);
			doc = res.body;
		});

		it("is OpenAPI 3.1.0", () => {
			expect(doc.openapi).toBe("3.1.0");
			expect(typeof doc.info?.title).toBe("string");
			expect(typeof doc.info?.version).toBe("string");
		});

		it("has a path and method for every route of ROUTE_GROUPS, and nothing else", () => {
			const expected = publicRoutes();
			expect(expected.length).toBeGreaterThan(20);
			for (const route of expected) {
				expect({ route: `${route.method} ${route.path}`, documented: !!doc.paths?.[route.path]?.[route.method] }).toEqual({
					route: `${route.method} ${route.path}`,
					documented: true
				});
			}
			const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
				Object.keys(ops)
					.filter(m => ["get", "post", "put", "patch", "delete", "head", "options"].includes(m))
					.map(m => `${m} ${path}`)
			);
			expect(documented.sort()).toEqual(expected.map(r => `${r.method} ${r.path}`).sort());
		});

		it("documents no internal action", () => {
			const text = JSON.stringify(doc);
			for (const internal of ["users.create", "users.findByEmail", "users.getById", "users.promoteAdmin", "auth.checkPassword", "auth.revokedSessions", "auth.purgeUser", "notifications.send", "$node"]) {
				expect(text).not.toContain(internal);
			}
		});

		it("the request bodies come from the actions' parameters", () => {
			const register = doc.paths["/api/v1/auth/register"].post.requestBody.content["application/json"].schema;
			expect(register.type).toBe("object");
			expect(Object.keys(register.properties)).toEqual(expect.arrayContaining(["email", "password"]));
			expect(register.required).toEqual(expect.arrayContaining(["email", "password"]));
			const login = doc.paths["/api/v1/auth/login"].post.requestBody.content["application/json"].schema;
			expect(Object.keys(login.properties).sort()).toEqual(["email", "password"]);
			const patchMe = doc.paths["/api/v1/users/me"].patch.requestBody.content["application/json"].schema;
			expect(Object.keys(patchMe.properties).sort()).toEqual(["avatarUrl", "bio", "displayName", "locale", "timezone"]);
			expect(patchMe.additionalProperties).toBe(false);
			const patchUser = doc.paths["/api/v1/users/{id}"].patch;
			expect(Object.keys(patchUser.requestBody.content["application/json"].schema.properties).sort()).toEqual(["displayName", "roles", "status"]);
			expect(patchUser.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: "id", in: "path", required: true })]));
			const list = doc.paths["/api/v1/users"].get;
			const names = list.parameters.map((p: any) => p.name);
			expect(names).toEqual(expect.arrayContaining(["page", "pageSize", "search", "sort", "status", "role"]));
			const pageSize = list.parameters.find((p: any) => p.name === "pageSize");
			expect(pageSize.in).toBe("query");
			expect(pageSize.schema.maximum).toBe(100);
		});

		it("compiles as JSON Schema 2020-12 throughout, and every example passes its schema", () => {
			expect(documentProblems(doc)).toEqual([]);
		});

		it("answers every error with the Error schema, whose type is one of ERROR_TYPES", () => {
			expect(doc.components.schemas.Error.properties.type.enum).toEqual(Object.keys(ERROR_TYPES));
			for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
				for (const [method, op] of Object.entries(ops)) {
					for (const [status, res] of Object.entries(op.responses as Record<string, any>)) {
						if (Number(status) < 400 || (path === "/api/health/ready" && status === "503")) continue;
						const schema = res.content["application/json"].schema;
						expect({ at: `${method} ${path} ${status}`, ref: schema.allOf[0].$ref }).toEqual({ at: `${method} ${path} ${status}`, ref: "#/components/schemas/Error" });
						for (const type of schema.allOf[1].properties.type.enum) expect(ERROR_TYPES).toHaveProperty(type);
					}
				}
			}
		});

		it("lists each route's own errors (login, register, refresh, by-id admin routes, e-mail links)", () => {
			const types = (op: any, status: number) => op.responses[String(status)].content["application/json"].schema.allOf[1].properties.type.enum;
			const login = doc.paths["/api/v1/auth/login"].post;
			expect(types(login, 401)).toEqual(["INVALID_CREDENTIALS"]);
			expect(types(login, 403)).toEqual(expect.arrayContaining(["EMAIL_NOT_VERIFIED", "ACCOUNT_DISABLED"]));
			expect(types(login, 429)).toEqual(["RATE_LIMITED", "TOO_MANY_ATTEMPTS"]);
			expect(login).not.toHaveProperty("security");
			const register = doc.paths["/api/v1/auth/register"].post;
			expect(types(register, 409)).toEqual(["EMAIL_TAKEN"]);
			expect(types(register, 422)).toEqual(["VALIDATION_ERROR", "WEAK_PASSWORD"]);
			expect(types(doc.paths["/api/v1/auth/refresh"].post, 401)).toEqual(["INVALID_TOKEN", "TOKEN_REUSED"]);
			expect(types(doc.paths["/api/v1/auth/verify-email"].post, 400)).toEqual(["BAD_REQUEST", "INVALID_TOKEN"]);
			for (const method of ["patch", "delete"]) {
				const op = doc.paths["/api/v1/users/{id}"][method];
				expect(types(op, 404)).toEqual(["NOT_FOUND"]);
				expect(types(op, 409)).toEqual(["LAST_ADMIN"]);
				expect(types(op, 401)).toEqual(["UNAUTHORIZED", "INVALID_TOKEN"]);
				expect(op.security).toEqual([{ bearerAuth: [] }]);
			}
		});

		it("states the real limits and formats of the parameters", () => {
			const audit = doc.paths["/api/v1/audit"].get.parameters;
			for (const name of ["from", "to"]) expect(audit.find((p: any) => p.name === name).schema).toEqual({ type: "string", format: "date-time" });
			const locale = doc.paths["/api/v1/users/me"].patch.requestBody.content["application/json"].schema.properties.locale;
			expect(locale.maxLength).toBe(35);
			expect(typeof locale.pattern).toBe("string");
		});

		it("has examples for the main routes", () => {
			const json = (x: any) => x.content["application/json"];
			for (const [path, method, status] of [
				["/api/v1/auth/register", "post", 201],
				["/api/v1/auth/login", "post", 200],
				["/api/v1/auth/refresh", "post", 200],
				["/api/v1/users/me", "get", 200],
				["/api/v1/users/me", "patch", 200],
				["/api/v1/users", "get", 200]
			] as const) {
				const op = doc.paths[path][method];
				expect({ path, method, example: json(op.responses[status]).example !== undefined }).toEqual({ path, method, example: true });
				if (method !== "get") expect({ path, method, example: json(op.requestBody).example !== undefined }).toEqual({ path, method, example: true });
			}
		});
	});

	describe("JWKS", () => {
		it("serves public keys only, with kid, alg and kty", async () => {
			const res = await call("GET", "/.well-known/jwks.json");
			expect(res.status).toBe(200);
			expect(Array.isArray(res.body.keys)).toBe(true);
			// One key: the development key generated into DATA_DIR, always EC P-256 (lib/tokens/keys.ts), so ES256.
			expect(res.body.keys).toHaveLength(1);
			for (const key of res.body.keys) {
				expect(typeof key.kid).toBe("string");
				expect(key.alg).toBe("ES256");
				expect(key.kty).toBe("EC");
				expect(key.crv).toBe("P-256");
				for (const priv of ["d", "p", "q", "dp", "dq", "qi", "k", "oth"]) expect(key).not.toHaveProperty(priv);
			}
		});

		it("the kid in an access token's header is one of them", async () => {
			const res = await call("GET", "/.well-known/jwks.json");
			const header = JSON.parse(Buffer.from(user.accessToken.split(".")[0], "base64url").toString());
			const key = res.body.keys.find((k: any) => k.kid === header.kid);
			expect(key).toBeDefined();
			expect(header.alg).toBe(key.alg);
		});
	});

	describe("not found and internals", () => {
		it.each([
			["GET", "/api/v1/nope"],
			["GET", "/api/v1/users/me/extra"],
			["POST", "/api/v1/auth/nope"],
			["GET", "/api/nope"],
			["GET", "/nope"],
			["GET", "/login/extra"]
		])("%s %s is 404 NOT_FOUND with a JSON error body", async (method, path) => {
			const res = await call(method, path, { token: user.accessToken });
			expectError(res, 404, "NOT_FOUND");
		});

		it.each([
			["DELETE", "/api/health/live", "GET, HEAD, OPTIONS"],
			["PUT", "/api/v1/users/me", "GET, HEAD, PATCH, DELETE, OPTIONS"],
			["GET", "/api/v1/auth/login", "POST, OPTIONS"],
			["POST", "/api/v1/users/1234", "GET, HEAD, PATCH, DELETE, OPTIONS"]
		])("%s %s, a known path with the wrong method, is 405 METHOD_NOT_ALLOWED with Allow: %s", async (method, path, allow) => {
			const res = await call(method, path, { token: user.accessToken });
			expectError(res, 405, "METHOD_NOT_ALLOWED");
			expect(res.headers.get("allow")).toBe(allow);
		});

		it.each(["/api/health/live", "/api/health/ready", "/api/openapi.json", "/.well-known/jwks.json"])(
			"HEAD %s answers as GET does, without a body",
			async path => {
				const get = await call("GET", path);
				const head = await call("HEAD", path);
				expect({ status: head.status, type: head.headers.get("content-type"), body: head.text }).toEqual({ status: 200, type: get.headers.get("content-type"), body: "" });
			}
		);

		it("HEAD on a path without GET is 405 with Allow", async () => {
			const res = await call("HEAD", "/api/v1/auth/login");
			expect({ status: res.status, allow: res.headers.get("allow"), body: res.text }).toEqual({ status: 405, allow: "POST, OPTIONS", body: "" });
		});

		// `/api/v1/users/:id` is a known path, so these are 405 rather than 404: either way no internal action runs.
		it.each([
			["POST", "/api/v1/users/create", { email: "made-over-http@example.com", roles: ["admin"], emailVerified: true }],
			["POST", "/api/v1/users/promoteAdmin", { id: "x" }],
			["POST", "/api/v1/users/markVerified", { id: "x" }],
			["POST", "/api/v1/users/discard", { id: "x" }]
		])("%s %s is not reachable (405)", async (method, path, body) => {
			for (const token of [undefined, user.accessToken, admin.accessToken]) {
				const res = await call(method, path, { body, token });
				expectError(res, 405, "METHOD_NOT_ALLOWED");
			}
		});

		it.each([
			["GET", "/api/v1/auth/revokedSessions", undefined],
			["POST", "/api/v1/auth/revokedSessions", {}],
			["POST", "/api/v1/auth/checkPassword", { userId: "x", password: "y" }],
			["POST", "/api/v1/auth/endUserSessions", { userId: "x" }],
			["POST", "/api/v1/auth/purgeUser", { userId: "x" }],
			["POST", "/api/v1/notifications/send", { to: "x@example.com", template: "welcome", data: {} }],
			["POST", "/api/v1/notifications/notify", { userId: "x", type: "t", title: "t", body: "b" }],
			["POST", "/api/v1/notifications/purgeUser", { userId: "x", email: "x@example.com" }],
			["GET", "/api/$node/list", undefined],
			["GET", "/api/$node/services", undefined],
			["GET", "/api/$node/actions", undefined],
			["GET", "/api/~node/list", undefined],
			["GET", "/$node/list", undefined],
			["GET", "/api/users.create", undefined],
			["GET", "/api/v1/users.findByEmail", undefined],
			["POST", "/api/v1/api/openapi", undefined]
		])("%s %s is not reachable (404)", async (method, path, body) => {
			for (const token of [undefined, user.accessToken, admin.accessToken]) {
				const res = await call(method, path, { body, token });
				expectError(res, 404, "NOT_FOUND");
			}
		});

		it("GET /api/v1/users/findByEmail does not reach the internal action", async () => {
			const res = await call("GET", `/api/v1/users/findByEmail?email=${encodeURIComponent(ADMIN_EMAIL)}`, { token: admin.accessToken });
			expectError(res, 404, "NOT_FOUND");
			expect(res.text).not.toContain(ADMIN_EMAIL);
			const getById = await call("GET", `/api/v1/users/getById?id=${admin.user.id}`, { token: admin.accessToken });
			expectError(getById, 404, "NOT_FOUND");
		});

		it("nothing was created by the attempts on internal actions", async () => {
			const res = await call("GET", "/api/v1/users?search=made-over-http", { token: admin.accessToken });
			expect(res.status).toBe(200);
			expect(res.body.total).toBe(0);
		});
	});

	describe("request bodies", () => {
		it.each(['{"email":', "{email: 'x'}", "not json at all", '{"a":1}}', "[1,2", '"unterminated'])("malformed JSON %p is 400", async raw => {
			const res = await call("POST", "/api/v1/auth/login", { rawBody: raw });
			expectError(res, 400, "BAD_REQUEST");
		});

		it("malformed JSON on an authenticated route is 400 too", async () => {
			const res = await call("PATCH", "/api/v1/users/me", { rawBody: '{"displayName":', token: user.accessToken });
			expectError(res, 400, "BAD_REQUEST");
		});

		it("a 150 KB body is 413 PAYLOAD_TOO_LARGE", async () => {
			const big = JSON.stringify({ email: "big@example.com", password: "a sturdy passphrase", displayName: "x".repeat(150 * 1024) });
			const res = await call("POST", "/api/v1/auth/register", { rawBody: big });
			expectError(res, 413, "PAYLOAD_TOO_LARGE");
			const authed = await call("PATCH", "/api/v1/users/me", { rawBody: JSON.stringify({ bio: "y".repeat(150 * 1024) }), token: user.accessToken });
			expectError(authed, 413, "PAYLOAD_TOO_LARGE");
			// Nothing was registered.
			const login = await call("POST", "/api/v1/auth/login", { body: { email: "big@example.com", password: "a sturdy passphrase" } });
			expectError(login, 401, "INVALID_CREDENTIALS");
		});

		it("validation errors do not echo the values sent (a password stays secret)", async () => {
			const secret = `Secret-${"z".repeat(1100)}`;
			const res = await call("POST", "/api/v1/auth/register", { body: { email: "echo@example.com", password: secret } });
			expectError(res, 422, "VALIDATION_ERROR");
			expect(res.text).not.toContain("zzzzzzzzzz");
			const typed = await call("POST", "/api/v1/auth/login", { body: { email: "echo@example.com", password: { secret: "Hunter2-typed-secret" } } });
			expectError(typed, 422, "VALIDATION_ERROR");
			expect(typed.text).not.toContain("Hunter2-typed-secret");
		});
	});

	describe("HTTP answers a client can rely on", () => {
		it.each([
			["text/plain", "POST", "/api/v1/auth/login", '{"email":"x@example.com","password":"a sturdy passphrase"}'],
			["application/x-www-form-urlencoded", "POST", "/api/v1/auth/register", "email=form%40example.com&password=a+sturdy+passphrase"],
			["text/plain", "PATCH", "/api/v1/users/me", '{"displayName":"Plain"}']
		])("a body sent as %s to %s %s is 415 UNSUPPORTED_MEDIA_TYPE", async (contentType, method, path, rawBody) => {
			const res = await call(method, path, { rawBody, headers: { "content-type": contentType }, token: user.accessToken });
			expectError(res, 415, "UNSUPPORTED_MEDIA_TYPE");
		});

		it("a body without a Content-Type is 415 too", async () => {
			const res = await fetch(`${app.url}/api/v1/auth/logout`, {
				method: "POST",
				body: new Blob(['{"a":1}']),
				headers: { authorization: `Bearer ${user.accessToken}` }
			});
			expect(res.status).toBe(415);
			expect(((await res.json()) as { type: string }).type).toBe("UNSUPPORTED_MEDIA_TYPE");
			expect((await call("GET", "/api/v1/users/me", { token: user.accessToken })).status).toBe(200);
		});

		it("a JSON body with a charset is JSON", async () => {
			const res = await call("POST", "/api/v1/auth/login", {
				rawBody: JSON.stringify({ email: user.email, password: user.password }),
				headers: { "content-type": "application/json; charset=utf-8" }
			});
			expect(res.status).toBe(200);
		});

		it("OPTIONS without CORS_ORIGINS answers 204 with Allow and runs no action (a preflight of logout leaves the session alive)", async () => {
			const session = await login(app, user.email, user.password);
			const pre = await call("OPTIONS", "/api/v1/auth/logout", {
				token: session.accessToken,
				headers: { origin: "https://app.example.com", "access-control-request-method": "POST" }
			});
			expect(pre.status).toBe(204);
			expect(pre.headers.get("allow")).toBe("POST, OPTIONS");
			expect(pre.headers.get("access-control-allow-origin")).toBeNull();
			const login422 = await call("OPTIONS", "/api/v1/auth/login", { headers: { "access-control-request-method": "POST" } });
			expect(login422.status).toBe(204);
			expect((await call("GET", "/api/v1/users/me", { token: session.accessToken })).status).toBe(200);
		});

		it("OPTIONS on an unknown path is 404", async () => {
			const res = await call("OPTIONS", "/api/v1/nope", { headers: { "access-control-request-method": "GET" } });
			expectError(res, 404, "NOT_FOUND");
		});

		it("a 401 without a token carries WWW-Authenticate: Bearer", async () => {
			const res = await call("GET", "/api/v1/users/me");
			expectError(res, 401, "UNAUTHORIZED");
			expect(res.headers.get("www-authenticate")).toBe("Bearer");
		});

		it.each([
			["a token that is not a JWT", "Bearer not-a-token"],
			["another scheme", "Basic dXNlcjpwYXNz"]
		])('a 401 for %s carries WWW-Authenticate: Bearer error="invalid_token"', async (_label, header) => {
			const res = await call("GET", "/api/v1/users/me", { headers: { authorization: header } });
			expectError(res, 401, "INVALID_TOKEN");
			expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
		});

		it("a 401 for a wrong password carries WWW-Authenticate: Bearer (no token was refused)", async () => {
			const res = await call("POST", "/api/v1/auth/login", { body: { email: user.email, password: "not the password at all" } });
			expectError(res, 401, "INVALID_CREDENTIALS");
			expect(res.headers.get("www-authenticate")).toBe("Bearer");
		});

		it("authentication comes before validation: a bad query without a token is 401, with a user token 403, never 422", async () => {
			const bad = "/api/v1/users?status=bogus&nosuchfield=1&pageSize=100000";
			const anonymous = await call("GET", bad);
			expectError(anonymous, 401, "UNAUTHORIZED");
			expect(anonymous.text).not.toMatch(/nosuchfield|pageSize|status/);
			expectError(await call("GET", bad, { token: user.accessToken }), 403, "FORBIDDEN");
			expectError(await call("PATCH", "/api/v1/users/some-id", { body: { roles: ["emperor"], extra: 1 } }), 401, "UNAUTHORIZED");
			expectError(await call("GET", "/api/v1/audit?nosuchfield=1"), 401, "UNAUTHORIZED");
			// With the right, the same query is a 422.
			expectError(await call("GET", bad, { token: admin.accessToken }), 422, "VALIDATION_ERROR");
		});

		it("a validation message names the allowed values as allowed, not as the value sent", async () => {
			const res = await call("GET", "/api/v1/users?status=bogus", { token: admin.accessToken });
			expectError(res, 422, "VALIDATION_ERROR");
			expect(res.body.data).toEqual([{ field: "status", type: "enumValue", message: "The 'status' field must be one of: active, disabled." }]);
			expect(res.body.message).toBe("Parameters validation error!");
			const roles = await call("PATCH", `/api/v1/users/${user.user.id}`, { token: admin.accessToken, body: { roles: ["emperor"] } });
			expectError(roles, 422, "VALIDATION_ERROR");
			expect(res.text).not.toMatch(/value 'active/);
			expect(roles.body.data).toEqual([{ field: "roles[0]", type: "enumValue", message: "The 'roles[0]' field must be one of: user, admin." }]);
		});

		it("a bad token does not break an open route", async () => {
			const headers = { authorization: "Bearer not-a-token" };
			expect((await call("GET", "/api/health/live", { headers })).status).toBe(200);
			expect((await call("GET", "/.well-known/jwks.json", { headers })).status).toBe(200);
			const signedIn = await call("POST", "/api/v1/auth/login", { headers, body: { email: user.email, password: user.password } });
			expect(signedIn.status).toBe(200);
		});
	});

	describe("every response", () => {
		it("collects a variety of statuses", async () => {
			await call("GET", "/api/v1/users/me", { token: user.accessToken });
			await call("GET", "/api/v1/users/me");
			await call("GET", "/api/v1/users", { token: user.accessToken });
			await call("PATCH", "/api/v1/users/me", { token: user.accessToken, body: { timezone: "Nowhere/Nothing" } });
			await call("POST", "/api/v1/auth/verify-email/resend", { body: { email: user.email } });
			await call("DELETE", "/api/v1/auth/sessions/00000000-0000-4000-8000-000000000000", { token: user.accessToken });
			await call("POST", "/api/v1/auth/login", { body: { email: user.email, password: "wrong password here" } });
			await call("POST", "/api/v1/auth/register", { body: { email: user.email, password: "another sturdy passphrase" } });
			await call("GET", "/api/v1/notifications", { token: user.accessToken });
			const statuses = new Set(seen.map(s => s.res.status));
			for (const status of [200, 202, 400, 401, 403, 404, 409, 413, 422]) expect(statuses).toContain(status);
		});

		it("has X-Content-Type-Options: nosniff and no X-Powered-By", () => {
			expect(seen.length).toBeGreaterThan(50);
			for (const { label, res } of seen) {
				expect({ label, nosniff: res.headers.get("x-content-type-options") }).toEqual({ label, nosniff: "nosniff" });
				expect({ label, poweredBy: res.headers.get("x-powered-by") }).toEqual({ label, poweredBy: null });
			}
		});

		it("every body is JSON, and empty for 202 and 204", () => {
			for (const { label, res } of seen) {
				if (res.status === 202 || res.status === 204) {
					expect({ label, text: res.text }).toEqual({ label, text: "" });
					continue;
				}
				expect({ label, type: /application\/json/.test(res.headers.get("content-type") ?? "") }).toEqual({ label, type: true });
				expect(() => JSON.parse(res.text)).not.toThrow();
			}
		});

		it("every error body is exactly {name,message,code,type,data?} with code = status and no stack", () => {
			const errors = seen.filter(s => s.res.status >= 400);
			expect(errors.length).toBeGreaterThan(30);
			for (const { label, res } of errors) {
				try {
					// The shape of every error seen; each status and type is pinned where its request was made.
					expectError(res, res.status, (res.body as { type: string }).type);
				} catch (err) {
					throw new Error(`${label}: ${(err as Error).message}`, { cause: err });
				}
				expect(res.text).not.toMatch(/stack|node_modules|\/work\/|\.ts:\d+/i);
			}
		});

		it("no response names internals", () => {
			for (const { label, res } of seen) {
				if (label.includes("/api/openapi.json")) continue;
				expect({ label, leak: /passwordHash|emailKey|tokenHash|"_id"|MoleculerError|ServiceNotFound/.test(res.text) }).toEqual({ label, leak: false });
			}
		});
	});
});

describe("API gateway without the services it calls", () => {
	let app: TestApp;
	beforeAll(async () => {
		app = await startApp({ services: ["api"] });
	});
	afterAll(() => app.stop());

	it("is live but not ready", async () => {
		expect((await app.request("GET", "/api/health/live")).status).toBe(200);
		const ready = await app.request("GET", "/api/health/ready");
		expect(ready.status).toBe(503);
		expect(ready.body.status).toBe("unavailable");
	});

	it.each([
		["POST", "/api/v1/auth/login", { email: "nobody@example.com", password: "a sturdy passphrase" }],
		["POST", "/api/v1/auth/register", { email: "nobody@example.com", password: "a sturdy passphrase" }],
		["GET", "/api/v1/users/me", undefined],
		["GET", "/api/v1/notifications", undefined]
	])("%s %s answers 503 SERVICE_UNAVAILABLE with Retry-After, not 404 or 500", async (method, path, body) => {
		const res = await app.request(method, path, { body });
		expectError(res, 503, "SERVICE_UNAVAILABLE");
		expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
		expect(res.headers.get("x-content-type-options")).toBe("nosniff");
	});

	it("becomes ready once users and auth are reachable", async () => {
		// Stand-ins answering what readiness asks: can each reach its store, and is auth's start-up work (the
		// ADMIN_EMAIL account) done? (and auth's ended sessions)
		let authStartupDone = false;
		const storeHealth = { visibility: "public" as const, handler: () => ({ reachable: true }) };
		await app.broker.createService({ name: "users", actions: { storeHealth } });
		await app.broker.createService({
			name: "auth",
			actions: { storeHealth: { visibility: "public", handler: () => ({ reachable: true, startupDone: authStartupDone }) }, revokedSessions: { visibility: "public", handler: () => [] } }
		});
		let ready = await app.request("GET", "/api/health/ready");
		for (let i = 0; i < 50 && !(ready.body.checks?.users && ready.body.checks?.revocations); i++) {
			await sleep(100);
			ready = await app.request("GET", "/api/health/ready");
		}
		expect([ready.status, ready.body.checks]).toEqual([503, { revocations: true, users: true, auth: false }]);
		authStartupDone = true;
		for (let i = 0; i < 50 && ready.status !== 200; i++) {
			await sleep(100);
			ready = await app.request("GET", "/api/health/ready");
		}
		expect(ready.status).toBe(200);
		expect(ready.body.status).toBe("ok");
	});
});

describe("gateway: deeply nested JSON", () => {
	let app: TestApp;
	beforeAll(async () => {
		app = await startApp();
	});
	afterAll(() => app.stop());

	it("refuses a body nested past the limit with 400 before parsing it, and accepts ordinary nesting", async () => {
		const deep = `{"email":"a@b.co","password":${"[".repeat(5000)}${"]".repeat(5000)}}`;
		const res = await app.request("POST", "/api/v1/auth/login", { rawBody: deep });
		expect(res.status).toBe(400);
		expect(res.body.type).toBe("BAD_REQUEST");
		const shallow = await app.request("POST", "/api/v1/auth/login", { rawBody: `{"email":"a@b.co","password":${"[".repeat(20)}${"]".repeat(20)}}` });
		expect(shallow.status).toBe(422);
	});
});

describe("gateway: CORS", () => {
	let app: TestApp;
	beforeAll(async () => {
		app = await startApp({ corsOrigins: ["https://app.example.com"] });
	});
	afterAll(() => app.stop());

	it("answers a preflight from an allowed origin, and names it on the response", async () => {
		const pre = await fetch(`${app.url}/api/v1/auth/login`, {
			method: "OPTIONS",
			headers: { origin: "https://app.example.com", "access-control-request-method": "POST", "access-control-request-headers": "content-type" }
		});
		expect(pre.status).toBe(204);
		expect(pre.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
		expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
		expect(pre.headers.get("access-control-allow-headers")).toContain("Authorization");
		expect(pre.headers.get("access-control-allow-credentials")).toBeNull();
		const res = await app.request("GET", "/api/health/live", { headers: { origin: "https://app.example.com" } });
		expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
	});

	it("refuses another origin with 403 FORBIDDEN and no CORS header", async () => {
		const res = await app.request("GET", "/api/health/live", { headers: { origin: "https://evil.example.net" } });
		expect(res.status).toBe(403);
		expect(res.body.type).toBe("FORBIDDEN");
		expect(res.headers.get("access-control-allow-origin")).toBeNull();
	});

	it("sends no CORS headers when CORS_ORIGINS is unset", async () => {
		const plain = await startApp();
		try {
			const res = await plain.request("GET", "/api/health/live", { headers: { origin: "https://app.example.com" } });
			expect(res.status).toBe(200);
			expect(res.headers.get("access-control-allow-origin")).toBeNull();
		} finally {
			await plain.stop();
		}
	});
});
