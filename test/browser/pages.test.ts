/**
 * The hosted pages in real headless Chromium, served by web/serve.ts from a throwaway server: every page
 * renders with no console error and no request off the origin, passes axe with no serious or critical
 * violation, keeps CONTRACT §5's form rules, and is saved as a screenshot (test-artifacts/screenshots/,
 * git-ignored) at desktop and phone widths. The signed-in pages run against a stubbed API (page.route) so
 * their filled-in state is checked too. Without /usr/bin/chromium the suite skips with a reason; under
 * CI=true it fails instead.
 */
import { AxeBuilder } from "@axe-core/playwright";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type Browser, type BrowserContext, type Page, type Route } from "playwright-core";
import { createWebHandler } from "../../web/serve";
import { describeBrowser, launchChromium } from "../helpers/chromium";

const SHOTS = join(__dirname, "../../test-artifacts/screenshots");

// Callbacks given to page.evaluate run in the page: its globals, untyped here (the project's lib has no DOM).
declare const document: any;


const SIGNED_OUT = ["/login", "/register", "/forgot-password", "/verify-email?token=t0k3n", "/reset-password?token=t0k3n", "/confirm-email?token=t0k3n", "/magic-link?token=t0k3n"];

const ADMIN = {
	id: "7d1e2f7a-0000-4000-8000-000000000001",
	email: "ada@example.com",
	displayName: "Ada Lovelace",
	bio: "Analyst.",
	avatarUrl: null,
	locale: "en",
	timezone: "Europe/London",
	roles: ["user", "admin"],
	status: "active",
	emailVerified: true,
	createdAt: "2025-01-02T10:00:00.000Z",
	updatedAt: "2025-01-02T10:00:00.000Z",
	lastLoginAt: "2025-03-01T08:30:00.000Z"
};
const OTHER = { ...ADMIN, id: "7d1e2f7a-0000-4000-8000-000000000002", email: "grace@example.com", displayName: "Grace Hopper", roles: ["user"], status: "disabled", emailVerified: false };
const TOKENS = { accessToken: "stub.access.token", tokenType: "Bearer", expiresIn: 900, user: ADMIN };
const OTPAUTH = "otpauth://totp/User%20backend:ada%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=User%20backend&algorithm=SHA1&digits=6&period=30";

/** The stubbed JSON API of a signed-in admin: method + path → body (or a status with no body). */
function stubApi(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		"POST /api/v1/auth/refresh": TOKENS,
		"GET /api/v1/users/me": ADMIN,
		"GET /api/v1/auth/sessions": [
			{ id: "s1", createdAt: "2025-03-01T08:30:00Z", lastUsedAt: "2025-03-02T09:00:00Z", expiresAt: "2025-04-01T08:30:00Z", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0", ip: "203.0.113.9", current: true },
			{ id: "s2", createdAt: "2025-02-11T18:00:00Z", lastUsedAt: "2025-02-28T21:10:00Z", expiresAt: "2025-03-13T18:00:00Z", userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604.1", ip: "198.51.100.4", current: false }
		],
		"GET /api/v1/auth/mfa": { totp: false, recoveryCodesRemaining: 0, passkeys: [{ id: "pk1", name: "Laptop", createdAt: "2025-02-01T10:00:00Z", lastUsedAt: "2025-03-01T08:30:00Z" }] },
		"POST /api/v1/auth/mfa/totp/setup": { secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", otpauthUrl: OTPAUTH },
		"GET /api/v1/users/me/apps": [{ clientId: "c1", name: "Team wiki", scopes: ["openid", "profile", "email"], grantedAt: "2025-02-20T12:00:00Z" }],
		"GET /api/v1/auth/oidc/links": [],
		"GET /api/v1/users": { rows: [ADMIN, OTHER], total: 2, page: 1, pageSize: 20, totalPages: 1 },
		[`GET /api/v1/users/${OTHER.id}`]: OTHER,
		"GET /api/v1/audit": {
			rows: [
				{ id: "a2", seq: 2, at: "2025-03-01T08:30:00Z", type: "login", outcome: "success", actorId: ADMIN.id, subjectId: ADMIN.id, ip: "203.0.113.9", userAgent: null, details: {} },
				{ id: "a1", seq: 1, at: "2025-03-01T08:29:00Z", type: "login", outcome: "failure", actorId: null, subjectId: null, ip: "203.0.113.9", userAgent: null, details: {} }
			],
			total: 2,
			page: 1,
			pageSize: 20,
			totalPages: 1
		},
		"GET /api/v1/audit/verify": { ok: true, checked: 2 },
		"GET /api/v1/oidc/clients": {
			rows: [{ clientId: "5b0c1f43-8d2e-4c55-9a41-3f1d9e3c2a10", name: "Team wiki", type: "confidential", redirectUris: ["https://wiki.example.com/callback"], postLogoutRedirectUris: [], createdAt: "2025-02-20T12:00:00Z" }],
			total: 1,
			page: 1,
			pageSize: 20,
			totalPages: 1
		},
		"GET /api/v1/deliveries": { rows: [{ id: "d1", to: "grace@example.com", template: "verify-email", status: "failed", attempts: 5, lastError: "550 mailbox unavailable", createdAt: "2025-03-01T07:00:00Z" }] },
		...overrides
	};
}

async function routeApi(context: BrowserContext, stub: Record<string, unknown>): Promise<string[]> {
	const calls: string[] = [];
	await context.route("**/api/**", async (route: Route) => {
		const req = route.request();
		const { pathname } = new URL(req.url());
		const key = `${req.method()} ${pathname}`;
		calls.push(key);
		if (key in stub) await route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(stub[key]) });
		else await route.fulfill({ status: 404, contentType: "application/json", body: JSON.stringify({ name: "NotFoundError", message: "Not found", code: 404, type: "NOT_FOUND" }) });
	});
	return calls;
}

describeBrowser("hosted pages in Chromium", () => {
	let server: Server;
	let origin: string;
	let browser: Browser;
	const problems: string[] = [];

	beforeAll(async () => {
		mkdirSync(SHOTS, { recursive: true });
		const handle = createWebHandler({ providers: [{ id: "example", name: "Example ID" }] });
		server = createServer((req, res) => {
			if (handle(req, res)) return;
			res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ name: "NotFoundError", message: "Not found", code: 404, type: "NOT_FOUND" }));
		});
		await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
		origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		browser = await launchChromium();
	}, 60_000);

	beforeEach(() => {
		problems.length = 0;
	});

	afterAll(async () => {
		await browser?.close();
		await new Promise(resolve => server?.close(resolve));
	});

	/** A page that records console errors, failed requests and any request off the origin. */
	async function open(context: BrowserContext, path: string): Promise<Page> {
		const page = await context.newPage();
		page.on("console", msg => {
			// The API is not mounted here (404s), and some tests answer with an error on purpose (4xx): the page shows those.
			if (msg.type() === "error" && !/Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) problems.push(`${path}: console ${msg.text()}`);
		});
		page.on("pageerror", err => problems.push(`${path}: ${err.message}`));
		page.on("request", req => {
			if (!req.url().startsWith(origin) && !req.url().startsWith("data:")) problems.push(`${path}: request to ${req.url()}`);
		});
		page.on("requestfailed", req => {
			// ERR_ABORTED is the browser cancelling what a page still had in flight when it navigated away.
			if (req.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`${path}: failed ${req.url()} ${req.failure()?.errorText ?? ""}`);
		});
		const response = await page.goto(origin + path, { waitUntil: "networkidle" });
		expect(response?.status()).toBe(200);
		expect(response?.headers()["content-security-policy"]).toMatch(/frame-ancestors 'none'/);
		return page;
	}

	async function check(page: Page, name: string): Promise<void> {
		// CONTRACT §5: named, labelled inputs; one submit button per form; an alert element per form.
		const rules = await page.evaluate(() => {
			const out: string[] = [];
			for (const form of document.querySelectorAll("form")) {
				const submits = form.querySelectorAll("button[type=submit]").length;
				if (submits !== 1) out.push(`form#${form.id} has ${submits} submit buttons`);
				if (!form.querySelector("[role=alert]")) out.push(`form#${form.id} has no role=alert`);
				for (const input of form.querySelectorAll("input, select, textarea")) {
					const el = input as any;
					if (el.type === "hidden") continue;
					if (!el.name) out.push(`form#${form.id}: an input without a name`);
					if (!el.labels?.length) out.push(`form#${form.id}: ${el.name} has no label`);
				}
			}
			for (const b of document.querySelectorAll("button:not([type])")) out.push(`a button without a type: ${b.textContent}`);
			return out;
		});
		expect(rules).toEqual([]);
		const axe = await new AxeBuilder({ page }).analyze();
		const bad = axe.violations.filter(v => v.impact === "serious" || v.impact === "critical");
		results.set(name, { violations: axe.violations.map(v => `${v.id} (${v.impact}, ${v.nodes.length})`), passes: axe.passes.length });
		expect(bad.map(v => `${v.id}: ${v.help} — ${v.nodes.map(n => n.target.join(" ")).join(", ")}`)).toEqual([]);
		await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
	}

	const results = new Map<string, { violations: string[]; passes: number }>();
	afterAll(() => {
		for (const [name, r] of results) console.log(`axe ${name}: ${r.passes} rules passed; violations: ${r.violations.join(", ") || "none"}`);
	});

	for (const path of SIGNED_OUT) {
		const name = path.slice(1).split("?")[0];
		test(`${name}: renders, accessible, contract rules`, async () => {
			for (const [suffix, viewport] of [["", { width: 1280, height: 900 }], ["-phone", { width: 390, height: 844 }]] as const) {
				const context = await browser.newContext({ viewport });
				try {
					const page = await open(context, path);
					await check(page, name + suffix);
				} finally {
					await context.close();
				}
			}
			expect(problems).toEqual([]);
		});
	}

	test("login: provider link names the provider; ?next= is carried and checked; the second step appears", async () => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		const calls = await routeApi(context, {
			"POST /api/v1/auth/login": { mfaRequired: true, mfaToken: "m", methods: ["totp", "recovery", "passkey"] },
			"POST /api/v1/auth/login/mfa": TOKENS
		});
		const page = await open(context, "/login?next=%2Fadmin%3Fuser%3D1");
		await expect(page.getByRole("link", { name: /Example ID/ }).getAttribute("href")).resolves.toBe("/api/v1/auth/oidc/example/start?next=%2Fadmin%3Fuser%3D1");
		await page.getByLabel("Password", { exact: true }).fill("correct horse");
		await page.locator("#login-form").getByLabel("E-mail address").fill("ada@example.com");
		await page.keyboard.press("Enter");
		await page.locator("#mfa-step").waitFor();
		await check(page, "login-second-step");
		await page.getByLabel("Code from your authenticator app").fill("123456");
		await Promise.all([page.waitForURL(`${origin}/admin?user=1`), page.keyboard.press("Enter")]);
		expect(calls).toContain("POST /api/v1/auth/login/mfa");
		await context.close();
		expect(problems).toEqual([]);
	});

	test("login: errors show in role=alert; an empty form names the missing fields", async () => {
		const context = await browser.newContext();
		await context.route("**/api/v1/auth/login", route =>
			route.fulfill({ status: 401, contentType: "application/json", body: JSON.stringify({ name: "E", message: "x", code: 401, type: "INVALID_CREDENTIALS" }) })
		);
		const page = await open(context, "/login");
		await page.locator("#login-form button[type=submit]").click();
		await expect(page.locator("#login-form [role=alert]").textContent()).resolves.toMatch(/Fill in “E-mail address”.*Fill in “Password”/);
		await page.locator("#login-form").getByLabel("E-mail address").fill("ada@example.com");
		await page.getByLabel("Password", { exact: true }).fill("wrong");
		await page.locator("#login-form button[type=submit]").click();
		await page.waitForFunction(() => document.querySelector("#login-form [role=alert]")?.textContent?.includes("wrong"));
		await check(page, "login-error");
		await context.close();
	});

	test("safeNext accepts same-origin paths only (open-redirect safe)", async () => {
		const context = await browser.newContext();
		const page = await open(context, "/login");
		const cases = ["/admin?x=1#y", "//evil.example", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "/%2F%2Fevil", "/api/v1/auth/logout", " /account", "/\tx", ""];
		// A string, so the test's compiler leaves the page's dynamic import alone.
		const verdicts: [string, string][] = await page.evaluate(`import("/assets/app.js").then(m => ${JSON.stringify(cases)}.map(c => [c, m.safeNext(c)]))`);
		expect(Object.fromEntries(verdicts)).toEqual({
			"/admin?x=1#y": "/admin?x=1#y",
			"//evil.example": "/account",
			"/\\evil.example": "/account",
			"https://evil.example/": "/account",
			"javascript:alert(1)": "/account",
			"/%2F%2Fevil": "/%2F%2Fevil",
			"/api/v1/auth/logout": "/account",
			" /account": "/account",
			"/\tx": "/account",
			"": "/account"
		});
		await context.close();
	});

	test("e-mail link pages act only when the button is pressed", async () => {
		const context = await browser.newContext();
		const calls = await routeApi(context, { "POST /api/v1/auth/verify-email": ADMIN });
		const page = await open(context, "/verify-email?token=abc");
		expect(calls.filter(c => c.includes("verify-email"))).toEqual([]);
		await page.getByRole("button", { name: "Confirm my address" }).click();
		await page.locator("#link-done").waitFor();
		expect(calls).toContain("POST /api/v1/auth/verify-email");
		await context.close();
	});

	test("signed out, /account goes to /login with next=/account", async () => {
		const context = await browser.newContext();
		const page = await context.newPage();
		await page.goto(`${origin}/`);
		await page.waitForURL(`${origin}/login?next=%2Faccount`);
		await context.close();
	});

	for (const [label, viewport] of [["", { width: 1280, height: 900 }], ["-phone", { width: 390, height: 844 }]] as const) {
		test(`account${label}: shows the signed-in address, sessions, passkeys, apps; TOTP enrolment draws a QR code`, async () => {
			const context = await browser.newContext({ viewport });
			const calls = await routeApi(context, stubApi());
			const page = await open(context, "/account");
			await page.locator("#account:not([hidden])").waitFor();
			await expect(page.locator("#me-email").textContent()).resolves.toBe(ADMIN.email);
			await page.getByText("Sign out this one").first().waitFor();
			await expect(page.locator("#sessions-table tbody tr").count()).resolves.toBe(2);
			await expect(page.locator("#passkey-list li").count()).resolves.toBe(1);
			await expect(page.locator("#app-list li").count()).resolves.toBe(1);
			await expect(page.locator("[data-admin-only]").isVisible()).resolves.toBe(true);
			await check(page, `account${label}`);
			await page.locator("#totp-setup-password").fill("correct horse");
			await page.getByRole("button", { name: "Set up authenticator app" }).click();
			await page.locator("#totp-qr svg").waitFor();
			const modules = await page.locator("#totp-qr svg path").getAttribute("d");
			expect(modules!.length).toBeGreaterThan(1000);
			await page.locator("#totp-enrol").screenshot({ path: join(SHOTS, `account-totp${label}.png`) });
			expect(calls).toContain("POST /api/v1/auth/refresh");
			await context.close();
			expect(problems).toEqual([]);
		});
	}

	for (const [label, viewport] of [["", { width: 1280, height: 900 }], ["-phone", { width: 390, height: 844 }]] as const) {
		test(`admin${label}: users, one user, audit with chain check, failed e-mails`, async () => {
			const context = await browser.newContext({ viewport });
			const calls = await routeApi(context, stubApi());
			const page = await open(context, "/admin");
			await page.locator("#users-table tbody tr").first().waitFor();
			await expect(page.locator("#users-table tbody tr").count()).resolves.toBe(2);
			await expect(page.locator("#audit-table tbody tr").count()).resolves.toBe(2);
			await expect(page.locator("#deliveries-table tbody tr").count()).resolves.toBe(1);
			await page.locator("#clients-table tbody tr", { hasText: "Team wiki" }).waitFor();
			await page.getByRole("button", { name: "Check the chain" }).click();
			await page.getByText("The chain is intact").waitFor();
			await check(page, `admin${label}`);
			await page.getByLabel("Search").fill("grace");
			await page.getByLabel("Status").selectOption("disabled");
			await page.getByRole("button", { name: "Search", exact: true }).click();
			await page.waitForFunction(() => document.querySelector("[data-pager=users] [data-pager-text]")?.textContent?.includes("Page 1"));
			expect(calls.filter(c => c === "GET /api/v1/users").length).toBeGreaterThanOrEqual(2);

			const detail = await open(context, `/admin?user=${OTHER.id}`);
			await detail.locator("#user-detail:not([hidden])").waitFor();
			await expect(detail.locator("#user-title").textContent()).resolves.toBe(OTHER.email);
			await expect(detail.locator("#user-status-form button").textContent()).resolves.toBe("Enable");
			await check(detail, `admin-user${label}`);
			await context.close();
			expect(problems).toEqual([]);
		});
	}
});
