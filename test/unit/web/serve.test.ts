/**
 * web/serve.ts through a real node:http server: pages, `/`, assets with their types, caching and security
 * headers, 404s, no traversal, and everything else left to the caller (the gateway).
 */
import { readdirSync, readFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { INTERACTION_PAGE, PAGES } from "../../../web/render";
import { CONTENT_SECURITY_POLICY, SECURITY_HEADERS, createWebHandler, interactionPage, type WebHandlerOptions } from "../../../web/serve";

interface Reply {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: string;
}

const servers: Server[] = [];

async function start(options: WebHandlerOptions = {}): Promise<(method: string, path: string, headers?: Record<string, string>) => Promise<Reply>> {
	const handle = createWebHandler(options);
	const server = createServer((req, res) => {
		if (handle(req, res)) return;
		res.writeHead(404, { "X-Fallthrough": "yes", "Content-Type": "application/json" }).end("{}");
	});
	servers.push(server);
	await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as AddressInfo;
	// http.request sends the path as given: no URL normalisation, so `..` reaches the server.
	return (method, path, headers = {}) =>
		new Promise((resolve, reject) => {
			const req = request({ host: "127.0.0.1", port, method, path, headers }, res => {
				let body = "";
				res.setEncoding("utf8");
				res.on("data", chunk => (body += chunk));
				res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
			});
			req.on("error", reject);
			req.end();
		});
}

afterAll(async () => {
	await Promise.all(servers.map(s => new Promise(resolve => s.close(resolve))));
});

function expectSecurityHeaders(r: Reply): void {
	expect(r.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
	expect(r.headers["x-content-type-options"]).toBe("nosniff");
	expect(r.headers["referrer-policy"]).toBe("no-referrer");
	expect(r.headers["x-frame-options"]).toBe("DENY");
}

describe("web/serve", () => {
	let get: Awaited<ReturnType<typeof start>>;
	beforeAll(async () => {
		get = await start({ providers: [{ id: "acme", name: "Acme <SSO> & co" }] });
	});

	test("the CSP allows no inline script or style, no other origin, no framing", () => {
		expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
		expect(CONTENT_SECURITY_POLICY).toMatch(/script-src 'self'/);
		expect(CONTENT_SECURITY_POLICY).toMatch(/frame-ancestors 'none'/);
	});

	test.each(Object.keys(PAGES))("%s: HTML, no-store, security headers, no inline script, style or handler", async path => {
		const r = await get("GET", `${path}?token=abc&next=%2Faccount`);
		expect(r.status).toBe(200);
		expect(r.headers["content-type"]).toBe("text/html; charset=utf-8");
		expect(r.headers["cache-control"]).toBe("no-store");
		expectSecurityHeaders(r);
		expect(r.body).toMatch(/^<!doctype html>/);
		expect(r.body).toMatch(/<html lang="en">/);
		expect(r.body).toMatch(/<meta name="viewport"/);
		const scripts = r.body.match(/<script\b[^>]*>/g) ?? [];
		expect(scripts).toEqual([`<script type="module" src="/assets/${PAGES[path].script}.js">`]);
		expect(r.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>\s*\S/);
		expect(r.body).not.toMatch(/\son[a-z]+\s*=/i);
		expect(r.body).not.toMatch(/\sstyle\s*=|<style/i);
		expect(r.body).not.toMatch(/(src|href|action)="(https?:)?\/\//);
		expect(r.body).not.toMatch(/\{\{/);
	});

	test("HEAD answers the headers without a body", async () => {
		const r = await get("HEAD", "/login");
		expect(r.status).toBe(200);
		expect(r.body).toBe("");
		expect(Number(r.headers["content-length"])).toBeGreaterThan(500);
	});

	test("/ leads to /account (which sends a signed-out browser to /login)", async () => {
		const r = await get("GET", "/");
		expect(r.status).toBe(302);
		expect(r.headers.location).toBe("/account");
		expectSecurityHeaders(r);
	});

	test("other methods on a page are 405", async () => {
		const r = await get("POST", "/login");
		expect(r.status).toBe(405);
		expect(r.headers.allow).toBe("GET, HEAD");
	});

	test("providers are links naming the provider, escaped", async () => {
		const r = await get("GET", "/login");
		expect(r.body).toContain('<a class="button secondary" data-provider href="/api/v1/auth/oidc/acme/start">Continue with Acme &lt;SSO&gt; &amp; co</a>');
		expect(r.body).toContain('id="magic-form"');
	});

	test("without providers there is no providers section; magicLink:false drops the magic-link form", async () => {
		const plain = await start({ magicLink: false });
		const r = await plain("GET", "/login");
		expect(r.body).not.toContain("data-provider");
		expect(r.body).not.toContain('id="magic-form"');
		expect(r.body).toContain('id="login-form"');
	});

	test.each([
		["app.js", "text/javascript; charset=utf-8"],
		["qr.js", "text/javascript; charset=utf-8"],
		["app.css", "text/css; charset=utf-8"],
		["favicon.svg", "image/svg+xml"]
	])("/assets/%s: %s, revalidated by ETag", async (name, type) => {
		const r = await get("GET", `/assets/${name}`);
		expect(r.status).toBe(200);
		expect(r.headers["content-type"]).toBe(type);
		expect(r.headers["cache-control"]).toBe("no-cache");
		expectSecurityHeaders(r);
		expect(r.body).toBe(readFileSync(join(__dirname, "../../../web/assets", name), "utf8"));
		const etag = r.headers.etag as string;
		expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
		const again = await get("GET", `/assets/${name}`, { "If-None-Match": `W/${etag}` });
		expect(again.status).toBe(304);
		expect(again.body).toBe("");
		expect((await get("GET", `/assets/${name}`, { "If-None-Match": '"other"' })).status).toBe(200);
	});

	test("the OpenID Provider's interaction page: the layout, its one module, no inline script, the pages' headers; not served at a path of its own", async () => {
		const { html, headers } = interactionPage({ appName: "Acme <ID>" });
		expect(headers).toBe(SECURITY_HEADERS);
		expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script type="module" src="/assets/authorize.js">']);
		expect(html).toContain("<title>Sign in to an app · Acme &lt;ID&gt;</title>");
		expect(html).not.toMatch(/\son[a-z]+\s*=|\sstyle\s*=|<style/i);
		expect(html).toContain('<body data-page="authorize">');
		expect((await get("GET", "/authorize")).status).toBe(404);
	});

	test("every module a page loads, and every module those import, is served", async () => {
		const wanted = new Set([...Object.values(PAGES), INTERACTION_PAGE].map(p => `${p.script}.js`));
		for (const name of readdirSync(join(__dirname, "../../../web/assets")).filter(n => n.endsWith(".js"))) {
			const source = readFileSync(join(__dirname, "../../../web/assets", name), "utf8");
			for (const m of source.matchAll(/from "\.\/([a-z-]+\.js)"/g)) wanted.add(m[1]);
			expect(source).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
		}
		for (const name of wanted) expect([name, (await get("GET", `/assets/${name}`)).status]).toEqual([name, 200]);
	});

	test.each([
		"/assets/nope.js",
		"/assets/",
		"/assets/../serve.ts",
		"/assets/..%2Fserve.ts",
		"/assets/%2e%2e/render.ts",
		"/assets/..%5Cserve.ts",
		"/assets/%2E%2E%2F%2E%2E%2Fpackage.json",
		"/assets/./app.js",
		"/assets//app.js",
		"/assets/app.js%00.css",
		"/assets/%E0%A4%A",
		"/assets/APP.JS",
		"/assets/pages/login.html",
		"/assets/../pages/login.html"
	])("%s is 404, with the security headers", async path => {
		const r = await get("GET", path);
		expect(r.status).toBe(404);
		expect(r.headers["x-fallthrough"]).toBeUndefined();
		expectSecurityHeaders(r);
		expect(r.body).toBe("Not found\n");
	});

	test.each(["/api/v1/users/me", "/api/docs", "/.well-known/jwks.json", "/login/", "/loginx", "/account/x", "/assets", "/favicon.ico"])(
		"%s is left to the caller",
		async path => {
			const r = await get("GET", path);
			expect(r.headers["x-fallthrough"]).toBe("yes");
		}
	);
});
