import { buildOpenApi, paramsToSchema, ruleToSchema, type ActionInfo, type OpenApiRoute } from "../../lib/openapi";
import { ROUTE_GROUPS } from "../../services/api.routes";

type Doc = {
	openapi: string;
	info: { title: string; version: string };
	paths: Record<string, Record<string, any>>;
	components: { schemas: Record<string, any>; securitySchemes: Record<string, any> };
};

const info = { title: "User backend", version: "1.2.3" };

const routes: OpenApiRoute[] = [
	{ method: "POST", path: "/api/v1/auth/register", action: "auth.register", tag: "auth", status: 201, response: "User" },
	{ method: "POST", path: "/api/v1/auth/logout", action: "auth.logout", tag: "auth", status: 204 },
	{ method: "POST", path: "/api/v1/auth/password/forgot", action: "auth.forgotPassword", tag: "auth", status: 202 },
	{ method: "GET", path: "/api/v1/users/", action: "users.list", tag: "users", status: 200, response: "UserPage" },
	{ method: "GET", path: "/api/v1/users/:id", action: "users.get", tag: "users", status: 200, response: "User" },
	{ method: "PATCH", path: "/api/v1/users/:id", action: "users.update", tag: "users", status: 200, response: "User" },
	{ method: "PATCH", path: "/api/v1/users/me", action: "users.updateMe", tag: "users", status: 200, response: "User" },
	{ method: "DELETE", path: "/api/v1/auth/sessions/:id", action: "auth.removeSession", tag: "auth", status: 204 },
	{ method: "GET", path: "/api/health/live", action: "api.live", tag: "health", status: 200, response: "Health" }
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
	["auth.removeSession", { auth: "required", params: { id: "string" } }]
]);

const doc = buildOpenApi(info, routes, actions) as unknown as Doc;

describe("buildOpenApi", () => {
	it("builds from real routes: each route of the fixture is in the route table, with the same action", () => {
		const real = new Set(ROUTE_GROUPS.flatMap(g => g.routes.map(r => `${r.method} ${g.prefix}${r.path} ${r.action}`)));
		for (const r of routes) expect(real).toContain(`${r.method} ${r.path} ${r.action}`);
	});

	it("produces an OpenAPI 3.1.0 document with the given info", () => {
		expect(doc.openapi).toBe("3.1.0");
		expect(doc.info).toEqual(info);
		expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: "http", scheme: "bearer", bearerFormat: "JWT" });
	});

	it("turns :params into {params} and drops trailing slashes", () => {
		expect(Object.keys(doc.paths).sort()).toEqual(
			[
				"/api/health/live",
				"/api/v1/auth/logout",
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
		expect(logout.responses).not.toHaveProperty("403");

		const list = doc.paths["/api/v1/users"].get;
		expect(list.security).toEqual([{ bearerAuth: [] }]);
		expect(list.responses).toHaveProperty("401");
		expect(list.responses["403"].description).toContain("admin");

		const register = doc.paths["/api/v1/auth/register"].post;
		expect(register).not.toHaveProperty("security");
		expect(register.responses).not.toHaveProperty("401");
		expect(register.responses).not.toHaveProperty("403");
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
		// Nothing to validate: no 422.
		expect(doc.paths["/api/v1/auth/logout"].post.responses).not.toHaveProperty("422");
		expect(doc.paths["/api/v1/auth/logout"].post).not.toHaveProperty("requestBody");
	});

	it("makes nullable optional body fields accept null and not required", () => {
		const op = doc.paths["/api/v1/users/me"].patch;
		const schema = op.requestBody.content["application/json"].schema;
		expect(schema.properties.avatarUrl).toEqual({ type: ["string", "null"], format: "uri", maxLength: 2048 });
		expect(schema).not.toHaveProperty("required");
		expect(schema.additionalProperties).toBe(false);
		expect(op.security).toEqual([{ bearerAuth: [] }]);
		expect(op.responses).toHaveProperty("401");
		expect(op.responses).not.toHaveProperty("403");
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
		const d = buildOpenApi(info, [{ method: "GET", path: "/x/:id", action: "nope.gone", tag: "x", status: 200 }], new Map()) as unknown as Doc;
		expect(d.paths["/x/{id}"].get.parameters).toEqual([{ name: "id", in: "path", required: true, schema: { type: "string" } }]);
		expect(d.paths["/x/{id}"].get).not.toHaveProperty("security");
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
