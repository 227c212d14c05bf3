/**
 * Every public route, once: the gateway builds its aliases from this table and the OpenAPI document from
 * this table plus the actions' own parameter schemas.
 */
export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

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
}

export interface RouteGroup {
	prefix: string;
	routes: RouteSpec[];
}

export const API_PREFIX = "/api/v1";

export const ROUTE_GROUPS: RouteGroup[] = [
	{
		prefix: `${API_PREFIX}/auth`,
		routes: [
			{ method: "POST", path: "/register", action: "auth.register", tag: "auth", status: 201, location: "/api/v1/users/me", response: "User" },
			{ method: "POST", path: "/verify-email", action: "auth.verifyEmail", tag: "auth", status: 200, response: "User" },
			{ method: "POST", path: "/verify-email/resend", action: "auth.resendVerification", tag: "auth", status: 202 },
			{ method: "POST", path: "/login", action: "auth.login", tag: "auth", status: 200, response: "TokenResponse" },
			{ method: "POST", path: "/refresh", action: "auth.refresh", tag: "auth", status: 200, response: "TokenResponse" },
			{ method: "POST", path: "/logout", action: "auth.logout", tag: "auth", status: 204 },
			{ method: "POST", path: "/logout-all", action: "auth.logoutAll", tag: "auth", status: 204 },
			{ method: "GET", path: "/sessions", action: "auth.sessions", tag: "auth", status: 200, response: "SessionList" },
			{ method: "DELETE", path: "/sessions/:id", action: "auth.removeSession", tag: "auth", status: 204 },
			{ method: "POST", path: "/password/forgot", action: "auth.forgotPassword", tag: "auth", status: 202 },
			{ method: "POST", path: "/password/reset", action: "auth.resetPassword", tag: "auth", status: 204 },
			{ method: "POST", path: "/password/change", action: "auth.changePassword", tag: "auth", status: 204 },
			{ method: "POST", path: "/email/confirm", action: "auth.confirmEmailChange", tag: "auth", status: 200, response: "User" },
			{ method: "POST", path: "/throttles/clear", action: "auth.clearThrottle", tag: "admin", status: 204 }
		]
	},
	{
		prefix: `${API_PREFIX}/users`,
		routes: [
			{ method: "GET", path: "/me", action: "users.me", tag: "users", status: 200, response: "User" },
			{ method: "PATCH", path: "/me", action: "users.updateMe", tag: "users", status: 200, response: "User" },
			{ method: "DELETE", path: "/me", action: "users.removeMe", tag: "users", status: 204 },
			{ method: "POST", path: "/me/email", action: "auth.requestEmailChange", tag: "users", status: 202 },
			{ method: "GET", path: "/", action: "users.list", tag: "admin", status: 200, response: "UserPage" },
			{ method: "GET", path: "/:id", action: "users.get", tag: "admin", status: 200, response: "User" },
			{ method: "PATCH", path: "/:id", action: "users.update", tag: "admin", status: 200, response: "User" },
			{ method: "DELETE", path: "/:id", action: "users.remove", tag: "admin", status: 204 }
		]
	},
	{
		prefix: `${API_PREFIX}/notifications`,
		routes: [
			{ method: "GET", path: "/", action: "notifications.list", tag: "notifications", status: 200, response: "NotificationPage" },
			{ method: "POST", path: "/read-all", action: "notifications.markAllRead", tag: "notifications", status: 204 },
			{ method: "POST", path: "/:id/read", action: "notifications.markRead", tag: "notifications", status: 204 }
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
			{ method: "GET", path: "/ready", action: "api.ready", tag: "health", status: 200, response: "Health" }
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
