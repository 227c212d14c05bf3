/**
 * With the default APP_URL (the gateway itself) every link in every e-mail opens a hosted page; /api/docs
 * serves Swagger UI from the installed package by exact name, and says so when the package is missing.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { EMAIL_TEMPLATES } from "../../../lib/enums";
import { loadConfig } from "../../../lib/config";
import { renderEmail } from "../../../services/notifications/templates";
import { DOCS_CONTENT_SECURITY_POLICY, createDocsHandler, findDocsPackage } from "../../../web/docs";
import { PAGES } from "../../../web/render";
import { findWebDir } from "../../../web/serve";

describe("links in e-mails", () => {
	it("every link of every template, with the default APP_URL, is a hosted page of the gateway on PORT", () => {
		const config = loadConfig({});
		expect(config.appUrl).toBe(`http://localhost:${config.port}`);
		const linked = new Set<string>();
		for (const template of EMAIL_TEMPLATES) {
			const { text, html } = renderEmail(template, { appUrl: config.appUrl, data: { token: "t0k3n", displayName: "Ada", newEmail: "new@example.com" } });
			for (const [url] of `${text}\n${html}`.matchAll(/https?:\/\/[^\s"<>]+/g)) {
				const parsed = new URL(url.replace(/&amp;/g, "&"));
				expect(parsed.origin).toBe(config.appUrl);
				expect(Object.hasOwn(PAGES, parsed.pathname)).toBe(true);
				if (parsed.searchParams.has("token")) linked.add(parsed.pathname);
			}
		}
		expect([...linked].sort()).toEqual(["/confirm-email", "/magic-link", "/oidc-link", "/reset-password", "/verify-email"]);
	});
});

describe("/api/docs", () => {
	const servers: Server[] = [];
	afterAll(async () => Promise.all(servers.map(s => new Promise(resolve => s.close(resolve)))));

	async function serve(packageDir?: string | null) {
		const handle = createDocsHandler({ webDir: findWebDir(), packageDir });
		const server = createServer((req, res) => {
			if (!handle(req, res)) res.writeHead(418).end();
		});
		servers.push(server);
		await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
		const { port } = server.address() as AddressInfo;
		return (method: string, path: string) =>
			new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
				const req = request({ host: "127.0.0.1", port, method, path }, res => {
					let body = "";
					res.on("data", c => (body += c));
					res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
				});
				req.on("error", reject);
				req.end();
			});
	}

	it("serves the page, our init script and the package's files by exact name, with a CSP without inline scripts", async () => {
		expect(findDocsPackage()).toBeDefined();
		const get = await serve();
		const page = await get("GET", "/api/docs");
		expect([page.status, page.headers["content-type"], page.headers["content-security-policy"]]).toEqual([200, "text/html; charset=utf-8", DOCS_CONTENT_SECURITY_POLICY]);
		expect(DOCS_CONTENT_SECURITY_POLICY).toMatch(/script-src 'self';/);
		expect(DOCS_CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
		expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
		expect((await get("GET", "/api/docs/")).status).toBe(200);
		const init = await get("GET", "/api/docs/init.js");
		expect([init.status, init.headers["content-type"]]).toEqual([200, "text/javascript; charset=utf-8"]);
		expect(init.body).toContain("validatorUrl: null");
		expect((await get("GET", "/api/docs/swagger-ui-bundle.js")).status).toBe(200);
		expect((await get("HEAD", "/api/docs/swagger-ui.css")).body).toBe("");
		for (const path of ["/api/docs/package.json", "/api/docs/../../package.json", "/api/docs/%2e%2e/package.json", "/api/docs/index.html"]) {
			expect([path, (await get("GET", path)).status]).toEqual([path, 404]);
		}
		expect((await get("POST", "/api/docs")).status).toBe(405);
		expect((await get("GET", "/api/docsx")).status).toBe(418);
		expect((await get("GET", "/api/openapi.json")).status).toBe(418);
	});

	it("without the package: 503 naming it and pointing to /api/openapi.json", async () => {
		const get = await serve(null);
		const page = await get("GET", "/api/docs");
		expect(page.status).toBe(503);
		expect(page.body).toBe("API docs need the swagger-ui-dist package (npm install). The document itself: /api/openapi.json\n");
	});
});
