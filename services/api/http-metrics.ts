import type { IncomingMessage, ServerResponse } from "node:http";
import { recordHttpRequest, type MetricRegistry } from "../../lib/metrics";
import { requestPath, routesOf } from "./routes";

/** Route templates of recent paths: matching a path against every route's pattern, per request, is costly. */
const TEMPLATES = new Map<string, string>();
const MAX_TEMPLATES = 1_000;

function templateOf(path: string): string {
	let template = TEMPLATES.get(path);
	if (template === undefined) {
		template = routesOf(path)[0]?.fullPath ?? "unmatched";
		// Paths with ids are many: bounded, forgotten all at once when full.
		if (TEMPLATES.size >= MAX_TEMPLATES) TEMPLATES.clear();
		TEMPLATES.set(path, template);
	}
	return template;
}

/** Counts the request when its answer is sent: by route template (never the raw URL, which holds ids). */
export function measureRequest(registry: MetricRegistry, req: IncomingMessage, res: ServerResponse): void {
	const started = process.hrtime.bigint();
	// Now: moleculer-web rewrites `req.url` relative to the route it matches.
	const route = templateOf(requestPath(req.url ?? "/"));
	res.once("finish", () => {
		recordHttpRequest(registry, { method: req.method ?? "GET", route, status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
	});
}
