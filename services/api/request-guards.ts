/** Checks on a request before any action sees it: each answers one way a body or URL can be wrong. */
import type { IncomingMessage } from "node:http";
import { apiError } from "../../lib/errors";
import { MAX_JSON_DEPTH, jsonDepth } from "./json-depth";

/** body-parser's `verify` hook: a body nested past MAX_JSON_DEPTH is a 400 before it is parsed. */
export function refuseDeepJson(_req: unknown, _res: unknown, body: Buffer): void {
	if (jsonDepth(body) > MAX_JSON_DEPTH) {
		throw Object.assign(new Error(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`), { status: 400, type: "entity.too.deep" });
	}
}

/** body-parser's reviver: the gateway merges bodies into params with Object.assign, so `__proto__` keys go. */
export function dropProtoKeys(key: string, value: unknown): unknown {
	return key === "__proto__" ? undefined : value;
}

function hasBody(req: IncomingMessage): boolean {
	return req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
}

/**
 * Every route reads JSON: a body of another type would be skipped by the JSON parser and the action would
 * run without it, so it is refused (415). Credentials in URLs end up in proxy logs and browser history:
 * routes that take a body take no query parameters (422).
 */
export function checkBodyRequest(req: IncomingMessage & { query?: Record<string, unknown> }): void {
	if (req.method === "GET") return;
	const mediaType = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
	if (hasBody(req) && mediaType !== "application/json") throw apiError("UNSUPPORTED_MEDIA_TYPE");
	if (req.query && Object.keys(req.query).length > 0) {
		throw apiError("VALIDATION_ERROR", "Query parameters are not accepted on this route; send a JSON body", [
			{ field: "query", type: "forbidden", message: "Query parameters are not accepted on this route" }
		]);
	}
}
