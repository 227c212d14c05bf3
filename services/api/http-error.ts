import { ERROR_TYPES, UNAVAILABLE_TYPES, type ErrorType } from "../../lib/errors";

/** What an error becomes on the wire: CONTRACT §2's body, its status and any extra header. */
export interface HttpErrorResponse {
	status: number;
	body: { name: string; message: string; code: number; type: string; data?: unknown };
	headers: Record<string, string>;
	/** True when the error was not one we meant to show: the gateway logs it. */
	unexpected: boolean;
}

interface ErrorLike {
	name?: unknown;
	message?: unknown;
	code?: unknown;
	type?: unknown;
	data?: unknown;
	status?: unknown;
}

function fromType(type: ErrorType): HttpErrorResponse {
	const spec = ERROR_TYPES[type];
	return {
		status: spec.code,
		body: { name: spec.name, message: spec.message, code: spec.code, type },
		headers: {},
		unexpected: false
	};
}

/** Validation details without `actual`/`expected`: those echo what the client sent, passwords included. */
function validationDetails(data: unknown[]): Array<{ field?: string; type?: string; message?: string }> {
	return (data as Array<ErrorLike & { field?: unknown }>).map(item => ({
		field: typeof item.field === "string" ? item.field : undefined,
		type: typeof item.type === "string" ? item.type : undefined,
		message: typeof item.message === "string" ? item.message : undefined
	}));
}

/** Maps any thrown value to the contract's error body. Unknown and server-side errors never show their message. */
export function toHttpError(error: unknown): HttpErrorResponse {
	const err: ErrorLike = error !== null && typeof error === "object" ? (error as ErrorLike) : {};
	const type = typeof err.type === "string" ? err.type : undefined;
	const code = typeof err.code === "number" ? err.code : typeof err.status === "number" ? err.status : 500;

	// body-parser
	if (type === "entity.too.large") return fromType("PAYLOAD_TOO_LARGE");
	if (type === "entity.parse.failed" || type === "entity.too.deep" || type === "entity.verify.failed" || type === "encoding.unsupported" || type === "charset.unsupported") {
		return fromType("BAD_REQUEST");
	}

	if (type !== undefined && type in ERROR_TYPES && code >= 400 && code < 500) {
		const base = ERROR_TYPES[type as ErrorType];
		// A type may be answered with more than one status (INVALID_TOKEN is 400 for e-mail links, 401 for bearer tokens).
		const spec = { ...base, code };
		const data = Array.isArray(err.data) ? validationDetails(err.data) : err.data && typeof err.data === "object" ? err.data : undefined;
		const res: HttpErrorResponse = {
			status: spec.code,
			body: {
				name: spec.name,
				message: typeof err.message === "string" ? err.message : spec.message,
				code: spec.code,
				type,
				...(data === undefined ? {} : { data })
			},
			headers: {},
			unexpected: false
		};
		const retryAfter = (data as { retryAfter?: unknown } | undefined)?.retryAfter;
		if (typeof retryAfter === "number") res.headers["Retry-After"] = String(retryAfter);
		return res;
	}

	// moleculer-web: unknown route or unpublished action; moleculer: no such action anywhere.
	if (type === "NOT_FOUND" || type === "SERVICE_NOT_FOUND") return fromType("NOT_FOUND");
	// moleculer-web's own 401s (e.g. a malformed Authorization header).
	if (type === "NO_RIGHTS") return fromType("FORBIDDEN");
	if (type === "NO_TOKEN" || type === "ERR_NO_TOKEN") return fromType("UNAUTHORIZED");
	if (type === "ERR_INVALID_TOKEN") return fromType("INVALID_TOKEN");

	if ((type !== undefined && UNAVAILABLE_TYPES.has(type)) || code === 502 || code === 503 || code === 504) {
		const res = fromType("SERVICE_UNAVAILABLE");
		res.headers["Retry-After"] = "5";
		return res;
	}
	if (code === 401) return fromType("UNAUTHORIZED");
	if (code === 403) return fromType("FORBIDDEN"); // e.g. moleculer-web's ORIGIN_NOT_ALLOWED
	if (code === 429) return fromType("RATE_LIMITED");
	if (code === 400) return fromType("BAD_REQUEST");

	return { ...fromType("INTERNAL_ERROR"), unexpected: true };
}
