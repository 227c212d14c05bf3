import type { IncomingMessage, ServerResponse } from "node:http";
import { recordHttpRequest, type MetricRegistry } from "../../lib/metrics";
import { requestPath, routesOf } from "./routes";

/** Counts the request when its answer is sent: by route template (never the raw URL, which holds ids). */
export function measureRequest(registry: MetricRegistry, req: IncomingMessage, res: ServerResponse): void {
	const started = process.hrtime.bigint();
	// Now: moleculer-web rewrites `req.url` relative to the route it matches.
	const route = routesOf(requestPath(req.url ?? "/"))[0]?.fullPath ?? "unmatched";
	res.once("finish", () => {
		recordHttpRequest(registry, { method: req.method ?? "GET", route, status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
	});
}
