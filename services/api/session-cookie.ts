/**
 * The browser session (CONTRACT §5): with the header `X-Session: cookie`, token responses put the refresh
 * token in an httpOnly, SameSite=Strict cookie scoped to the auth routes instead of the body; POST /refresh
 * and POST /logout take that cookie in place of a `refreshToken` body, and only from an allowed Origin:
 * SameSite already keeps other sites' requests from carrying it, the Origin check is the second line (CSRF)
 * and also covers same-site origins that are not ours.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Config } from "../../lib/config";
import { apiError } from "../../lib/errors";
import { API_PREFIX } from "./routes";

export const SESSION_COOKIE = "refresh_token";
export const SESSION_COOKIE_PATH = `${API_PREFIX}/auth`;

/** The request asks for a browser session (`X-Session: cookie`). */
export function wantsCookieSession(req: IncomingMessage): boolean {
	const value = req.headers["x-session"];
	return typeof value === "string" && value.trim().toLowerCase() === "cookie";
}

/** The session cookie's value, if the request carries one. */
export function sessionCookieOf(req: IncomingMessage): string | undefined {
	return cookieOf(req, SESSION_COOKIE);
}

/** A cookie's value, if the request carries it. */
export function cookieOf(req: IncomingMessage, name: string): string | undefined {
	const header = req.headers.cookie;
	if (!header) return undefined;
	for (const part of header.split(";")) {
		const eq = part.indexOf("=");
		if (eq > 0 && part.slice(0, eq).trim() === name) {
			const value = part.slice(eq + 1).trim();
			return value ? value : undefined;
		}
	}
	return undefined;
}

/** APP_URL's origin plus CORS_ORIGINS; `*` never counts (a cookie is not for any site). */
export function allowedOrigins(config: Pick<Config, "appUrl" | "corsOrigins">): Set<string> {
	return new Set([new URL(config.appUrl).origin, ...(config.corsOrigins ?? []).filter(origin => origin !== "*")]);
}

export interface SessionCookies {
	/** True when the request's Origin may use the cookie. */
	originAllowed(req: IncomingMessage): boolean;
	/** `Set-Cookie` carrying a refresh token. */
	set(refreshToken: string): string;
	/** `Set-Cookie` that removes it. */
	clear(): string;
}

export function sessionCookies(config: Pick<Config, "appUrl" | "corsOrigins" | "refreshTokenTtl">): SessionCookies {
	const origins = allowedOrigins(config);
	// Secure whenever APP_URL is https; on plain http (local development) a Secure cookie would never come back.
	const attributes = `Path=${SESSION_COOKIE_PATH}; HttpOnly; SameSite=Strict${config.appUrl.startsWith("https:") ? "; Secure" : ""}`;
	return {
		originAllowed: req => typeof req.headers.origin === "string" && origins.has(req.headers.origin),
		set: token => `${SESSION_COOKIE}=${token}; ${attributes}; Max-Age=${config.refreshTokenTtl}`,
		clear: () => `${SESSION_COOKIE}=; ${attributes}; Max-Age=0`
	};
}

/** A gateway request as these steps see it: its merged parameters, and whether it is a browser session. */
export interface SessionRequest extends IncomingMessage {
	$params?: Record<string, unknown>;
	$cookieSession?: boolean;
}

/**
 * Before the action. On a route that takes the cookie (`acceptsCookie`), a request carrying it must come from
 * an allowed Origin (else 403 FORBIDDEN); the cookie then stands in for a missing `refreshToken`.
 */
export function takeSessionCookie(cookies: SessionCookies, req: SessionRequest, acceptsCookie: boolean): void {
	const cookie = acceptsCookie ? sessionCookieOf(req) : undefined;
	if (cookie !== undefined) {
		if (!cookies.originAllowed(req)) throw apiError("FORBIDDEN", "The session cookie is accepted only from this site's own pages (Origin)");
		req.$cookieSession = true;
		if (req.$params && req.$params.refreshToken === undefined) req.$params.refreshToken = cookie;
	}
	if (wantsCookieSession(req)) req.$cookieSession = true;
}

/**
 * After the action, in a browser session: a refresh token goes into the cookie and out of the body; a route
 * that takes the cookie and hands out no token (logout) has ended the session, so the cookie goes.
 */
export function giveSessionCookie(cookies: SessionCookies, req: SessionRequest, res: ServerResponse, data: unknown, acceptsCookie: boolean): unknown {
	if (!req.$cookieSession) return data;
	const tokens = data as { refreshToken?: unknown } | null;
	if (typeof tokens?.refreshToken === "string") {
		res.setHeader("Set-Cookie", cookies.set(tokens.refreshToken));
		return Object.fromEntries(Object.entries(tokens).filter(([key]) => key !== "refreshToken"));
	}
	if (acceptsCookie) res.setHeader("Set-Cookie", cookies.clear());
	return data;
}
