import { buildOpenApi, paramsToSchema, ruleToSchema } from "../../../services/api/openapi";
import Validator from "fastest-validator";
import { ROUTES, type ActionInfo, type Route, type RouteSpec } from "../../../services/api/routes";
import {
	DISPLAY_NAME_PARAM,
	EMAIL_PARAM,
	ID_PARAM,
	LOCALE_PARAM,
	LOGIN_EMAIL_PARAM,
	NEW_PASSWORD_PARAM,
	PAGING_PARAMS,
	PASSWORD_PARAM,
	ROLES_PARAM,
	STATUS_PARAM
} from "../../../lib/params";
import { documentProblems } from "../../helpers/openapi-coverage";

type Doc = {
	openapi: string;
	info: { title: string; version: string };
	paths: Record<string, Record<string, any>>;
	components: { schemas: Record<string, any>; securitySchemes: Record<string, any> };
};

const info = { title: "User backend", version: "1.2.3" };

/** A route as the table gives it, its path already full. */
const route = (spec: RouteSpec & { ipLimited?: boolean }): Route => ({ ...spec, fullPath: spec.path, ipLimited: spec.ipLimited ?? false });

const routes: Route[] = [
	route({
		method: "POST",
		path: "/api/v1/auth/register",
		action: "auth.register",
		tag: "auth",
		status: 201,
		location: "/api/v1/users/me",
		response: "User",
		errors: ["EMAIL_TAKEN", "WEAK_PASSWORD"],
		examples: { request: { email: "ada@example.com", password: "correct horse battery staple" }, response: { id: "u1" } },
		ipLimited: true
	}),
	route({ method: "POST", path: "/api/v1/auth/logout", action: "auth.logout", tag: "auth", status: 204 }),
	route({ method: "POST", path: "/api/v1/auth/password/forgot", action: "auth.forgotPassword", tag: "auth", status: 202 }),
	route({ method: "GET", path: "/api/v1/users/", action: "users.list", tag: "users", status: 200, response: "UserPage" }),
	route({ method: "GET", path: "/api/v1/users/:id", action: "users.get", tag: "users", status: 200, response: "User" }),
	route({ method: "PATCH", path: "/api/v1/users/:id", action: "users.update", tag: "users", status: 200, response: "User" }),
	route({ method: "PATCH", path: "/api/v1/users/me", action: "users.updateMe", tag: "users", status: 200, response: "User" }),
	route({ method: "DELETE", path: "/api/v1/auth/sessions/:id", action: "auth.removeSession", tag: "auth", status: 204 }),
	route({ method: "GET", path: "/api/health/live", action: "api.live", tag: "health", status: 200, response: "Health" }),
	route({ method: "POST", path: "/api/v1/auth/verify-email", action: "auth.verifyEmail", tag: "auth", status: 200, response: "User", errors: [{ type: "INVALID_TOKEN", status: 400 }], ipLimited: true }),
	route({ method: "GET", path: "/api/v1/audit", action: "auth.auditList", tag: "admin", status: 200 })
];

const actions = new Map<string, ActionInfo>([
	[
		"auth.register",
		{
			summary: "Create an account",
			params: {
				$$strict: true,
				email: { type: "email", max: 254 },
				password: { type: "string", min: 8, max: 128 },
				displayName: { type: "string", max: 100, optional: true },
				locale: { type: "string", pattern: /^[a-z]{2}$/, optional: true }
			}
		}
	],
	["auth.logout", { auth: "required", summary: "End this session" }],
	["auth.forgotPassword", { params: { email: "email" } }],
	[
		"users.list",
		{
			roles: ["admin"],
			params: {
				page: { type: "number", integer: true, min: 1, default: 1, convert: true },
				pageSize: { type: "number", integer: true, min: 1, max: 100, optional: true },
				search: "string|optional",
				status: { type: "enum", values: ["active", "disabled"], optional: true }
			}
		}
	],
	["users.get", { roles: ["admin"], params: { id: { type: "string", min: 1 } } }],
	[
		"users.update",
		{
			roles: ["admin"],
			params: {
				$$strict: "remove",
				id: "string",
				roles: { type: "array", items: { type: "enum", values: ["user", "admin"] }, min: 1, max: 2, optional: true },
				status: { type: "enum", values: ["active", "disabled"], optional: true }
			}
		}
	],
	[
		"users.updateMe",
		{
			auth: "required",
			params: {
				$$strict: true,
				avatarUrl: { type: "url", max: 2048, optional: true, nullable: true },
				bio: { type: "string", max: 1000, optional: true }
			}
		}
	],
	["auth.removeSession", { auth: "required", params: { id: "string" } }],
	["auth.verifyEmail", { params: { token: { type: "string", min: 1, max: 512 }, $$strict: true } }],
	["auth.auditList", { roles: ["admin"], params: { from: { type: "date", convert: true, optional: true } } }]
]);

const doc = buildOpenApi(info, routes, actions) as unknown as Doc;


describe("the fixture", () => {
	it("names only routes and actions the real route table has, so it cannot drift from it", () => {
		const real = new Set(ROUTES.map(r => `${r.method} ${r.fullPath.replace(/\/$/, "")} ${r.action}`));
		for (const r of routes) expect(real).toContain(`${r.method} ${r.fullPath.replace(/\/$/, "")} ${r.action}`);
	});
});

describe("buildOpenApi", () => {
	it("produces an OpenAPI 3.1.0 document with the given info", () => {
		expect(doc.openapi).toBe("3.1.0");
		expect(doc.info).toEqual(info);
		expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: "http", scheme: "bearer", bearerFormat: "JWT" });
	});

	it("turns :params into {params} and drops trailing slashes", () => {
		expect(Object.keys(doc.paths).sort()).toEqual(
			[
				"/api/health/live",
				"/api/v1/audit",
				"/api/v1/auth/logout",
				"/api/v1/auth/verify-email",
				"/api/v1/auth/password/forgot",
				"/api/v1/auth/register",
				"/api/v1/auth/sessions/{id}",
				"/api/v1/users",
				"/api/v1/users/me",
				"/api/v1/users/{id}"
			].sort()
		);
		expect(Object.keys(doc.paths["/api/v1/users/{id}"]).sort()).toEqual(["get", "patch"]);
	});

	it("declares path parameters as required, typed from the action's rule", () => {
		const op = doc.paths["/api/v1/users/{id}"].get;
		expect(op.parameters).toEqual([{ name: "id", in: "path", required: true, schema: { type: "string", minLength: 1 } }]);
		// PATCH: the id is a path parameter, not part of the body.
		const patch = doc.paths["/api/v1/users/{id}"].patch;
		expect(patch.parameters.map((p: any) => p.in)).toEqual(["path"]);
		expect(patch.requestBody.content["application/json"].schema.properties).not.toHaveProperty("id");
		// DELETE with only a path parameter has no body.
		expect(doc.paths["/api/v1/auth/sessions/{id}"].delete).not.toHaveProperty("requestBody");
	});

	it("builds the request body; $$strict: true gives additionalProperties: false; optional params are not required", () => {
		const op = doc.paths["/api/v1/auth/register"].post;
		const schema = op.requestBody.content["application/json"].schema;
		expect(op.requestBody.required).toBe(true);
		expect(schema.type).toBe("object");
		expect(schema.additionalProperties).toBe(false);
		expect(schema.required.sort()).toEqual(["email", "password"]);
		expect(schema.properties).toEqual({
			email: { type: "string", format: "email", maxLength: 254 },
			password: { type: "string", minLength: 8, maxLength: 128 },
			displayName: { type: "string", maxLength: 100 },
			locale: { type: "string", pattern: "^[a-z]{2}$" }
		});
		expect(Object.keys(schema.properties)).not.toContain("$$strict");
	});

	it("$$strict other than true does not forbid extra properties", () => {
		const schema = doc.paths["/api/v1/users/{id}"].patch.requestBody.content["application/json"].schema;
		expect(schema).not.toHaveProperty("additionalProperties");
		expect(schema).not.toHaveProperty("required");
	});

	it("turns GET params into query parameters, required only when not optional", () => {
		const op = doc.paths["/api/v1/users"].get;
		expect(op).not.toHaveProperty("requestBody");
		const byName = Object.fromEntries(op.parameters.map((p: any) => [p.name, p]));
		expect(Object.keys(byName).sort()).toEqual(["page", "pageSize", "search", "status"]);
		for (const p of op.parameters) expect(p.in).toBe("query");
		expect(byName.page.required).toBe(false); // has a default
		expect(byName.page.schema).toEqual({ type: "integer", minimum: 1, default: 1 });
		expect(byName.pageSize.required).toBe(false);
		expect(byName.pageSize.schema).toEqual({ type: "integer", minimum: 1, maximum: 100 });
		expect(byName.search).toEqual({ name: "search", in: "query", required: false, schema: { type: "string" } });
		expect(byName.status.schema).toEqual({ enum: ["active", "disabled"] });
	});

	it("secures auth and role routes: security, 401, and 403 for roles", () => {
		const logout = doc.paths["/api/v1/auth/logout"].post;
		expect(logout.security).toEqual([{ bearerAuth: [] }]);
		expect(logout.responses).toHaveProperty("401");
		// 403 only for a refused CORS Origin: no role to miss.
		expect(logout.responses["403"].description).not.toContain("role");

		const list = doc.paths["/api/v1/users"].get;
		expect(list.security).toEqual([{ bearerAuth: [] }]);
		expect(list.responses).toHaveProperty("401");
		expect(list.responses["403"].description).toContain("admin");

		const register = doc.paths["/api/v1/auth/register"].post;
		expect(register).not.toHaveProperty("security");
		expect(register.responses).not.toHaveProperty("401");
		expect(register.responses["403"].description).not.toContain("role");
	});

	it("answers with the route's status and response schema, and the common errors", () => {
		const register = doc.paths["/api/v1/auth/register"].post;
		expect(register.responses["201"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/User" });
		expect(register.responses).toHaveProperty("422");
		expect(register.responses).toHaveProperty("429");
		expect(register.responses).toHaveProperty("503");
		expect(register.operationId).toBe("auth.register");
		expect(register.tags).toEqual(["auth"]);
		expect(register.summary).toBe("Create an account");
		expect(doc.paths["/api/v1/auth/logout"].post.responses["204"]).toEqual({ description: "Success" });
		expect(doc.paths["/api/v1/auth/password/forgot"].post.responses["202"]).toEqual({ description: "Accepted" });
		// No parameters: no body; a GET without parameters has nothing to validate.
		expect(doc.paths["/api/v1/auth/logout"].post).not.toHaveProperty("requestBody");
		expect(doc.paths["/api/health/live"].get.responses).not.toHaveProperty("422");
	});

	it("makes nullable optional body fields accept null and not required", () => {
		const op = doc.paths["/api/v1/users/me"].patch;
		const schema = op.requestBody.content["application/json"].schema;
		expect(schema.properties.avatarUrl).toEqual({ type: ["string", "null"], format: "uri", maxLength: 2048 });
		expect(schema).not.toHaveProperty("required");
		expect(schema.additionalProperties).toBe(false);
		expect(op.security).toEqual([{ bearerAuth: [] }]);
		expect(op.responses).toHaveProperty("401");
		expect(op.responses["403"].description).not.toContain("role");
	});

	it("every $ref points at a defined component schema", () => {
		const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[A-Za-z]+/g) ?? [];
		expect(refs.length).toBeGreaterThan(0);
		for (const ref of refs) expect(doc.components.schemas).toHaveProperty(ref.split("/").pop()!);
	});

	it("describes the contract's user exactly, with no extra properties", () => {
		const user = doc.components.schemas.User;
		expect(user.additionalProperties).toBe(false);
		expect([...user.required].sort()).toEqual(
			["id", "email", "displayName", "bio", "avatarUrl", "locale", "timezone", "roles", "status", "emailVerified", "createdAt", "updatedAt", "lastLoginAt"].sort()
		);
		expect(Object.keys(user.properties).sort()).toEqual([...user.required].sort());
		expect(doc.components.schemas.Error.required).toEqual(["name", "message", "code", "type"]);
	});

	it("copes with a route whose action is unknown", () => {
		const d = buildOpenApi(info, [route({ method: "GET", path: "/x/:id", action: "nope.gone", tag: "x", status: 200 })], new Map()) as unknown as Doc;
		expect(d.paths["/x/{id}"].get.parameters).toEqual([{ name: "id", in: "path", required: true, schema: { type: "string" } }]);
		expect(d.paths["/x/{id}"].get).not.toHaveProperty("security");
	});
});

/** The error types a documented status allows (the Error schema narrowed per route and status). */
function typesOf(op: any, status: number): string[] {
	return op.responses[String(status)]?.content["application/json"].schema.allOf[1].properties.type.enum;
}

describe("buildOpenApi: every status a route answers", () => {
	it("a route with a body: malformed JSON 400, 413, 415 and 422 (its parameters, or query parameters it refuses)", () => {
		for (const op of [doc.paths["/api/v1/auth/register"].post, doc.paths["/api/v1/auth/logout"].post, doc.paths["/api/v1/auth/sessions/{id}"].delete]) {
			expect(typesOf(op, 400)).toEqual(["BAD_REQUEST"]);
			expect(typesOf(op, 413)).toEqual(["PAYLOAD_TOO_LARGE"]);
			expect(typesOf(op, 415)).toEqual(["UNSUPPORTED_MEDIA_TYPE"]);
			expect(typesOf(op, 422)).toContain("VALIDATION_ERROR");
		}
		const list = doc.paths["/api/v1/users"].get;
		expect(typesOf(list, 422)).toEqual(["VALIDATION_ERROR"]);
		expect(list.responses).not.toHaveProperty("400");
		expect(list.responses).not.toHaveProperty("415");
	});

	it("a route whose action needs a user: 401 UNAUTHORIZED or INVALID_TOKEN with WWW-Authenticate; roles add their 403", () => {
		const logout = doc.paths["/api/v1/auth/logout"].post;
		expect(typesOf(logout, 401)).toEqual(["UNAUTHORIZED", "INVALID_TOKEN"]);
		expect(logout.responses["401"].headers).toHaveProperty("WWW-Authenticate");
		expect(typesOf(doc.paths["/api/v1/users/{id}"].get, 403)).toEqual(["FORBIDDEN", "MFA_REQUIRED"]);
	});

	it("an open route of an IP-limited group answers 429 RATE_LIMITED with Retry-After; others do not", () => {
		const register = doc.paths["/api/v1/auth/register"].post;
		expect(typesOf(register, 429)).toEqual(["RATE_LIMITED"]);
		expect(register.responses["429"].headers).toHaveProperty("Retry-After");
		expect(doc.paths["/api/v1/auth/password/forgot"].post.responses).not.toHaveProperty("429");
		expect(doc.paths["/api/v1/auth/logout"].post.responses).not.toHaveProperty("429");
	});

	it("every route answers 503 SERVICE_UNAVAILABLE with Retry-After", () => {
		for (const ops of Object.values(doc.paths)) {
			for (const op of Object.values(ops)) {
				expect(typesOf(op, 503)).toEqual(["SERVICE_UNAVAILABLE"]);
				expect(op.responses["503"].headers).toHaveProperty("Retry-After");
			}
		}
	});

	it("adds a route's own errors to the derived ones, at their status or the one the route gives", () => {
		const register = doc.paths["/api/v1/auth/register"].post;
		expect(typesOf(register, 409)).toEqual(["EMAIL_TAKEN"]);
		expect(typesOf(register, 422)).toEqual(["VALIDATION_ERROR", "WEAK_PASSWORD"]);
		const verify = doc.paths["/api/v1/auth/verify-email"].post;
		expect(typesOf(verify, 400)).toEqual(["BAD_REQUEST", "INVALID_TOKEN"]);
		expect(verify.responses).not.toHaveProperty("401");
	});

	it("lists nothing a route cannot answer", () => {
		const live = doc.paths["/api/health/live"].get;
		expect(Object.keys(live.responses).sort()).toEqual(["200", "403", "503"]);
	});

	it("names the Location of a 201 and shows the route's examples", () => {
		const register = doc.paths["/api/v1/auth/register"].post;
		expect(register.responses["201"].headers).toHaveProperty("Location");
		expect(register.requestBody.content["application/json"].example).toEqual({ email: "ada@example.com", password: "correct horse battery staple" });
		expect(register.responses["201"].content["application/json"].example).toEqual({ id: "u1" });
	});

	it("Error.type is one of ERROR_TYPES", () => {
		const { ERROR_TYPES } = jest.requireActual("../../../lib/errors");
		expect(doc.components.schemas.Error.properties.type.enum).toEqual(Object.keys(ERROR_TYPES));
	});

	it("a date rule is an ISO-8601 date-time string", () => {
		const from = doc.paths["/api/v1/audit"].get.parameters.find((p: any) => p.name === "from");
		expect(from.schema).toEqual({ type: "string", format: "date-time" });
	});
});

describe("ruleToSchema", () => {
	it("maps fastest-validator types", () => {
		expect(ruleToSchema({ type: "string", length: 6 })).toEqual({ type: "string", minLength: 6, maxLength: 6 });
		expect(ruleToSchema({ type: "string", enum: ["a", "b"] })).toEqual({ type: "string", enum: ["a", "b"] });
		expect(ruleToSchema({ type: "url", max: 10 })).toEqual({ type: "string", format: "uri", maxLength: 10 });
		expect(ruleToSchema({ type: "uuid" })).toEqual({ type: "string", format: "uuid" });
		expect(ruleToSchema({ type: "number", min: 0, max: 1 })).toEqual({ type: "number", minimum: 0, maximum: 1 });
		expect(ruleToSchema({ type: "boolean", default: false })).toEqual({ type: "boolean", default: false });
		expect(ruleToSchema({ type: "array", items: "string", min: 1 })).toEqual({ type: "array", items: { type: "string" }, minItems: 1 });
		expect(ruleToSchema({ type: "record", value: { type: "number" } })).toEqual({ type: "object", additionalProperties: { type: "number" } });
	});

	it("maps nested objects", () => {
		expect(ruleToSchema({ type: "object", props: { a: "string", b: { type: "number", optional: true } } })).toEqual({
			type: "object",
			properties: { a: { type: "string" }, b: { type: "number" } },
			required: ["a"]
		});
	});

	it("makes nullable rules accept null", () => {
		expect(ruleToSchema({ type: "url", nullable: true })).toEqual({ type: ["string", "null"], format: "uri" });
		expect(ruleToSchema({ type: "enum", values: ["x"], nullable: true })).toEqual({ enum: ["x"] });
	});

	it("adds a rule's `openapi` facts over what the validator checks", () => {
		expect(ruleToSchema({ type: "string", max: 1024, openapi: { minLength: 8, maxLength: 128 } })).toEqual({ type: "string", minLength: 8, maxLength: 128 });
		expect(ruleToSchema({ type: "string", max: 320, openapi: { format: "email", examples: ["a@b.co"] } })).toEqual({ type: "string", maxLength: 320, format: "email", examples: ["a@b.co"] });
	});

	it("gives an unconstrained schema for unknown or malformed rules", () => {
		expect(ruleToSchema({ type: "custom" })).toEqual({});
		expect(ruleToSchema(null)).toEqual({});
		expect(ruleToSchema(42)).toEqual({});
		expect(ruleToSchema(["string"])).toEqual({});
	});
});

describe("paramsToSchema", () => {
	it("skips $$ keys and omitted names, and lists required ones", () => {
		const schema = paramsToSchema({ $$strict: true, $$async: true, id: "string", a: "string", b: "string|optional" }, ["id"]);
		expect(schema).toEqual({
			type: "object",
			properties: { a: { type: "string" }, b: { type: "string" } },
			required: ["a"],
			additionalProperties: false
		});
	});

	it("has no `required` when nothing is required", () => {
		expect(paramsToSchema({ a: { type: "string", optional: true } })).toEqual({ type: "object", properties: { a: { type: "string" } } });
	});
});

describe("the document of the real route table", () => {
	const realActions = new Map<string, ActionInfo>([
		["auth.register", { params: { email: EMAIL_PARAM, password: NEW_PASSWORD_PARAM, displayName: DISPLAY_NAME_PARAM, locale: LOCALE_PARAM, $$strict: true } }],
		["auth.login", { params: { email: LOGIN_EMAIL_PARAM, password: PASSWORD_PARAM, $$strict: true } }],
		["users.list", { roles: ["admin"], params: { ...PAGING_PARAMS, status: STATUS_PARAM } }],
		["users.update", { roles: ["admin"], params: { id: ID_PARAM, roles: ROLES_PARAM, $$strict: true } }]
	]);
	const real = buildOpenApi(info, ROUTES, realActions) as unknown as Doc;

	it("compiles as JSON Schema 2020-12 throughout, and every example passes its schema", () => {
		expect(documentProblems(real)).toEqual([]);
	});

	it("a new password is documented with the policy's 8 to 128 characters, not the validator's bound", () => {
		const password = real.paths["/api/v1/auth/register"].post.requestBody.content["application/json"].schema.properties.password;
		expect(password).toEqual({ type: "string", minLength: 8, maxLength: 128 });
	});

	it("documentProblems finds an example its schema refuses, and a keyword JSON Schema does not know", () => {
		const broken = JSON.parse(JSON.stringify(real));
		broken.paths["/api/v1/auth/login"].post.requestBody.content["application/json"].example = { email: "ada@example.com" };
		broken.components.schemas.Health.properties.status.minLenght = 1;
		const unknown = 'strict mode: unknown keyword: "minLenght"';
		expect(documentProblems(broken)).toEqual([
			`components.schemas.Health: ${unknown}`,
			expect.stringMatching(/^post \/api\/v1\/auth\/login request body: example refused: .*password/),
			// Every response that refers to the broken component cannot compile either.
			`get /api/health/live 200: ${unknown}`,
			`get /api/health/ready 200: ${unknown}`,
			`get /api/health/ready 503: ${unknown}`
		]);
	});
});

describe("the validator and the `openapi` key", () => {
	const validate = new Validator().compile({ password: NEW_PASSWORD_PARAM, email: LOGIN_EMAIL_PARAM, $$strict: true }) as (v: object) => true | unknown[];

	it("fastest-validator ignores it: the rule still bounds only what it says", () => {
		expect(validate({ password: "short", email: "not-checked-as-an-address" })).toBe(true);
		expect(validate({ password: "x".repeat(1025), email: "a@b.co" })).not.toBe(true);
		expect(validate({ password: "long enough", email: "a@b.co", openapi: {} })).not.toBe(true);
	});
});
