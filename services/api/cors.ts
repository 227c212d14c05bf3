import type { Config } from "../../lib/config";

/**
 * Browsers may call the API from CORS_ORIGINS only (and APP_URL's origin, which the hosted pages' own requests
 * carry); bearer tokens, so no credentials. Without CORS_ORIGINS no CORS headers are sent at all.
 */
export function corsSettings(config: Pick<Config, "corsOrigins" | "appUrl">) {
	if (!config.corsOrigins) return undefined;
	return {
		origin: config.corsOrigins.includes("*") ? "*" : [...new Set([...config.corsOrigins, new URL(config.appUrl).origin])],
		methods: ["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
		allowedHeaders: ["Content-Type", "Authorization"],
		exposedHeaders: ["Retry-After", "X-Request-ID", "Location", "Allow", "WWW-Authenticate"],
		credentials: false,
		maxAge: 600
	};
}
