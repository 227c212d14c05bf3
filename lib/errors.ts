import { Errors } from "moleculer";

/** The error types of CONTRACT §2 with their HTTP status and the name clients see. */
export const ERROR_TYPES = {
	UNAUTHORIZED: { code: 401, name: "UnauthorizedError", message: "Authentication is required" },
	INVALID_CREDENTIALS: { code: 401, name: "InvalidCredentialsError", message: "The e-mail address or password is wrong" },
	INVALID_TOKEN: { code: 401, name: "InvalidTokenError", message: "The token is invalid or has expired" },
	TOKEN_REUSED: { code: 401, name: "TokenReusedError", message: "This refresh token was already used; the session has been ended" },
	FORBIDDEN: { code: 403, name: "ForbiddenError", message: "You are not allowed to do this" },
	EMAIL_NOT_VERIFIED: { code: 403, name: "EmailNotVerifiedError", message: "The e-mail address has not been verified" },
	ACCOUNT_DISABLED: { code: 403, name: "AccountDisabledError", message: "The account is disabled" },
	NOT_FOUND: { code: 404, name: "NotFoundError", message: "Not found" },
	EMAIL_TAKEN: { code: 409, name: "EmailTakenError", message: "An account with this e-mail address already exists" },
	LAST_ADMIN: { code: 409, name: "LastAdminError", message: "The last active admin cannot be removed" },
	IDENTITY_LINKED: { code: 409, name: "IdentityLinkedError", message: "This account at the provider is already linked to another account" },
	LAST_SIGN_IN_METHOD: { code: 409, name: "LastSignInMethodError", message: "This is the account's last way to sign in: set a password or add a passkey first" },
	METHOD_NOT_ALLOWED: { code: 405, name: "MethodNotAllowedError", message: "This method is not allowed on this path; see the Allow header" },
	PAYLOAD_TOO_LARGE: { code: 413, name: "PayloadTooLargeError", message: "The request body is too large" },
	UNSUPPORTED_MEDIA_TYPE: { code: 415, name: "UnsupportedMediaTypeError", message: "The request body must be JSON (Content-Type: application/json)" },
	VALIDATION_ERROR: { code: 422, name: "ValidationError", message: "Parameters validation error!" },
	WEAK_PASSWORD: { code: 422, name: "WeakPasswordError", message: "The password is too weak" },
	/** 401 when finishing a login, 422 elsewhere (the caller passes the code): the type is the same. */
	INVALID_MFA_CODE: { code: 422, name: "InvalidMfaCodeError", message: "The code is wrong or was already used" },
	MFA_REQUIRED: { code: 403, name: "MfaRequiredError", message: "A current code from your authenticator app is required" },
	TOO_MANY_ATTEMPTS: { code: 429, name: "TooManyAttemptsError", message: "Too many failed attempts; try again later" },
	RATE_LIMITED: { code: 429, name: "RateLimitedError", message: "Too many requests; try again later" },
	BAD_REQUEST: { code: 400, name: "BadRequestError", message: "The request body is not valid JSON" },
	SERVICE_UNAVAILABLE: { code: 503, name: "ServiceUnavailableError", message: "The service is temporarily unavailable" },
	INTERNAL_ERROR: { code: 500, name: "InternalServerError", message: "Internal server error" }
} as const;

export type ErrorType = keyof typeof ERROR_TYPES;

/** Broker and gateway error types that mean "try again later" rather than "you asked wrongly". */
export const UNAVAILABLE_TYPES: ReadonlySet<string> = new Set([
	"SERVICE_NOT_AVAILABLE",
	"SERVICE_UNAVAILABLE",
	"REQUEST_TIMEOUT",
	"REQUEST_REJECTED",
	"REQUEST_SKIPPED",
	"QUEUE_FULL",
	"BAD_GATEWAY",
	"GRACEFUL_STOP_TIMEOUT"
]);

/** An error a client is meant to see: its type, code and name come from ERROR_TYPES. */
export class ApiError extends Errors.MoleculerError {
	constructor(type: ErrorType, message?: string, data?: unknown, code?: number) {
		const spec = ERROR_TYPES[type];
		super(message ?? spec.message, code ?? spec.code, type, data);
		this.name = spec.name;
		// Client errors are not retried by the broker; 503 may be.
		this.retryable = spec.code === 503;
	}
}

export function apiError(type: ErrorType, message?: string, data?: unknown): ApiError {
	return new ApiError(type, message, data);
}

/** An e-mail link whose token is unknown, spent, expired or of another kind: 400, whatever the reason. */
export function invalidLink(): ApiError {
	return new ApiError("INVALID_TOKEN", "The link is invalid, already used or expired", undefined, 400);
}

/** 429s carry when to come back; the gateway turns `retryAfter` into the Retry-After header. */
export function throttled(type: "TOO_MANY_ATTEMPTS" | "RATE_LIMITED", retryAfterSeconds: number): ApiError {
	return new ApiError(type, undefined, { retryAfter: Math.max(1, Math.ceil(retryAfterSeconds)) });
}

/** A wrong, reused or malformed second-factor code: 401 while finishing a login, 422 on every other route. */
export function invalidMfaCode(atLogin: boolean): ApiError {
	return new ApiError("INVALID_MFA_CODE", undefined, undefined, atLogin ? 401 : 422);
}
