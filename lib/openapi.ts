/**
 * OpenAPI 3.1 from the gateway's route table and the actions' fastest-validator parameter schemas, so the
 * document cannot drift from what the services accept.
 */
import { USER_SCHEMA } from "./user-schema";

export type JsonSchema = Record<string, unknown>;

/** What the generator needs to know of an action (as the service registry describes it). */
export interface ActionInfo {
	params?: Record<string, unknown>;
	summary?: string;
	auth?: string;
	roles?: string[];
}

export interface OpenApiRoute {
	method: string;
	/** Full path with `:param`s. */
	path: string;
	action: string;
	tag: string;
	status: number;
	response?: string;
}

type Rule = Record<string, unknown>;

function asRule(rule: unknown): Rule | null {
	if (typeof rule === "string") {
		const [type, ...flags] = rule.split("|");
		return { type, optional: flags.includes("optional") };
	}
	return rule && typeof rule === "object" && !Array.isArray(rule) ? (rule as Rule) : null;
}

function nullable(schema: JsonSchema, rule: Rule): JsonSchema {
	if (rule.nullable !== true || typeof schema.type !== "string") return schema;
	return { ...schema, type: [schema.type, "null"] };
}

/** One fastest-validator rule as JSON Schema. Unknown rule types become an unconstrained schema. */
export function ruleToSchema(input: unknown): JsonSchema {
	const rule = asRule(input);
	if (!rule) return {};
	const out: JsonSchema = {};
	const set = (key: string, value: unknown) => {
		if (value !== undefined) out[key] = value;
	};
	switch (rule.type) {
		case "string":
			out.type = "string";
			set("minLength", rule.min ?? rule.length);
			set("maxLength", rule.max ?? rule.length);
			if (rule.pattern instanceof RegExp) out.pattern = rule.pattern.source;
			else if (typeof rule.pattern === "string") out.pattern = rule.pattern;
			if (Array.isArray(rule.enum)) out.enum = rule.enum;
			break;
		case "email":
			Object.assign(out, { type: "string", format: "email" });
			set("maxLength", rule.max);
			break;
		case "url":
			Object.assign(out, { type: "string", format: "uri" });
			set("maxLength", rule.max);
			break;
		case "uuid":
			Object.assign(out, { type: "string", format: "uuid" });
			break;
		case "number":
			out.type = rule.integer ? "integer" : "number";
			set("minimum", rule.min);
			set("maximum", rule.max);
			break;
		case "boolean":
			out.type = "boolean";
			break;
		case "enum":
			out.enum = rule.values;
			break;
		case "array":
			out.type = "array";
			if (rule.items !== undefined) out.items = ruleToSchema(rule.items);
			set("minItems", rule.min);
			set("maxItems", rule.max);
			break;
		case "record":
			Object.assign(out, { type: "object", additionalProperties: ruleToSchema(rule.value) });
			break;
		case "object":
			Object.assign(out, paramsToSchema((rule.props ?? rule.properties ?? {}) as Record<string, unknown>));
			break;
		default:
			break;
	}
	set("default", rule.default);
	return nullable(out, rule);
}

function isOptional(rule: unknown): boolean {
	const r = asRule(rule);
	return !!r && (r.optional === true || r.default !== undefined);
}

/** An action's `params` as an object schema; `$$strict: true` means no other property is accepted. */
export function paramsToSchema(params: Record<string, unknown>, omit: string[] = []): JsonSchema {
	const properties: Record<string, JsonSchema> = {};
	const required: string[] = [];
	for (const [name, rule] of Object.entries(params)) {
		if (name.startsWith("$$") || omit.includes(name)) continue;
		properties[name] = ruleToSchema(rule);
		if (!isOptional(rule)) required.push(name);
	}
	return {
		type: "object",
		properties,
		...(required.length ? { required } : {}),
		...(params.$$strict === true ? { additionalProperties: false } : {})
	};
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: ref("Error") } } });

const iso = { type: "string", format: "date-time" };

const page = (item: string, extra: Record<string, JsonSchema> = {}): JsonSchema => ({
	type: "object",
	required: ["rows", "total", "page", "pageSize", "totalPages", ...Object.keys(extra)],
	properties: {
		rows: { type: "array", items: ref(item) },
		total: { type: "integer" },
		page: { type: "integer" },
		pageSize: { type: "integer" },
		totalPages: { type: "integer" },
		...extra
	}
});

const COMPONENT_SCHEMAS: Record<string, JsonSchema> = {
	User: USER_SCHEMA as unknown as JsonSchema,
	TokenResponse: {
		type: "object",
		required: ["accessToken", "refreshToken", "tokenType", "expiresIn", "user"],
		properties: {
			accessToken: { type: "string", description: "JWT (PS256 or ES256), verify with /.well-known/jwks.json" },
			refreshToken: { type: "string", description: "Opaque; single use" },
			tokenType: { const: "Bearer" },
			expiresIn: { type: "integer", description: "Seconds until the access token expires" },
			user: ref("User")
		}
	},
	Session: {
		type: "object",
		required: ["id", "createdAt", "lastUsedAt", "expiresAt", "userAgent", "ip", "current"],
		properties: {
			id: { type: "string" },
			createdAt: iso,
			lastUsedAt: iso,
			expiresAt: iso,
			userAgent: { type: ["string", "null"] },
			ip: { type: ["string", "null"] },
			current: { type: "boolean" }
		}
	},
	SessionList: { type: "array", items: ref("Session") },
	UserPage: page("User"),
	Notification: {
		type: "object",
		required: ["id", "type", "title", "body", "createdAt", "read"],
		properties: { id: { type: "string" }, type: { type: "string" }, title: { type: "string" }, body: { type: "string" }, createdAt: iso, read: { type: "boolean" } }
	},
	NotificationPage: page("Notification", { unread: { type: "integer" } }),
	AuditEntry: {
		type: "object",
		required: ["id", "seq", "at", "type", "outcome", "actorId", "subjectId", "ip", "userAgent", "details"],
		properties: {
			id: { type: "string" },
			seq: { type: "integer" },
			at: iso,
			type: { type: "string" },
			outcome: { enum: ["success", "failure"] },
			actorId: { type: ["string", "null"] },
			subjectId: { type: ["string", "null"] },
			ip: { type: ["string", "null"] },
			userAgent: { type: ["string", "null"] },
			details: { type: "object" }
		}
	},
	AuditPage: page("AuditEntry"),
	AuditVerdict: {
		type: "object",
		required: ["ok", "checked"],
		properties: { ok: { type: "boolean" }, checked: { type: "integer" }, brokenAt: { type: "integer" }, reason: { type: "string" } }
	},
	Health: { type: "object", required: ["status"], properties: { status: { enum: ["ok", "unavailable"] }, checks: { type: "object" } } },
	Jwks: { type: "object", required: ["keys"], properties: { keys: { type: "array", items: { type: "object" } } } },
	Error: {
		type: "object",
		required: ["name", "message", "code", "type"],
		properties: { name: { type: "string" }, message: { type: "string" }, code: { type: "integer" }, type: { type: "string" }, data: {} }
	}
};

function openApiPath(path: string): { path: string; names: string[] } {
	const names: string[] = [];
	const converted = path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
		names.push(name);
		return `{${name}}`;
	});
	return { path: converted.length > 1 ? converted.replace(/\/$/, "") : converted, names };
}

export function buildOpenApi(info: { title: string; version: string }, routes: OpenApiRoute[], actions: ReadonlyMap<string, ActionInfo>): JsonSchema {
	const paths: Record<string, Record<string, unknown>> = {};
	for (const route of routes) {
		const action = actions.get(route.action) ?? {};
		const params = action.params ?? {};
		const { path, names } = openApiPath(route.path);
		const method = route.method.toLowerCase();
		const secured = action.auth === "required" || (action.roles?.length ?? 0) > 0;

		const parameters: unknown[] = names.map(name => ({ name, in: "path", required: true, schema: ruleToSchema(params[name] ?? "string") }));
		let requestBody: unknown;
		if (method === "get") {
			for (const [name, rule] of Object.entries(params)) {
				if (name.startsWith("$$") || names.includes(name)) continue;
				parameters.push({ name, in: "query", required: !isOptional(rule), schema: ruleToSchema(rule) });
			}
		} else if (Object.keys(params).some(k => !k.startsWith("$$") && !names.includes(k))) {
			requestBody = { required: true, content: { "application/json": { schema: paramsToSchema(params, names) } } };
		}

		const responses: Record<string, unknown> = {
			[route.status]: route.response
				? { description: "Success", content: { "application/json": { schema: ref(route.response) } } }
				: { description: route.status === 202 ? "Accepted" : "Success" }
		};
		if (requestBody || parameters.length) responses["422"] = errorResponse("Invalid parameters");
		if (secured) responses["401"] = errorResponse("Missing, invalid or expired access token");
		if (action.roles?.length) responses["403"] = errorResponse(`Requires role: ${action.roles.join(" or ")}`);
		responses["429"] = errorResponse("Too many requests");
		responses["503"] = errorResponse("Temporarily unavailable");

		paths[path] ??= {};
		paths[path][method] = {
			operationId: route.action,
			tags: [route.tag],
			...(action.summary ? { summary: action.summary } : {}),
			...(secured ? { security: [{ bearerAuth: [] }] } : {}),
			...(parameters.length ? { parameters } : {}),
			...(requestBody ? { requestBody } : {}),
			responses
		};
	}
	return {
		openapi: "3.1.0",
		info,
		paths,
		components: {
			schemas: COMPONENT_SCHEMAS,
			securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" } }
		}
	};
}
