/**
 * End to end in real headless Chromium against the backend as startApp starts it (every service, the
 * embedded store, a real SMTP sink): the journeys of CONTRACT §5 through the hosted pages, following the
 * links of the real e-mails. Every tab fails its test on a console error, an uncaught page error, a failed
 * request, a request to any other host, a 5xx, or an API error answer the journey does not expect; every
 * page's CSP is checked as it loads; axe runs on every page (no serious or critical violation); each page is
 * saved under test-artifacts/journeys/ (git-ignored).
 *
 * The pages are served on http://localhost:<port> (a secure context, RP ID `localhost`) so the passkey
 * journeys can run their ceremonies with the DevTools virtual authenticator; TOTP codes are computed here
 * from the key the account page shows, as an authenticator app would.
 */
import { AxeBuilder } from "@axe-core/playwright";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Secret, TOTP } from "otpauth";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { describeBrowser, launchChromium } from "../helpers/chromium";
import { startApp, type TestApp } from "../helpers/app";
import { expectError } from "../helpers/kit";

const SHOTS = join(__dirname, "../../test-artifacts/journeys");

jest.setTimeout(120_000);

const ADMIN_EMAIL = "root@example.com";
const ADMIN_PASSWORD = "root orchard candle 42";
const PASSWORD = "violet harbour lantern 19";
/** A page opened while signed out asks for a session with no cookie: refreshToken missing. */
const SIGNED_OUT_REFRESH = "POST /api/v1/auth/refresh 422";

let app: TestApp;
let browser: Browser;
let origin: string;
const axeResults = new Map<string, { passes: number; violations: string[] }>();

async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
	const port = (server.address() as { port: number }).port;
	await new Promise(resolve => server.close(resolve));
	return port;
}

let counter = 0;
const uniqueEmail = (name: string) => `${name}-${process.pid}-${++counter}@example.com`;

/** Everything that must not happen in a tab, collected as it happens. */
interface Tab {
	page: Page;
	problems: string[];
}

/** A tab that records problems; `expected` lists the API error answers ("METHOD /path status") this journey brings about. */
async function openTab(context: BrowserContext, expected: string[] = []): Promise<Tab> {
	const page = await context.newPage();
	const problems: string[] = [];
	const allowed = new Set([...expected, SIGNED_OUT_REFRESH]);
	page.on("console", msg => {
		// Chromium reports every 4xx answer as a console error; those are judged by status below.
		if (msg.type() === "error" && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) problems.push(`console: ${msg.text()}`);
	});
	page.on("pageerror", err => problems.push(`page error: ${err.message}`));
	page.on("requestfailed", req => {
		// ERR_ABORTED is the browser cancelling what a page still had in flight when it navigated away.
		if (req.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`failed: ${req.method()} ${req.url()} ${req.failure()?.errorText ?? ""}`);
	});
	page.on("request", req => {
		if (new URL(req.url()).origin !== origin) problems.push(`off-origin request: ${req.url()}`);
	});
	page.on("response", async res => {
		const url = new URL(res.url());
		const answer = `${res.request().method()} ${url.pathname} ${res.status()}`;
		if (res.status() >= 500 || (res.status() >= 400 && !allowed.has(answer))) problems.push(`unexpected answer: ${answer}`);
		if (res.request().resourceType() === "document" && res.status() === 200) {
			const csp = (await res.allHeaders())["content-security-policy"] ?? "";
			if (!csp.includes("script-src 'self'") || csp.includes("'unsafe-inline'") || !csp.includes("frame-ancestors 'none'")) problems.push(`CSP of ${url.pathname}: ${csp}`);
		}
	});
	return { page, problems };
}

/** axe on the page as it is (no serious or critical violation) and a screenshot, once per name. */
async function check(page: Page, name: string): Promise<void> {
	await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
	const result = await new AxeBuilder({ page }).analyze();
	const bad = result.violations.filter(v => v.impact === "serious" || v.impact === "critical");
	axeResults.set(name, { passes: result.passes.length, violations: result.violations.map(v => `${v.id} (${v.impact})`) });
	expect([name, bad.map(v => `${v.id}: ${v.help} — ${v.nodes.map(n => n.target.join(" ")).join(", ")}`)]).toEqual([name, []]);
}

/** The link of the newest e-mail to `to` that leads to `page`, checked to open this backend. */
async function linkFromEmail(to: string, page: "verify-email" | "reset-password" | "confirm-email"): Promise<string> {
	const pattern = new RegExp(`(https?://[^\\s"<>]+)/${page}\\?token=[A-Za-z0-9_%-]+`);
	await app.mail.waitFor(m => m.to.toLowerCase() === to.toLowerCase() && pattern.test(m.text));
	const mail = [...app.mail.messages].reverse().find(m => m.to.toLowerCase() === to.toLowerCase() && pattern.test(m.text))!;
	const [link, base] = pattern.exec(mail.text)!;
	expect(base).toBe(origin);
	return link;
}

/** Waits until `read()` gives `want` (the pages update after their API calls answer). */
async function until<T>(read: () => Promise<T>, want: T, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	let got = await read();
	while (got !== want && Date.now() < deadline) {
		await new Promise(resolve => setTimeout(resolve, 100));
		got = await read();
	}
	expect(got).toBe(want);
}

async function submit(page: Page, form: string): Promise<void> {
	await page.locator(`${form} button[type=submit]`).click();
}

async function register(page: Page, email: string, name: string): Promise<void> {
	await page.goto(`${origin}/register`);
	await page.fill("#register-email", email);
	await page.fill("#register-name", name);
	await page.fill("#register-password", PASSWORD);
	await submit(page, "#register-form");
	await page.locator("#register-done").waitFor();
}

/** Opens the e-mail's link and presses its button (the page acts only then). */
async function followLink(page: Page, to: string, kind: "verify-email" | "reset-password" | "confirm-email", fill?: (page: Page) => Promise<void>): Promise<void> {
	await page.goto(await linkFromEmail(to, kind));
	await fill?.(page);
	await submit(page, "#link-form");
	await page.locator("#link-done").waitFor();
}

/** The password step on /login (what follows depends on the account's second factors). */
async function passwordStep(page: Page, email: string, password = PASSWORD): Promise<void> {
	await page.goto(`${origin}/login`);
	await page.fill("#login-email", email);
	await page.fill("#login-password", password);
	await submit(page, "#login-form");
}

/** The browser is on /account, signed in as `email`. */
async function expectOnAccount(page: Page, email: string): Promise<void> {
	await page.waitForURL(`${origin}/account`);
	await page.locator("#account").waitFor();
	await expect(page.locator("#account").textContent()).resolves.toContain(email);
}

async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
	await passwordStep(page, email, password);
	await expectOnAccount(page, email);
}

async function signOut(page: Page): Promise<void> {
	await submit(page, "#signout-form");
	await page.waitForURL(`${origin}/login`);
	await page.locator("#login-form").waitFor();
}

/** After the password: the second step is shown with these methods' forms. */
async function expectSecondStep(page: Page, methods: { code: boolean; passkey: boolean; recovery: boolean }): Promise<void> {
	await page.locator("#mfa-step:not([hidden])").waitFor();
	const visible = async (selector: string) => page.locator(selector).isVisible();
	expect({ code: await visible("#mfa-code-form"), passkey: await visible("#mfa-passkey-form"), recovery: await visible("#mfa-recovery") }).toEqual(methods);
}

/** The code an authenticator app holding `secret` shows `offsetSteps` 30-second steps from now. */
function totpCode(secret: string, offsetSteps: number): string {
	return new TOTP({ algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + offsetSteps * 30_000 });
}

/** A verified account, signed in in its own browser context. */
async function signedInUser(name: string, expected: string[] = []): Promise<{ email: string; context: BrowserContext; tab: Tab }> {
	const email = uniqueEmail(name);
	const context = await browser.newContext();
	const tab = await openTab(context, expected);
	await register(tab.page, email, name);
	await followLink(tab.page, email, "verify-email");
	await signIn(tab.page, email);
	return { email, context, tab };
}

describeBrowser("journeys in Chromium", () => {
	beforeAll(async () => {
		mkdirSync(SHOTS, { recursive: true });
		const port = await freePort();
		origin = `http://localhost:${port}`;
		// APP_URL is the backend itself (the default setup): e-mail links open its pages; the WebAuthn RP ID is its host.
		app = await startApp({ port, adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD }, { APP_URL: origin });
		browser = await launchChromium();
	});
	afterAll(async () => {
		for (const [name, r] of axeResults) console.log(`axe ${name}: ${r.passes} rules passed; violations: ${r.violations.join(", ") || "none"}`);
		await browser?.close();
		await app?.stop();
	});

	it("signs up, opens the link from the e-mail, confirms, signs in, edits the profile, signs out", async () => {
		const email = uniqueEmail("ada");
		const context = await browser.newContext();
		const { page, problems } = await openTab(context, ["POST /api/v1/auth/refresh 401"]);
		await register(page, email, "Ada");
		await check(page, "register");
		await page.goto(await linkFromEmail(email, "verify-email"));
		await check(page, "verify-email");
		await submit(page, "#link-form");
		await page.locator("#link-done").waitFor();
		await signIn(page, email);
		await check(page, "account");

		await page.fill("#profile-name", "Ada Lovelace");
		await page.fill("#profile-bio", "Wrote the first program.");
		await submit(page, "#profile-form");
		await expect(page.locator("#profile-form [role=status]")).not.toBeNull();
		await page.locator("#profile-form [role=status]:not(:empty)").waitFor();
		await page.reload();
		await page.locator("#account").waitFor();
		expect(await page.inputValue("#profile-name")).toBe("Ada Lovelace");
		expect(await page.inputValue("#profile-bio")).toBe("Wrote the first program.");

		await submit(page, "#signout-form");
		await page.waitForURL(`${origin}/login`);
		await page.locator("#login-form").waitFor();
		await check(page, "login");
		// Signed out: /account sends the browser on to /login.
		await page.goto(`${origin}/`);
		await page.waitForURL(/\/login\?next=/);
		await context.close();
		expect(problems).toEqual([]);
	});

	it("resets a forgotten password from the e-mail, then signs in with the new one", async () => {
		const email = uniqueEmail("grace");
		const context = await browser.newContext();
		const { page, problems } = await openTab(context);
		await register(page, email, "Grace");
		await followLink(page, email, "verify-email");
		await page.goto(`${origin}/forgot-password`);
		await page.fill("#forgot-email", email);
		await submit(page, "#forgot-form");
		await page.locator("#forgot-form [role=status]:not(:empty)").waitFor();
		await check(page, "forgot-password");
		const newPassword = "quartz meadow signal 77";
		await page.goto(await linkFromEmail(email, "reset-password"));
		await check(page, "reset-password");
		await page.fill("#reset-password", newPassword);
		await submit(page, "#link-form");
		await page.locator("#link-done").waitFor();
		expectError(await app.request("POST", "/api/v1/auth/login", { body: { email, password: PASSWORD } }), 401, "INVALID_CREDENTIALS");
		await signIn(page, email, newPassword);
		await context.close();
		expect(problems).toEqual([]);
	});

	it("changes the e-mail address with the link sent to the new one", async () => {
		const { email, context, tab } = await signedInUser("alan");
		const { page, problems } = tab;
		const newEmail = uniqueEmail("alan-new");
		await page.fill("#email-new", newEmail);
		await page.fill("#email-password", PASSWORD);
		await submit(page, "#email-form");
		await page.locator("#email-form [role=status]:not(:empty)").waitFor();
		await page.goto(await linkFromEmail(newEmail, "confirm-email"));
		await check(page, "confirm-email");
		await submit(page, "#link-form");
		await page.locator("#link-done").waitFor();
		expectError(await app.request("POST", "/api/v1/auth/login", { body: { email, password: PASSWORD } }), 401, "INVALID_CREDENTIALS");
		// This browser's session goes on, under the new address; signed out and in again, the new address works.
		await page.goto(`${origin}/account`);
		await page.locator("#account").waitFor();
		await expect(page.locator("#account").textContent()).resolves.toContain(newEmail);
		await submit(page, "#signout-form");
		await page.waitForURL(`${origin}/login`);
		await signIn(page, newEmail);
		await context.close();
		expect(problems).toEqual([]);
	});

	it("ends another session from the account page: that device is signed out", async () => {
		const { email, context: laptop, tab } = await signedInUser("edsger");
		const phone = await browser.newContext();
		const other = await openTab(phone, ["POST /api/v1/auth/refresh 401"]);
		await signIn(other.page, email);

		await tab.page.reload();
		await tab.page.locator("#account").waitFor();
		// The sessions list loads after the page shows the account.
		await until(() => tab.page.locator("#sessions-table tbody tr").count(), 2);
		await tab.page.locator("#sessions-table button[data-session]:not([aria-label*='(this device)'])").click();
		await until(() => tab.page.locator("#sessions-table tbody tr").count(), 1);

		// The other device's session is over: its next page load finds no session and goes to /login.
		await other.page.goto(`${origin}/account`);
		await other.page.waitForURL(/\/login\?next=/);
		await laptop.close();
		await phone.close();
		expect([...tab.problems, ...other.problems]).toEqual([]);
	});

	it("deletes the account: signed out, and the address can no longer sign in", async () => {
		const { email, context, tab } = await signedInUser("barbara", ["POST /api/v1/auth/logout 401", "POST /api/v1/auth/refresh 401"]);
		const { page, problems } = tab;
		await page.fill("#delete-password", PASSWORD);
		await page.check("#delete-confirm");
		await submit(page, "#delete-form");
		await page.waitForURL(`${origin}/login`);
		expectError(await app.request("POST", "/api/v1/auth/login", { body: { email, password: PASSWORD } }), 401, "INVALID_CREDENTIALS");
		await context.close();
		expect(problems).toEqual([]);
	});

	it("as an admin: finds a user, disables them (their open session stops working), reads the audit trail", async () => {
		const victim = await signedInUser("mallory", ["PATCH /api/v1/users/me 401", "POST /api/v1/auth/refresh 401"]);
		const adminContext = await browser.newContext();
		const { page, problems } = await openTab(adminContext);
		await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
		await page.goto(`${origin}/admin`);
		await page.locator("#admin").waitFor();
		await page.fill("#users-search", victim.email);
		await submit(page, "#users-form");
		const link = page.locator("#users-table tbody a", { hasText: victim.email });
		await until(() => link.count(), 1);
		await check(page, "admin");
		await link.click();
		await page.locator("#user-detail:not([hidden])").waitFor();
		await expect(page.locator("#user-title").textContent()).resolves.toBe(victim.email);
		await check(page, "admin-user");
		await submit(page, "#user-status-form");
		await page.locator("#user-status-form [role=status]:not(:empty)").waitFor();
		await expect(page.locator("#user-status-form button[type=submit]").textContent()).resolves.toBe("Enable");

		// The victim's open page: its next call is refused, and the page says so.
		await victim.tab.page.fill("#profile-name", "Still here?");
		await submit(victim.tab.page, "#profile-form");
		await until(() => victim.tab.page.locator("#profile-form [role=alert]").textContent(), "Your session has ended. Sign in again.");

		await page.goto(`${origin}/admin`);
		await page.locator("#admin").waitFor();
		await until(async () => (await page.locator("#audit-table tbody tr", { hasText: "user.status" }).count()) > 0, true);
		await submit(page, "#audit-verify-form");
		// The verdict appears once the check has answered: wait for it rather than read it at once.
		const verdict = page.locator("#audit-verify-form [role=status]");
		await until(async () => /^The chain is intact: \d+ entries checked\.$/.test((await verdict.textContent()) ?? ""), true);
		await expect(page.locator("#deliveries-empty").isVisible()).resolves.toBe(true);
		await victim.context.close();
		await adminContext.close();
		expect([...problems, ...victim.tab.problems]).toEqual([]);
	});

	it("enrols TOTP on the account page (QR code, key, recovery codes), then signs in with a code and with a recovery code", async () => {
		const { email, context, tab } = await signedInUser("totp");
		const { page, problems } = tab;
		await page.locator("#mfa-panel:not([hidden])").waitFor();
		await expect(page.locator("#totp-state").textContent()).resolves.toBe("off");
		await page.fill("#totp-setup-password", PASSWORD);
		await submit(page, "#totp-setup-form");
		await page.locator("#totp-enrol:not([hidden])").waitFor();
		await expect(page.locator("#totp-qr svg").count()).resolves.toBe(1);
		await expect(page.locator("#totp-setup-form").isVisible()).resolves.toBe(false);
		const secret = ((await page.locator("#totp-secret").textContent()) ?? "").replace(/\s+/g, "");
		expect(secret).toMatch(/^[A-Z2-7]{32}$/);
		await check(page, "account-totp-enrol");
		// Each code works once (a later step than the last one used): the previous step's code confirms, the
		// next step's signs in, both within the one step of drift allowed.
		await page.fill("#totp-confirm-code", totpCode(secret, -1));
		await submit(page, "#totp-confirm-form");
		await page.locator("#recovery-codes:not([hidden])").waitFor();
		const recoveryCodes = await page.locator("#recovery-list code").allTextContents();
		expect(recoveryCodes).toHaveLength(10);
		await expect(page.locator("#totp-state").textContent()).resolves.toBe("on");
		await expect(page.locator("#recovery-left").textContent()).resolves.toBe("10");
		await check(page, "account-recovery-codes");

		await signOut(page);
		await passwordStep(page, email);
		await expectSecondStep(page, { code: true, passkey: false, recovery: true });
		await check(page, "login-mfa");
		await page.fill("#mfa-code", totpCode(secret, 1));
		await submit(page, "#mfa-code-form");
		await expectOnAccount(page, email);

		await signOut(page);
		await passwordStep(page, email);
		await expectSecondStep(page, { code: true, passkey: false, recovery: true });
		await page.locator("#mfa-recovery summary").click();
		await page.fill("#mfa-recovery-code", recoveryCodes[0]);
		await submit(page, "#mfa-recovery-form");
		await expectOnAccount(page, email);
		await until(() => page.locator("#recovery-left").textContent(), "9");
		await context.close();
		expect(problems).toEqual([]);
	});

	it("adds, renames and uses a passkey: discoverable sign-in, then as the second step after the password", async () => {
		const { email, context, tab } = await signedInUser("passkey");
		const { page, problems } = tab;
		// The DevTools virtual authenticator stands in for the device's (user verification, resident keys).
		const cdp = await context.newCDPSession(page);
		await cdp.send("WebAuthn.enable");
		const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
			options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true }
		});
		await page.locator("#mfa-panel:not([hidden])").waitFor();
		await page.fill("#passkey-name", "Work laptop");
		await submit(page, "#passkey-add-form");
		await until(() => page.locator("#passkey-add-form [role=status]").textContent(), "Passkey added.");
		await expect(page.locator("#passkey-list li strong").allTextContents()).resolves.toEqual(["Work laptop"]);
		// The first second factor comes with recovery codes: the page shows them.
		await expect(page.locator("#recovery-list code").count()).resolves.toBe(10);
		await expect(page.locator("#recovery-codes").isVisible()).resolves.toBe(true);
		const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
		expect(credentials.map(c => ({ resident: c.isResidentCredential, rpId: c.rpId }))).toEqual([{ resident: true, rpId: "localhost" }]);

		const rename = page.locator("#passkey-list form[data-passkey]");
		await rename.locator("input[name=name]").fill("Laptop");
		await rename.locator("button[type=submit]").click();
		await until(() => page.locator("#passkey-list li strong").allTextContents().then(names => names.join()), "Laptop");
		await check(page, "account-passkeys");

		await signOut(page);
		await submit(page, "#passkey-form");
		await expectOnAccount(page, email);

		await signOut(page);
		await passwordStep(page, email);
		await expectSecondStep(page, { code: false, passkey: true, recovery: true });
		await submit(page, "#mfa-passkey-form");
		await expectOnAccount(page, email);
		await page.locator("#passkey-list li").waitFor();
		await expect(page.locator("#passkey-list li .muted").textContent()).resolves.not.toContain("last used —");

		// Removed, the passkey no longer signs in as a second step: the password alone lands on /account.
		await page.locator("#passkey-list button", { hasText: "Remove" }).click();
		await until(() => page.locator("#passkey-list li").count(), 0);
		await signOut(page);
		await signIn(page, email);
		await context.close();
		expect(problems).toEqual([]);
	});

	it("two tabs loading at once both keep the session (REFRESH_REUSE_INTERVAL)", async () => {
		const { context, tab } = await signedInUser("tabs");
		const second = await openTab(context);
		const third = await openTab(context);
		for (let round = 0; round < 2; round++) {
			await Promise.all([second.page.goto(`${origin}/account`), third.page.goto(`${origin}/account`)]);
			await Promise.all([second.page.locator("#account").waitFor(), third.page.locator("#account").waitFor()]);
		}
		expect([second.page.url(), third.page.url()]).toEqual([`${origin}/account`, `${origin}/account`]);
		await until(() => third.page.locator("#sessions-table tbody tr").count(), 1);
		await context.close();
		expect([...tab.problems, ...second.problems, ...third.problems]).toEqual([]);
	});

	it("CSRF: the browser's session cookie is refused without an allowed Origin", async () => {
		const { context, tab } = await signedInUser("csrf");
		const refused = await context.request.post(`${origin}/api/v1/auth/refresh`, { headers: { "X-Session": "cookie" } });
		expect([refused.status(), (await refused.json()).type]).toEqual([403, "FORBIDDEN"]);
		const foreign = await context.request.post(`${origin}/api/v1/auth/refresh`, { headers: { "X-Session": "cookie", Origin: "https://evil.example" } });
		expect([foreign.status(), (await foreign.json()).type]).toEqual([403, "FORBIDDEN"]);
		const logout = await context.request.post(`${origin}/api/v1/auth/logout`, { headers: { Origin: "https://evil.example" } });
		expect(logout.status()).toBe(403);
		// The session is untouched: the page still loads signed in.
		await tab.page.reload();
		await tab.page.locator("#account").waitFor();
		await context.close();
		expect(tab.problems).toEqual([]);
	});

	it("the other signed-out pages pass axe: /magic-link and a link page without its token", async () => {
		const context = await browser.newContext();
		const { page, problems } = await openTab(context);
		await page.goto(`${origin}/magic-link?token=not-a-real-token`);
		await check(page, "magic-link");
		await page.goto(`${origin}/verify-email`);
		await expect(page.locator("#link-form [role=alert]").textContent()).resolves.toContain("incomplete");
		await context.close();
		expect(problems).toEqual([]);
	});

	it("/api/docs shows the OpenAPI document with our CSP, and 'try it' calls this origin", async () => {
		const context = await browser.newContext();
		const { page, problems } = await openTab(context);
		// The docs page allows inline styles (Swagger UI sets them), never inline scripts.
		page.removeAllListeners("response");
		page.on("response", res => {
			if (res.status() >= 400) problems.push(`unexpected answer: ${res.request().method()} ${new URL(res.url()).pathname} ${res.status()}`);
		});
		const res = await page.goto(`${origin}/api/docs`);
		expect((await res!.allHeaders())["content-security-policy"]).toMatch(/script-src 'self';.*frame-ancestors 'none'/);
		await page.locator(".swagger-ui .info .title").waitFor();
		const operation = page.locator(".opblock", { has: page.locator(".opblock-summary-path", { hasText: /^\/api\/health\/live$/ }) });
		await operation.locator(".opblock-summary").first().click();
		// "Try it out" is on from the start (web/assets/api-docs.js).
		const answer = page.waitForResponse(r => r.url() === `${origin}/api/health/live`);
		await operation.locator("button.execute").click();
		expect((await answer).status()).toBe(200);
		await page.screenshot({ path: join(SHOTS, "api-docs.png") });
		await context.close();
		expect(problems).toEqual([]);
	});
});
