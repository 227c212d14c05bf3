/**
 * OpenAPI 3.1 from the route table (statuses, errors, examples) and the actions' fastest-validator parameter
 * schemas and access rules, so the document cannot drift from what the gateway and the services do.
 */
import type { ServiceBroker } from "moleculer";
import { ERROR_TYPES, type ErrorType } from "../../lib/errors";
import { ROUTES, errorsOf, isSecured, type ActionInfo, type Route } from "./routes";
import { COMPONENT_SCHEMAS, ref, type JsonSchema } from "./schemas";

export type { JsonSchema };

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

/** The validator's own constraints of one rule type, as JSON Schema. Unknown rule types constrain nothing. */
function constraints(rule: Rule): JsonSchema {
	switch (rule.type) {
		case "string":
			return {
				type: "string",
				minLength: rule.min ?? rule.length,
				maxLength: rule.max ?? rule.length,
				pattern: rule.pattern instanceof RegExp ? rule.pattern.source : rule.pattern,
				enum: Array.isArray(rule.enum) ? rule.enum : undefined
			};
		case "email":
			return { type: "string", format: "email", maxLength: rule.max };
		case "url":
			return { type: "string", format: "uri", maxLength: rule.max };
		case "uuid":
			return { type: "string", format: "uuid" };
		case "date":
			// Query and JSON values are strings; the validator converts them (`convert: true`).
			return { type: "string", format: "date-time" };
		case "number":
			return { type: rule.integer ? "integer" : "number", minimum: rule.min, maximum: rule.max };
		case "boolean":
			return { type: "boolean" };
		case "enum":
			return { enum: rule.values };
		case "array":
			return { type: "array", items: rule.items === undefined ? undefined : ruleToSchema(rule.items), minItems: rule.min, maxItems: rule.max };
		case "record":
			return { type: "object", additionalProperties: ruleToSchema(rule.value) };
		case "object":
			return paramsToSchema((rule.props ?? rule.properties ?? {}) as Record<string, unknown>);
		default:
			return {};
	}
}

/**
 * One fastest-validator rule as JSON Schema. A rule's `openapi` object adds what the validator does not
 * check but the service does (e.g. a password policy's length), and examples; the validator ignores it.
 */
export function ruleToSchema(input: unknown): JsonSchema {
	const rule = asRule(input);
	if (!rule) return {};
	const out = Object.fromEntries(Object.entries({ ...constraints(rule), default: rule.default }).filter(([, v]) => v !== undefined));
	const extra = rule.openapi && typeof rule.openapi === "object" ? (rule.openapi as JsonSchema) : {};
	return { ...nullable(out, rule), ...extra };
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

const RETRY_AFTER = { "Retry-After": { description: "Seconds to wait before trying again", schema: { type: "integer", minimum: 1 } } };
const WWW_AUTHENTICATE = { "WWW-Authenticate": { description: 'RFC 6750: `Bearer`, with `error="invalid_token"` when a token was sent', schema: { type: "string" } } };

/** One status's error answer: the Error body narrowed to the types this route answers with it. */
function errorResponse(status: number, types: ErrorType[], action: ActionInfo): JsonSchema {
	const lines = types.map(type => `\`${type}\`: ${ERROR_TYPES[type].message}`);
	if (status === 403 && action.roles?.length) lines.unshift(`Requires role: ${action.roles.join(" or ")}`);
	if (status === 403) lines.push("(also when CORS_ORIGINS is set and the request's Origin is not in it)");
	return {
		description: lines.join(". "),
		...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : status === 401 ? { headers: WWW_AUTHENTICATE } : {}),
		content: { "application/json": { schema: { allOf: [ref("Error"), { properties: { type: { enum: types } } }] } } }
	};
}

function successResponse(route: Route): JsonSchema {
	if (route.status === 302) {
		return { description: "Redirect (a browser navigation): see Location", headers: { Location: { description: "Where the browser goes next", schema: { type: "string" } } } };
	}
	const description = route.status === 202 ? "Accepted" : route.status === 201 ? "Created" : "Success";
	if (!route.response) return { description };
	const example = route.examples?.response === undefined ? {} : { example: route.examples.response };
	return {
		description,
		...(route.location ? { headers: { Location: { description: "Where the created resource is", schema: { type: "string" } } } } : {}),
		content: { "application/json": { schema: ref(route.response), ...example } }
	};
}

function responsesOf(route: Route, action: ActionInfo): Record<string, JsonSchema> {
	const byStatus = new Map<number, ErrorType[]>();
	for (const error of errorsOf(route, action)) {
		const status = error.status ?? ERROR_TYPES[error.type].code;
		const types = byStatus.get(status) ?? [];
		if (!types.includes(error.type)) types.push(error.type);
		byStatus.set(status, types);
	}
	const responses: Record<string, JsonSchema> = { [route.status]: successResponse(route) };
	if (route.alternative) {
		const { status, response, description } = route.alternative;
		responses[status] = { description, content: { "application/json": { schema: ref(response) } } };
	}
	for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
		responses[status] ??= errorResponse(status, byStatus.get(status)!, action);
	}
	return responses;
}

function openApiPath(path: string): { path: string; names: string[] } {
	const names: string[] = [];
	const converted = path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
		names.push(name);
		return `{${name}}`;
	});
	return { path: converted.length > 1 ? converted.replace(/\/$/, "") : converted, names };
}

/** The path of a route in the document: `:param` becomes `{param}`. */
export function documentPath(route: Route): string {
	return openApiPath(route.fullPath).path;
}

function operation(route: Route, action: ActionInfo): JsonSchema {
	const params = action.params ?? {};
	const { names } = openApiPath(route.fullPath);
	const parameters: unknown[] = names.map(name => ({ name, in: "path", required: true, schema: ruleToSchema(params[name] ?? "string") }));
	let requestBody: unknown;
	if (route.method === "GET") {
		for (const [name, rule] of Object.entries(params)) {
			if (name.startsWith("$$") || names.includes(name)) continue;
			parameters.push({ name, in: "query", required: !isOptional(rule), schema: ruleToSchema(rule) });
		}
	} else if (Object.keys(params).some(k => !k.startsWith("$$") && !names.includes(k))) {
		const example = route.examples?.request === undefined ? {} : { example: route.examples.request };
		requestBody = { required: true, content: { "application/json": { schema: paramsToSchema(params, names), ...example } } };
	}
	return {
		operationId: route.action,
		tags: [route.tag],
		...(action.summary ? { summary: action.summary } : {}),
		...(isSecured(action) ? { security: [{ bearerAuth: [] }] } : {}),
		...(parameters.length ? { parameters } : {}),
		...(requestBody ? { requestBody } : {}),
		responses: responsesOf(route, action)
	};
}

export function buildOpenApi(info: { title: string; version: string }, routes: Route[], actions: ReadonlyMap<string, ActionInfo>): JsonSchema {
	const paths: Record<string, Record<string, unknown>> = {};
	for (const route of routes) {
		const path = documentPath(route);
		paths[path] ??= {};
		paths[path][route.method.toLowerCase()] = operation(route, actions.get(route.action) ?? {});
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

/** The document of every public route, with the parameters and access rules of the actions the broker knows. */
export function servedDocument(broker: ServiceBroker, version: string): JsonSchema {
	const actions = new Map<string, ActionInfo>();
	for (const item of broker.registry.getActionList({ skipInternal: true })) {
		if (item.action) actions.set(item.name, item.action as ActionInfo);
	}
	return buildOpenApi({ title: "User backend API", version }, ROUTES, actions);
}
