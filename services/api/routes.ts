/**
 * Every public route, once: method, path, action, success status, Location, the errors only this route
 * answers, its response schema and examples. The gateway builds its aliases, success statuses and 405s
 * from this table; the OpenAPI document is this table plus the actions' own parameters and access rules.
 * Errors common to a kind of route are derived in `errorsOf`, not repeated here.
 */
import type { ErrorType } from "../../lib/errors";
import { EXAMPLES } from "./examples";

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
	status: 200 | 201 | 202 | 204;
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
}

export interface RouteGroup {
	prefix: string;
	/** Its routes without an access rule are limited per client IP (CONTRACT §1: AUTH_RATE_LIMIT_PER_MINUTE). */
	ipLimited?: true;
	routes: RouteSpec[];
}

export const API_PREFIX = "/api/v1";

/** A one-time link from an e-mail that is unknown, spent or expired: 400 (lib/errors.ts invalidLink). */
const BAD_LINK: RouteError = { type: "INVALID_TOKEN", status: 400 };
/** A wrong or reused second-factor code outside a login (lib/errors.ts invalidMfaCode). */
const BAD_CODE: RouteError = { type: "INVALID_MFA_CODE", status: 422 };
/** While TOTP is on: the step-up code is missing (403) or wrong (422). */
const STEP_UP: RouteError[] = ["MFA_REQUIRED", BAD_CODE];
/** A wrong second factor finishing a password login (TOTP, recovery code or passkey): 401. */
const BAD_LOGIN_FACTOR: RouteError = { type: "INVALID_MFA_CODE", status: 401 };

/** A WebAuthn challenge that is unknown, spent or expired (services/auth/mfa/webauthn.ts): 400, start again. */
const PASSKEY_CHALLENGE_REFUSED: RouteError = { type: "INVALID_TOKEN", status: 400 };

export const ROUTE_GROUPS: RouteGroup[] = [
	{
		prefix: `${API_PREFIX}/auth`,
		ipLimited: true,
		routes: [
			{ method: "POST", path: "/register", action: "auth.register", tag: "auth", status: 201, location: "/api/v1/users/me", response: "User", errors: ["EMAIL_TAKEN", "WEAK_PASSWORD"], examples: EXAMPLES.register },
			{ method: "POST", path: "/verify-email", action: "auth.verifyEmail", tag: "auth", status: 200, response: "User", errors: [BAD_LINK] },
			{ method: "POST", path: "/verify-email/resend", action: "auth.resendVerification", tag: "auth", status: 202 },
			{
				method: "POST",
				path: "/login",
				action: "auth.login",
				tag: "auth",
				status: 200,
				response: "LoginResponse",
				errors: ["INVALID_CREDENTIALS", "EMAIL_NOT_VERIFIED", "ACCOUNT_DISABLED", "TOO_MANY_ATTEMPTS"],
				examples: EXAMPLES.login
			},
			{
				method: "POST",
				path: "/login/mfa",
				action: "auth.loginMfa",
				tag: "auth",
				status: 200,
				response: "TokenResponse",
				errors: ["INVALID_TOKEN", BAD_LOGIN_FACTOR, "TOO_MANY_ATTEMPTS", "ACCOUNT_DISABLED"],
				examples: EXAMPLES.loginMfa
			},
			{
				method: "POST",
				path: "/refresh",
				action: "auth.refresh",
				tag: "auth",
				status: 200,
				response: "TokenResponse",
				errors: ["INVALID_TOKEN", "TOKEN_REUSED", "ACCOUNT_DISABLED"],
				examples: EXAMPLES.refresh,
				sessionCookie: true
			},
			{ method: "POST", path: "/logout", action: "auth.logout", tag: "auth", status: 204, errors: ["UNAUTHORIZED", "INVALID_TOKEN"], sessionCookie: true },
			{ method: "POST", path: "/logout-all", action: "auth.logoutAll", tag: "auth", status: 204 },
			{ method: "GET", path: "/sessions", action: "auth.sessions", tag: "auth", status: 200, response: "SessionList" },
			{ method: "DELETE", path: "/sessions/:id", action: "auth.removeSession", tag: "auth", status: 204, errors: ["NOT_FOUND"] },
			{ method: "POST", path: "/password/forgot", action: "auth.forgotPassword", tag: "auth", status: 202 },
			{ method: "POST", path: "/password/reset", action: "auth.resetPassword", tag: "auth", status: 204, errors: [BAD_LINK, "WEAK_PASSWORD"] },
			{ method: "POST", path: "/password/change", action: "auth.changePassword", tag: "auth", status: 204, errors: ["INVALID_CREDENTIALS", "WEAK_PASSWORD", ...STEP_UP] },
			{ method: "GET", path: "/mfa", action: "auth.mfaStatus", tag: "mfa", status: 200, response: "MfaStatus", examples: EXAMPLES.mfaStatus },
			{ method: "POST", path: "/mfa/totp/setup", action: "auth.totpSetup", tag: "mfa", status: 200, response: "TotpSetup", errors: ["INVALID_CREDENTIALS", "NOT_FOUND"], examples: EXAMPLES.totpSetup },
			{ method: "POST", path: "/mfa/totp/confirm", action: "auth.totpConfirm", tag: "mfa", status: 200, response: "RecoveryCodes", errors: [BAD_CODE, "NOT_FOUND"], examples: EXAMPLES.totpConfirm },
			{ method: "DELETE", path: "/mfa/totp", action: "auth.totpDisable", tag: "mfa", status: 204, errors: ["INVALID_CREDENTIALS", BAD_CODE, "NOT_FOUND"] },
			{ method: "POST", path: "/mfa/recovery-codes", action: "auth.renewRecoveryCodes", tag: "mfa", status: 200, response: "RecoveryCodes", errors: ["INVALID_CREDENTIALS", "NOT_FOUND"], examples: EXAMPLES.renewRecoveryCodes },
			{ method: "POST", path: "/email/confirm", action: "auth.confirmEmailChange", tag: "auth", status: 200, response: "User", errors: [BAD_LINK, "EMAIL_TAKEN", "NOT_FOUND"] },
			{ method: "POST", path: "/throttles/clear", action: "auth.clearThrottle", tag: "admin", status: 204 },
			{ method: "POST", path: "/passkeys/register/options", action: "auth.passkeyRegisterOptions", tag: "passkeys", status: 200, response: "PasskeyCreationOptions", errors: ["NOT_FOUND"] },
			{
				method: "POST",
				path: "/passkeys/register/verify",
				action: "auth.passkeyRegister",
				tag: "passkeys",
				status: 201,
				response: "PasskeyEnrolled",
				errors: [PASSKEY_CHALLENGE_REFUSED, "NOT_FOUND"],
				examples: EXAMPLES.passkeyRegister
			},
			{
				method: "POST",
				path: "/passkeys/login/options",
				action: "auth.passkeyLoginOptions",
				tag: "passkeys",
				status: 200,
				response: "PasskeyRequestOptions",
				errors: ["INVALID_TOKEN"],
				examples: EXAMPLES.passkeyLoginOptions
			},
			{
				method: "POST",
				path: "/passkeys/login/verify",
				action: "auth.passkeyLogin",
				tag: "passkeys",
				status: 200,
				response: "TokenResponse",
				errors: [PASSKEY_CHALLENGE_REFUSED, "INVALID_TOKEN", "INVALID_CREDENTIALS", BAD_LOGIN_FACTOR, "TOO_MANY_ATTEMPTS", "EMAIL_NOT_VERIFIED", "ACCOUNT_DISABLED"]
			},
			{ method: "PATCH", path: "/passkeys/:id", action: "auth.passkeyRename", tag: "passkeys", status: 200, response: "Passkey", errors: ["NOT_FOUND"] },
			{ method: "DELETE", path: "/passkeys/:id", action: "auth.passkeyRemove", tag: "passkeys", status: 204, errors: ["NOT_FOUND"] }
		]
	},
	{
		prefix: `${API_PREFIX}/users`,
		routes: [
			{ method: "GET", path: "/me", action: "users.me", tag: "users", status: 200, response: "User", errors: ["NOT_FOUND"], examples: EXAMPLES.me },
			{ method: "PATCH", path: "/me", action: "users.updateMe", tag: "users", status: 200, response: "User", errors: ["NOT_FOUND"], examples: EXAMPLES.updateMe },
			{ method: "DELETE", path: "/me", action: "users.removeMe", tag: "users", status: 204, errors: ["INVALID_CREDENTIALS", "NOT_FOUND", "LAST_ADMIN", ...STEP_UP] },
			{ method: "POST", path: "/me/email", action: "auth.requestEmailChange", tag: "users", status: 202, errors: ["INVALID_CREDENTIALS", "NOT_FOUND", "EMAIL_TAKEN", ...STEP_UP] },
			{ method: "GET", path: "/", action: "users.list", tag: "admin", status: 200, response: "UserPage", examples: EXAMPLES.userList },
			{ method: "GET", path: "/:id", action: "users.get", tag: "admin", status: 200, response: "User", errors: ["NOT_FOUND"] },
			{ method: "PATCH", path: "/:id", action: "users.update", tag: "admin", status: 200, response: "User", errors: ["NOT_FOUND", "LAST_ADMIN"] },
			{ method: "DELETE", path: "/:id", action: "users.remove", tag: "admin", status: 204, errors: ["NOT_FOUND", "LAST_ADMIN"] },
			{ method: "DELETE", path: "/:id/mfa", action: "auth.resetMfa", tag: "admin", status: 204, errors: ["NOT_FOUND"] },
			{ method: "DELETE", path: "/:userId/sessions", action: "auth.endUserSessions", tag: "admin", status: 204 }
		]
	},
	{
		prefix: `${API_PREFIX}/deliveries`,
		routes: [
			{ method: "GET", path: "/", action: "notifications.failedDeliveries", tag: "admin", status: 200, response: "DeliveryPage" },
			{ method: "POST", path: "/retry", action: "notifications.retryDeliveries", tag: "admin", status: 200, response: "RetryResult" }
		]
	},
	{
		prefix: `${API_PREFIX}/notifications`,
		routes: [
			{ method: "GET", path: "/", action: "notifications.list", tag: "notifications", status: 200, response: "NotificationPage" },
			{ method: "POST", path: "/read-all", action: "notifications.markAllRead", tag: "notifications", status: 204 },
			{ method: "POST", path: "/:id/read", action: "notifications.markRead", tag: "notifications", status: 204, errors: ["NOT_FOUND"] }
		]
	},
	{
		prefix: `${API_PREFIX}/audit`,
		routes: [
			{ method: "GET", path: "/", action: "auth.auditList", tag: "admin", status: 200, response: "AuditPage" },
			{ method: "GET", path: "/verify", action: "auth.auditVerify", tag: "admin", status: 200, response: "AuditVerdict" }
		]
	},
	{
		prefix: "/api/health",
		routes: [
			{ method: "GET", path: "/live", action: "api.live", tag: "health", status: 200, response: "Health" },
			{
				method: "GET",
				path: "/ready",
				action: "api.ready",
				tag: "health",
				status: 200,
				response: "Health",
				alternative: { status: 503, response: "Health", description: "Not ready: a check failed" }
			}
		]
	},
	{
		prefix: "/api",
		routes: [{ method: "GET", path: "/openapi.json", action: "api.openapi", tag: "meta", status: 200 }]
	},
	{
		prefix: "/.well-known",
		routes: [{ method: "GET", path: "/jwks.json", action: "api.jwks", tag: "meta", status: 200, response: "Jwks" }]
	}
];

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
