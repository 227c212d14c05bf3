/**
 * Serves the hosted pages and their assets (CONTRACT §5) for the gateway: `createWebHandler(options)`
 * returns `(req, res) => boolean`, true when it answered (a page, `/`, or anything under /assets/), false
 * when the request is not its business (the API's routes, /api/docs, …) and the caller goes on.
 *
 * Files are read once, when the handler is created: assets are served from that in-memory map by exact
 * name, so no request path ever reaches the file system (no traversal). Pages and assets are revalidated
 * with an ETag on every use (`no-cache`), so a deploy never mixes old and new modules; pages themselves are
 * `no-store` (they may carry a one-time token in their URL).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, resolve } from "node:path";
import { INTERACTION_PAGE, PAGES, renderPage, renderPages, type PageOptions } from "./render";

export type { PageOptions, Provider } from "./render";

export const CONTENT_SECURITY_POLICY = [
	"default-src 'none'",
	"script-src 'self'",
	"style-src 'self'",
	"img-src 'self' data:",
	"connect-src 'self'",
	"form-action 'self'",
	"base-uri 'none'",
	"frame-ancestors 'none'"
].join("; ");

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
	"Content-Security-Policy": CONTENT_SECURITY_POLICY,
	"X-Content-Type-Options": "nosniff",
	"Referrer-Policy": "no-referrer",
	"X-Frame-Options": "DENY",
	"Cross-Origin-Opener-Policy": "same-origin",
	"Cross-Origin-Resource-Policy": "same-origin",
	"Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()"
};

const CONTENT_TYPES: Record<string, string> = {
	".js": "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
	".png": "image/png",
	".ico": "image/x-icon",
	".woff2": "font/woff2",
	".txt": "text/plain; charset=utf-8"
};

interface Entry {
	body: Buffer;
	type: string;
	etag: string;
	cache: string;
}

export interface WebHandlerOptions extends PageOptions {
	/** The folder holding pages/ and assets/; found next to this file (source) or at ../../web (dist/web). */
	webDir?: string;
}

export type WebHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** web/ in the source tree, whether this module runs from web/ (tsx) or from dist/web/ (compiled). */
export function findWebDir(): string {
	for (const dir of [__dirname, resolve(__dirname, "../../web")]) {
		if (existsSync(join(dir, "pages")) && existsSync(join(dir, "assets"))) return dir;
	}
	throw new Error(`Hosted pages: no web/pages and web/assets next to ${__dirname}`);
}

function entry(body: Buffer, type: string, cache: string): Entry {
	return { body, type, cache, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` };
}

function loadAssets(dir: string): Map<string, Entry> {
	const assets = new Map<string, Entry>();
	for (const name of readdirSync(dir)) {
		const type = CONTENT_TYPES[extname(name)];
		if (!type || name.startsWith(".")) continue;
		assets.set(name, entry(readFileSync(join(dir, name)), type, "no-cache"));
	}
	return assets;
}

function send(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, body?: Buffer | string): void {
	res.writeHead(status, { ...SECURITY_HEADERS, ...headers });
	res.end(req.method === "HEAD" ? undefined : body);
}

function notFound(req: IncomingMessage, res: ServerResponse): void {
	send(req, res, 404, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" }, "Not found\n");
}

function serveEntry(req: IncomingMessage, res: ServerResponse, e: Entry): void {
	const headers = { "Content-Type": e.type, "Cache-Control": e.cache, ETag: e.etag };
	const match = req.headers["if-none-match"];
	if (match && match.split(",").some(tag => tag.trim().replace(/^W\//, "") === e.etag)) {
		send(req, res, 304, headers);
		return;
	}
	send(req, res, 200, { ...headers, "Content-Length": String(e.body.length) }, e.body);
}

/** The OpenID Provider's interaction page (sign-in and consent for another app) and the headers it is sent with. */
export function interactionPage(options: WebHandlerOptions = {}): { html: string; headers: Readonly<Record<string, string>> } {
	return { html: renderPage(join(options.webDir ?? findWebDir(), "pages"), INTERACTION_PAGE, options), headers: SECURITY_HEADERS };
}

export function createWebHandler(options: WebHandlerOptions = {}): WebHandler {
	const webDir = options.webDir ?? findWebDir();
	const assets = loadAssets(join(webDir, "assets"));
	const pages = new Map<string, Entry>();
	for (const [path, html] of renderPages(join(webDir, "pages"), options)) pages.set(path, entry(Buffer.from(html), "text/html; charset=utf-8", "no-store"));

	return (req, res) => {
		const rawUrl = req.url ?? "/";
		const pathname = rawUrl.split("?", 1)[0];
		const isAsset = pathname.startsWith("/assets/");
		if (!isAsset && pathname !== "/" && !Object.hasOwn(PAGES, pathname)) return false;

		if (req.method !== "GET" && req.method !== "HEAD") {
			send(req, res, 405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" }, "Method not allowed\n");
			return true;
		}
		if (pathname === "/") {
			// Signed in or not is only known to the page (the session cookie is scoped to /api/v1/auth): /account
			// sends a signed-out browser on to /login.
			send(req, res, 302, { Location: "/account", "Cache-Control": "no-store" });
			return true;
		}
		if (!isAsset) {
			serveEntry(req, res, pages.get(pathname) as Entry);
			return true;
		}
		// Assets are a flat folder: the name must be one of the files read at start, nothing else.
		let name: string;
		try {
			name = decodeURIComponent(pathname.slice("/assets/".length));
		} catch {
			notFound(req, res);
			return true;
		}
		const asset = assets.get(name);
		if (!asset) notFound(req, res);
		else serveEntry(req, res, asset);
		return true;
	};
}
