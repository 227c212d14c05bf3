/**
 * Every public route, once: method, path, action, success status, Location, the errors particular to it and
 * examples. The gateway builds its aliases and answers from this table, and the OpenAPI document is generated
 * from it (the errors every route shares are derived in routes.ts, errorsOf).
 */
import { EXAMPLES } from "./examples";
import type { RouteError, RouteGroup } from "./routes";

export const API_PREFIX = "/api/v1";

/** A one-time link from an e-mail that is unknown, spent or expired: 400 (lib/errors.ts invalidLink). */
const BAD_LINK: RouteError = { type: "INVALID_TOKEN", status: 400 };
/** MAGIC_LINK_ENABLED=false: the magic-link routes are not there. */
const MAGIC_LINK_OFF: RouteError = "NOT_FOUND";
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
			{ method: "POST", path: "/magic-link", action: "auth.requestMagicLink", tag: "auth", status: 202, errors: [MAGIC_LINK_OFF] },
			{
				method: "POST",
				path: "/magic-link/verify",
				action: "auth.verifyMagicLink",
				tag: "auth",
				status: 200,
				response: "LoginResponse",
				errors: [BAD_LINK, "ACCOUNT_DISABLED", MAGIC_LINK_OFF]
			},
			// Sign in with another provider (README): the browser's steps redirect; the account page lists and removes links.
			{ method: "GET", path: "/oidc/providers", action: "auth.oidcProviders", tag: "auth", status: 200, response: "OidcProviderList" },
			{ method: "GET", path: "/oidc/links", action: "auth.oidcLinks", tag: "auth", status: 200, response: "OidcLinkList" },
			{ method: "POST", path: "/oidc/links/confirm", action: "auth.oidcConfirmLink", tag: "auth", status: 200, response: "LoginResponse", errors: [BAD_LINK, "ACCOUNT_DISABLED", "IDENTITY_LINKED"] },
			{ method: "DELETE", path: "/oidc/links/:id", action: "auth.oidcUnlink", tag: "auth", status: 204, errors: ["NOT_FOUND", "LAST_SIGN_IN_METHOD"] },
			{ method: "GET", path: "/oidc/:id/start", action: "auth.oidcStart", tag: "auth", status: 302, errors: ["NOT_FOUND"], flowCookie: "set" },
			{ method: "GET", path: "/oidc/:id/callback", action: "auth.oidcCallback", tag: "auth", status: 302, errors: ["NOT_FOUND"], flowCookie: "take" },
			{ method: "POST", path: "/oidc/:id/link", action: "auth.oidcLink", tag: "auth", status: 200, response: "OidcRedirect", errors: ["NOT_FOUND"], flowCookie: "set" },
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
			{ method: "GET", path: "/me/apps", action: "auth.connectedApps", tag: "users", status: 200, response: "ConnectedAppList" },
			{ method: "DELETE", path: "/me/apps/:clientId", action: "auth.revokeConnectedApp", tag: "users", status: 204, errors: ["NOT_FOUND"] },
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
		prefix: `${API_PREFIX}/oidc`,
		routes: [
			{ method: "POST", path: "/clients", action: "auth.createOidcClient", tag: "admin", status: 201, response: "OidcClient" },
			{ method: "GET", path: "/clients", action: "auth.listOidcClients", tag: "admin", status: 200, response: "OidcClientPage" },
			{ method: "DELETE", path: "/clients/:clientId", action: "auth.deleteOidcClient", tag: "admin", status: 204, errors: ["NOT_FOUND"] }
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
