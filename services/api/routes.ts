/**
 * What a route is (the table itself is route-table.ts), how a request is matched to one, and the errors
 * common to a kind of route (`errorsOf`), derived here rather than repeated in the table. The gateway and the
 * OpenAPI generator both read routes through this module.
 */
import type { ErrorType } from "../../lib/errors";
import { ROUTE_GROUPS } from "./route-table";

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

/** An error type a route answers, at its ERROR_TYPES status unless `status` says otherwise. */
export type RouteError = ErrorType | { type: ErrorType; status: number };

export interface RouteExamples {
	request?: unknown;
	response?: unknown;
}

export interface RouteSpec {
	method: HttpMethod;
	/** Path below the group's prefix, with `:param`s. */
	path: string;
	action: string;
	tag: string;
	/** Success status. */
	/** Success status; 302: a browser navigation, answered with `Location` and no body. */
	status: 200 | 201 | 202 | 204 | 302;
	/** `Location` header of a 201. */
	location?: string;
	/** Name of a response schema in the OpenAPI components (none for 202/204). */
	response?: string;
	/** Errors of this route beyond the derived ones (see `errorsOf`). */
	errors?: RouteError[];
	/** A status besides success that is not an error body, with its response schema. */
	alternative?: { status: number; response: string; description: string };
	examples?: RouteExamples;
	/**
	 * Takes the browser session's refresh-token cookie in place of a `refreshToken` body, from an allowed
	 * Origin only (CONTRACT §5; services/api/session-cookie.ts).
	 */
	sessionCookie?: true;
	/**
	 * A step of "sign in with another provider" (services/api/flow-cookie.ts): `set` sets the flow cookie the
	 * action hands out; `take` reads it into the call and clears it (and may set the browser session).
	 */
	flowCookie?: "set" | "take";
}

export { API_PREFIX, ROUTE_GROUPS } from "./route-table";

export interface RouteGroup {
	prefix: string;
	/** Its routes without an access rule are limited per client IP (CONTRACT §1: AUTH_RATE_LIMIT_PER_MINUTE). */
	ipLimited?: true;
	routes: RouteSpec[];
}

/** A route with its full path (`:param`s kept) and what its group says of it. */
export interface Route extends RouteSpec {
	fullPath: string;
	ipLimited: boolean;
}

const PARAM = /:([A-Za-z0-9_]+)/g;

export const ROUTES: Route[] = ROUTE_GROUPS.flatMap(group =>
	group.routes.map(spec => ({ ...spec, fullPath: `${group.prefix}${spec.path === "/" ? "" : spec.path}`, ipLimited: group.ipLimited === true }))
);

const PATTERNS = new Map(ROUTES.map(route => [route, new RegExp(`^${route.fullPath.replace(/[.]/g, "\\.").replace(PARAM, "[^/]+")}$`)]));

/** A request URL's path as the gateway matches it: no query string, no trailing slash. */
export function requestPath(url: string): string {
	const path = url.split("?")[0];
	return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

/** The routes of a path, in table order (the order the gateway matches in): several when methods differ. */
export function routesOf(path: string): Route[] {
	return ROUTES.filter(route => PATTERNS.get(route)!.test(path));
}

/** The route a request reaches, if any. */
export function findRoute(method: string, path: string): Route | undefined {
	return routesOf(path).find(route => route.method === method.toUpperCase());
}

/** The `Allow` header of a known path: its routes' methods, HEAD wherever GET is, and OPTIONS, which the gateway answers itself. */
export function allowHeader(path: string): string | undefined {
	const methods: string[] = [...new Set(routesOf(path).map(route => route.method))];
	if (methods.includes("GET")) methods.splice(methods.indexOf("GET") + 1, 0, "HEAD");
	return methods.length ? [...methods, "OPTIONS"].join(", ") : undefined;
}

/** What the action declares about its caller and its input (as the service registry describes it). */
export interface ActionInfo {
	params?: Record<string, unknown>;
	summary?: string;
	auth?: string;
	roles?: string[];
	enrolment?: boolean;
}

export function isSecured(action: ActionInfo): boolean {
	return action.auth === "required" || (action.roles?.length ?? 0) > 0;
}

function takesInput(action: ActionInfo): boolean {
	return Object.keys(action.params ?? {}).some(name => !name.startsWith("$$"));
}

/**
 * Every error a route can answer: the ones that follow from what kind of route it is, then its own.
 * - a body (every method but GET): malformed or too deep JSON 400, too large 413, not JSON 415, and 422
 *   (query parameters are refused on such routes, besides the action's own validation);
 * - a GET with parameters: 422;
 * - an access rule: 401 (403 for a missing role is the FORBIDDEN below), and 403 MFA_REQUIRED for a token
 *   limited to second-factor enrolment (MFA_REQUIRED_ROLES) on any action not marked `enrolment`; an open
 *   route of an IP-limited group: 429 RATE_LIMITED;
 * - every route: 403 for an Origin that CORS_ORIGINS does not allow, 503 when a service or store is away.
 */
export function errorsOf(route: Route, action: ActionInfo): Array<{ type: ErrorType; status?: number }> {
	const derived: ErrorType[] = [];
	if (route.method !== "GET") derived.push("BAD_REQUEST", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "VALIDATION_ERROR");
	else if (takesInput(action)) derived.push("VALIDATION_ERROR");
	if (isSecured(action)) derived.push("UNAUTHORIZED", "INVALID_TOKEN");
	if (route.ipLimited && !isSecured(action)) derived.push("RATE_LIMITED");
	derived.push("FORBIDDEN");
	if (isSecured(action) && action.enrolment !== true) derived.push("MFA_REQUIRED");
	derived.push("SERVICE_UNAVAILABLE");
	const own = (route.errors ?? []).map(error => (typeof error === "string" ? { type: error } : error));
	return [...derived.map(type => ({ type })), ...own];
}
