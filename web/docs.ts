/**
 * GET /api/docs: the OpenAPI document (/api/openapi.json) as a browsable page with "try it", from the
 * installed `swagger-ui-dist` package — nothing from a CDN. Our own page and init script (web/assets/
 * api-docs.js) start it, so the CSP needs no inline script; Swagger UI sets inline styles, so this page
 * alone allows them (styles only). Its files are read once, by exact name (no traversal).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { SECURITY_HEADERS, type WebHandler } from "./serve";

export const DOCS_PATH = "/api/docs";
/** The package the page is built from (a dependency in package.json). */
export const DOCS_PACKAGE = "swagger-ui-dist";
const PACKAGE_FILES: Record<string, string> = {
	"swagger-ui.css": "text/css; charset=utf-8",
	"swagger-ui-bundle.js": "text/javascript; charset=utf-8",
	"favicon-32x32.png": "image/png"
};

export const DOCS_CONTENT_SECURITY_POLICY = [
	"default-src 'none'",
	"script-src 'self'",
	"style-src 'self' 'unsafe-inline'",
	"img-src 'self' data:",
	"font-src 'self' data:",
	"connect-src 'self'",
	"form-action 'self'",
	"base-uri 'none'",
	"frame-ancestors 'none'"
].join("; ");

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference</title>
<link rel="icon" href="${DOCS_PATH}/favicon-32x32.png" type="image/png">
<link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
<script src="${DOCS_PATH}/swagger-ui-bundle.js" defer></script>
<script src="${DOCS_PATH}/init.js" defer></script>
</head>
<body>
<main id="swagger-ui"><h1>API reference</h1><p>The OpenAPI document is at <a href="/api/openapi.json">/api/openapi.json</a>.</p></main>
</body>
</html>
`;

interface File {
	body: Buffer;
	type: string;
	etag: string;
}

function file(body: Buffer, type: string): File {
	return { body, type, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` };
}

/** The installed package's folder, or undefined when it is not installed. */
export function findDocsPackage(): string | undefined {
	try {
		return join(require.resolve(`${DOCS_PACKAGE}/package.json`), "..");
	} catch {
		return undefined;
	}
}

export function createDocsHandler(options: { webDir: string; packageDir?: string | null }): WebHandler {
	const packageDir = options.packageDir === null ? undefined : (options.packageDir ?? findDocsPackage());
	const files = new Map<string, File>();
	if (packageDir) {
		for (const [name, type] of Object.entries(PACKAGE_FILES)) files.set(name, file(readFileSync(join(packageDir, name)), type));
		files.set("init.js", file(readFileSync(join(options.webDir, "assets", "api-docs.js")), "text/javascript; charset=utf-8"));
	}
	const page = file(Buffer.from(PAGE), "text/html; charset=utf-8");

	function send(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, body?: Buffer | string): void {
		res.writeHead(status, { ...SECURITY_HEADERS, "Content-Security-Policy": DOCS_CONTENT_SECURITY_POLICY, ...headers });
		res.end(req.method === "HEAD" ? undefined : body);
	}

	return (req, res) => {
		const pathname = (req.url ?? "/").split("?", 1)[0].replace(/\/+$/, "");
		if (pathname !== DOCS_PATH && !pathname.startsWith(`${DOCS_PATH}/`)) return false;
		if (req.method !== "GET" && req.method !== "HEAD") {
			send(req, res, 405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" }, "Method not allowed\n");
			return true;
		}
		if (!packageDir) {
			send(req, res, 503, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" }, `API docs need the ${DOCS_PACKAGE} package (npm install). The document itself: /api/openapi.json\n`);
			return true;
		}
		const found = pathname === DOCS_PATH ? page : files.get(pathname.slice(DOCS_PATH.length + 1));
		if (!found) {
			send(req, res, 404, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" }, "Not found\n");
			return true;
		}
		const headers = { "Content-Type": found.type, "Cache-Control": "no-cache", ETag: found.etag };
		if (req.headers["if-none-match"] === found.etag) send(req, res, 304, headers);
		else send(req, res, 200, { ...headers, "Content-Length": String(found.body.length) }, found.body);
		return true;
	};
}
