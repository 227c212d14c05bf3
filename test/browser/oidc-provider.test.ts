/**
 * The OpenID Provider end to end in real headless Chromium: a small relying-party app (node:http on its own
 * port, openid-client 6: discovery, PKCE S256, state, nonce) sends the browser to the backend; the user signs
 * in on the hosted login page (password; password and TOTP; a passkey with the DevTools virtual
 * authenticator), allows access on the interaction page and lands on the app's callback, where the app
 * exchanges the code and checks the ID token against jwks_uri. The app then uses userinfo, refresh (the spent
 * refresh token refused), introspection and revocation; the user revokes the app on /account; an admin
 * registers and deletes apps in the console. axe runs on each new page (no serious or critical violation).
 */
import { AxeBuilder } from "@axe-core/playwright";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import * as oidc from "openid-client";
import { Secret, TOTP } from "otpauth";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { describeBrowser, launchChromium } from "../helpers/chromium";
import { startApp, type TestApp } from "../helpers/app";
import { login, registerUser, type Tokens } from "../helpers/kit";
import { freePort } from "../helpers/oidc";

const SHOTS = join(__dirname, "../../test-artifacts/oidc");

// Callbacks given to page.evaluate run in the page: its globals, untyped here (the project's lib has no DOM).
declare const navigator: any;
declare const PublicKeyCredential: any;


const ADMIN = { email: "root@example.com", password: "root orchard candle 42" };
const SCOPE = "openid email profile offline_access";

/** What the app's callback got: the token response and the validated ID token's claims, or the error. */
interface SignedIn {
	tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
	claims: oidc.IDToken;
}

/**
 * The relying party: `GET /start` (query: extra authorization parameters) remembers a PKCE verifier, state
 * and nonce and redirects to the provider; `GET /callback` exchanges the code with those checks.
 */
class RelyingParty {
	server!: Server;
	origin = "";
	config!: oidc.Configuration;
	readonly results: Array<SignedIn | { error: string }> = [];
	private readonly pending = new Map<string, { verifier: string; nonce: string }>();

	async start(issuer: string, client: { clientId: string; clientSecret: string }, port: number): Promise<void> {
		this.origin = `http://127.0.0.1:${port}`;
		this.config = await oidc.discovery(new URL(issuer), client.clientId, { id_token_signed_response_alg: "ES256" }, oidc.ClientSecretBasic(client.clientSecret), { execute: [oidc.allowInsecureRequests] });
		this.server = createServer((req, res) => {
			const url = new URL(req.url ?? "/", this.origin);
			const page = (status: number, text: string) => res.writeHead(status, { "Content-Type": "text/html; charset=utf-8" }).end(`<!doctype html><html lang="en"><title>Relying party</title><main><h1>${text}</h1></main></html>`);
			if (url.pathname === "/start") {
				void this.authorizationUrl(Object.fromEntries(url.searchParams)).then(to => res.writeHead(302, { Location: to }).end());
				return;
			}
			if (url.pathname !== "/callback") return page(404, "Not found");
			const remembered = this.pending.get(url.searchParams.get("state") ?? "");
			if (!remembered) return page(400, "Unknown state");
			oidc
				.authorizationCodeGrant(this.config, url, { pkceCodeVerifier: remembered.verifier, expectedState: url.searchParams.get("state")!, expectedNonce: remembered.nonce })
				.then(tokens => {
					this.results.push({ tokens, claims: tokens.claims()! });
					page(200, "Signed in");
				})
				.catch((err: Error) => {
					this.results.push({ error: err.message });
					page(400, "Sign-in failed");
				});
		});
		await new Promise<void>(resolve => this.server.listen(port, "127.0.0.1", resolve));
	}

	private async authorizationUrl(extra: Record<string, string>): Promise<string> {
		const verifier = oidc.randomPKCECodeVerifier();
		const state = oidc.randomState();
		const nonce = oidc.randomNonce();
		this.pending.set(state, { verifier, nonce });
		const params = { redirect_uri: `${this.origin}/callback`, scope: SCOPE, prompt: "consent", state, nonce, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256", ...extra };
		return oidc.buildAuthorizationUrl(this.config, params).href;
	}

	/** The newest sign-in, which must have succeeded. */
	last(): SignedIn {
		const result = this.results.at(-1);
		if (!result || "error" in result) throw new Error(`the app's sign-in failed: ${JSON.stringify(result)}`);
		return result;
	}

	stop(): Promise<void> {
		return new Promise(resolve => (this.server ? this.server.close(() => resolve()) : resolve()));
	}
}

describeBrowser("OpenID Provider in Chromium: an app signs its users in through the hosted pages", () => {
	let app: TestApp;
	let origin: string;
	let issuer: string;
	let browser: Browser;
	let admin: Tokens;
	let client: { clientId: string; clientSecret: string; name: string };
	const rp = new RelyingParty();
	const axeResults = new Map<string, string[]>();

	beforeAll(async () => {
		mkdirSync(SHOTS, { recursive: true });
		const port = await freePort();
		origin = `http://localhost:${port}`;
		issuer = `${origin}/oidc`;
		app = await startApp({ port, adminEmail: ADMIN.email, adminPassword: ADMIN.password }, { APP_URL: origin, WEBAUTHN_RP_ID: "localhost" });
		admin = await login(app, ADMIN.email, ADMIN.password);
		const rpPort = await freePort();
		const created = await app.request("POST", "/api/v1/oidc/clients", {
			token: admin.accessToken,
			body: { name: "Team wiki", type: "confidential", redirectUris: [`http://127.0.0.1:${rpPort}/callback`], postLogoutRedirectUris: [`http://127.0.0.1:${rpPort}/bye`] }
		});
		expect(created.status).toBe(201);
		client = created.body;
		await rp.start(issuer, client, rpPort);
		browser = await launchChromium();
	}, 60_000);

	afterAll(async () => {
		for (const [name, violations] of axeResults) console.log(`axe ${name}: violations: ${violations.join(", ") || "none"}`);
		await browser?.close();
		await rp.stop();
		await app?.stop();
	});

	/** A tab that fails the test on a page error, a console error other than a 4xx load, or a 5xx answer. */
	async function openTab(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
		const page = await context.newPage();
		const problems: string[] = [];
		page.on("console", msg => {
			if (msg.type() === "error" && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) problems.push(`console: ${msg.text()}`);
		});
		page.on("pageerror", err => problems.push(`page error: ${err.message}`));
		page.on("response", res => {
			if (res.status() >= 500) problems.push(`${res.request().method()} ${res.url()} ${res.status()}`);
		});
		return { page, problems };
	}

	async function check(page: Page, name: string): Promise<void> {
		await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
		const result = await new AxeBuilder({ page }).analyze();
		axeResults.set(name, result.violations.map(v => `${v.id} (${v.impact})`));
		const bad = result.violations.filter(v => v.impact === "serious" || v.impact === "critical");
		expect([name, bad.map(v => `${v.id}: ${v.help} — ${v.nodes.map(n => n.target.join(" ")).join(", ")}`)]).toEqual([name, []]);
	}

	async function submit(page: Page, form: string): Promise<void> {
		await page.locator(`${form} button[type=submit]`).click();
	}

	/** The app starts a sign-in; the browser is sent to the hosted login page (no session yet). */
	async function startAtApp(page: Page, extra = ""): Promise<void> {
		await page.goto(`${rp.origin}/start${extra}`);
		await page.waitForURL(url => url.pathname === "/login" && (url.searchParams.get("next") ?? "").startsWith("/oidc/interaction/"));
		await page.locator("#login-form").waitFor();
	}

	async function passwordStep(page: Page, email: string, password: string): Promise<void> {
		await page.fill("#login-email", email);
		await page.fill("#login-password", password);
		await submit(page, "#login-form");
	}

	/** On the consent step: Allow, and the browser lands on the app's callback, signed in there. */
	async function allow(page: Page, name?: string): Promise<SignedIn> {
		await page.locator("#consent-step:not([hidden])").waitFor();
		await expect(page.locator("#consent-title").textContent()).resolves.toBe("Allow Team wiki access?");
		if (name) {
			await expect(page.locator("#consent-scopes li").allTextContents()).resolves.toEqual([
				"know who you are",
				"see your e-mail address and whether it is verified",
				"see your name",
				"stay signed in when you are away"
			]);
			await check(page, name);
		}
		const before = rp.results.length;
		await submit(page, "#consent-form");
		await page.waitForURL(url => url.origin === rp.origin && url.pathname === "/callback");
		await page.getByRole("heading", { name: "Signed in" }).waitFor();
		expect(rp.results).toHaveLength(before + 1);
		return rp.last();
	}

	function totpFor(secret: string) {
		const totp = new TOTP({ algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(secret) });
		return (offsetSteps: number) => totp.generate({ timestamp: Date.now() + offsetSteps * 30_000 });
	}

	it("password only: a checked ID token (amr pwd), userinfo, refresh rotation and reuse, introspection before and after revocation; /account lists the app and revoking it ends its tokens", async () => {
		const user = await registerUser(app, { displayName: "Ada Lovelace" });
		const context = await browser.newContext();
		const { page, problems } = await openTab(context);
		await startAtApp(page);
		await passwordStep(page, user.email, user.password);
		const { tokens, claims } = await allow(page, "oidc-consent");
		expect(claims).toMatchObject({ iss: issuer, aud: client.clientId, sub: user.user.id, amr: ["pwd"] });
		expect(await oidc.fetchUserInfo(rp.config, tokens.access_token, claims.sub)).toEqual({ sub: user.user.id, email: user.email, email_verified: true, name: "Ada Lovelace" });
		expect((await oidc.tokenIntrospection(rp.config, tokens.access_token)).active).toBe(true);

		const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
		expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

		// The user signed in on the hosted pages: /account shows the app under "Connected apps"; revoke it.
		await page.goto(`${origin}/account`);
		const row = page.locator("#app-list li", { hasText: "Team wiki" });
		await row.waitFor();
		await expect(row.textContent()).resolves.toContain("openid, email, profile, offline_access");
		await row.getByRole("button", { name: "Revoke access: Team wiki" }).click();
		await page.locator("#apps-empty:not([hidden])").waitFor();
		await expect(oidc.refreshTokenGrant(rp.config, refreshed.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
		expect((await oidc.tokenIntrospection(rp.config, refreshed.access_token)).active).toBe(false);

		// Again: the browser's provider session is still there, the grant is not: consent again, no sign-in.
		await page.goto(`${rp.origin}/start`);
		const again = await allow(page);
		const next = await oidc.refreshTokenGrant(rp.config, again.tokens.refresh_token!);
		// The spent refresh token is refused, and presenting it ends the grant (reuse detection).
		await expect(oidc.refreshTokenGrant(rp.config, again.tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
		await expect(oidc.refreshTokenGrant(rp.config, next.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });

		// Introspection before and after revocation (RFC 7009): revoking the access token ends its grant too.
		await page.goto(`${rp.origin}/start`);
		const third = await allow(page);
		expect((await oidc.tokenIntrospection(rp.config, third.tokens.access_token)).active).toBe(true);
		await oidc.tokenRevocation(rp.config, third.tokens.access_token);
		expect((await oidc.tokenIntrospection(rp.config, third.tokens.access_token)).active).toBe(false);
		await expect(oidc.refreshTokenGrant(rp.config, third.tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });

		// Signed out on the hosted pages, the provider's own session cookie signs nobody in: the app's next
		// sign-in goes to /login.
		await page.goto(`${origin}/account`);
		await submit(page, "#signout-form");
		await page.waitForURL(`${origin}/login`);
		await startAtApp(page);
		await context.close();
		expect(problems).toEqual([]);
	});

	it("password and TOTP: the second step on the hosted login page; the ID token says otp and mfa", async () => {
		const user = await registerUser(app, { login: true });
		const setup = await app.request("POST", "/api/v1/auth/mfa/totp/setup", { token: user.accessToken, body: { password: user.password } });
		const code = totpFor(setup.body.secret);
		expect((await app.request("POST", "/api/v1/auth/mfa/totp/confirm", { token: user.accessToken, body: { code: code(-1) } })).status).toBe(200);
		const context = await browser.newContext();
		const { page, problems } = await openTab(context);
		await startAtApp(page);
		await passwordStep(page, user.email, user.password);
		await page.locator("#mfa-step:not([hidden])").waitFor();
		await page.fill("#mfa-code", code(1));
		await submit(page, "#mfa-code-form");
		const { claims } = await allow(page);
		expect(claims).toMatchObject({ sub: user.user.id, amr: ["pwd", "otp", "mfa"] });
		await context.close();
		expect(problems).toEqual([]);
	});

	it("a passkey (virtual authenticator): no password; the ID token says hwk and mfa", async () => {
		const user = await registerUser(app, { login: true });
		const context = await browser.newContext();
		const { page, problems } = await openTab(context);
		await page.goto(`${origin}/api/health/live`);
		const cdp = await context.newCDPSession(page);
		await cdp.send("WebAuthn.enable");
		await cdp.send("WebAuthn.addVirtualAuthenticator", { options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true } });
		const options = await app.request("POST", "/api/v1/auth/passkeys/register/options", { token: user.accessToken });
		const credential = await page.evaluate(async json => (await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(json) })).toJSON(), options.body);
		expect((await app.request("POST", "/api/v1/auth/passkeys/register/verify", { token: user.accessToken, body: { name: "Laptop", response: credential } })).status).toBe(201);

		await startAtApp(page);
		await submit(page, "#passkey-form");
		const { claims } = await allow(page);
		expect(claims).toMatchObject({ sub: user.user.id, amr: ["hwk", "mfa"] });
		await context.close();
		expect(problems).toEqual([]);
	});

	it("already signed in: 'Continue'; prompt=login asks for a new sign-in; 'Use another account' switches", async () => {
		const user = await registerUser(app);
		const other = await registerUser(app);
		const context = await browser.newContext();
		const { page, problems } = await openTab(context);
		await page.goto(`${origin}/login`);
		await passwordStep(page, user.email, user.password);
		await page.waitForURL(`${origin}/account`);

		await page.goto(`${rp.origin}/start`);
		await page.locator("#continue-step:not([hidden])").waitFor();
		await expect(page.locator("#continue-step").textContent()).resolves.toMatch(/Continue to Team wiki[\s\S]*You are signed in as (.*)\./);
		await expect(page.locator("#continue-step [data-email]").textContent()).resolves.toBe(user.email);
		await check(page, "oidc-continue");
		await submit(page, "#continue-form");
		const first = await allow(page);
		expect(first.claims.sub).toBe(user.user.id);

		// prompt=login: this session's sign-in is older than the request, so the page asks for a new one.
		await new Promise(resolve => setTimeout(resolve, 1100));
		const askedAt = Math.floor(Date.now() / 1000);
		await page.goto(`${rp.origin}/start?prompt=login`);
		await page.locator("#reauth-step:not([hidden])").waitFor();
		await check(page, "oidc-reauth");
		await submit(page, "#reauth-form");
		await page.waitForURL(url => url.pathname === "/login");
		await passwordStep(page, user.email, user.password);
		// Back on the interaction, just signed in: on to the app at once (the grant is there, no consent asked).
		await page.waitForURL(url => url.origin === rp.origin && url.pathname === "/callback");
		const fresh = rp.last();
		expect(fresh.claims.sub).toBe(user.user.id);
		// The ID token's auth_time is the new sign-in's (oidc-provider names it when prompt=login or max_age asked).
		expect(fresh.claims.auth_time).toBeGreaterThanOrEqual(askedAt);
		await context.close();

		const switching = await browser.newContext();
		const tab = await openTab(switching);
		await tab.page.goto(`${origin}/login`);
		await passwordStep(tab.page, user.email, user.password);
		await tab.page.waitForURL(`${origin}/account`);
		await tab.page.goto(`${rp.origin}/start`);
		await tab.page.locator("#continue-step:not([hidden])").waitFor();
		await submit(tab.page, "#switch-form");
		await tab.page.waitForURL(url => url.pathname === "/login");
		await passwordStep(tab.page, other.email, other.password);
		const switched = await allow(tab.page);
		expect(switched.claims.sub).toBe(other.user.id);
		await switching.close();
		expect([...problems, ...tab.problems]).toEqual([]);
	});

	it("refuses without redirecting: an unregistered redirect_uri, a stranger's interaction page; ?next= never leaves the site", async () => {
		const context = await browser.newContext();
		const { page, problems } = await openTab(context);
		const url = oidc.buildAuthorizationUrl(rp.config, { redirect_uri: "https://evil.example/callback", scope: "openid", code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: "S256" });
		const refused = await page.goto(url.href);
		expect([refused?.status(), new URL(page.url()).origin]).toEqual([400, origin]);
		await expect(page.locator("[role=alert]").textContent()).resolves.toContain("invalid_redirect_uri");
		await check(page, "oidc-error");
		const logout = oidc.buildEndSessionUrl(rp.config, { post_logout_redirect_uri: "https://evil.example/", client_id: client.clientId });
		const noLogout = await page.goto(logout.href);
		expect([noLogout?.status(), new URL(page.url()).origin]).toEqual([400, origin]);
		await expect(page.locator("[role=alert]").textContent()).resolves.toContain("post_logout_redirect_uri not registered");

		const stranger = await page.goto(`${issuer}/interaction/not-yours`);
		expect(stranger?.status()).toBe(400);
		await expect(page.locator("[role=alert]").textContent()).resolves.toContain("This sign-in request has expired or was already finished");

		const user = await registerUser(app);
		await page.goto(`${origin}/login?next=${encodeURIComponent("//evil.example")}`);
		await passwordStep(page, user.email, user.password);
		await page.waitForURL(`${origin}/account`);
		// Signed in, /login goes straight on to `next`, checked.
		for (const next of ["https://evil.example/", "/\\evil.example", "javascript:alert(1)", "/api/v1/auth/logout", "//evil.example"]) {
			await page.goto(`${origin}/login?next=${encodeURIComponent(next)}`);
			await page.waitForURL(`${origin}/account`);
			expect([next, new URL(page.url()).pathname]).toEqual([next, "/account"]);
		}
		await context.close();
		expect(problems).toEqual([]);
	});

	it("admin console: lists the apps, registers one (the secret shown once), deletes one after confirming", async () => {
		const context = await browser.newContext();
		const { page, problems } = await openTab(context);
		await page.goto(`${origin}/login?next=%2Fadmin`);
		await passwordStep(page, ADMIN.email, ADMIN.password);
		await page.waitForURL(`${origin}/admin`);
		await page.locator("#clients-table tbody tr", { hasText: "Team wiki" }).waitFor();

		await page.fill("#client-name", "Status board");
		await page.selectOption("#client-type", "confidential");
		await page.fill("#client-redirects", "https://status.example.com/callback\nhttps://status.example.com/cb2");
		await page.fill("#client-logout", "https://status.example.com/");
		await submit(page, "#client-form");
		await page.locator("#client-created:not([hidden])").waitFor();
		const clientId = (await page.locator("#client-created-id").textContent()) ?? "";
		const secret = (await page.locator("#client-created-secret").textContent()) ?? "";
		expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
		await expect(page.locator("#client-secret-hint").textContent()).resolves.toContain("shown this once");
		await page.locator("#clients-table tbody tr", { hasText: "Status board" }).waitFor();
		await check(page, "admin-apps");
		// The secret works: the app discovers the provider and authenticates at introspection.
		const config = await oidc.discovery(new URL(issuer), clientId, {}, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
		expect((await oidc.tokenIntrospection(config, "not-a-token")).active).toBe(false);
		const listed = await app.request("GET", "/api/v1/oidc/clients?pageSize=100", { token: admin.accessToken });
		expect(listed.body.rows.find((c: { clientId: string }) => c.clientId === clientId)).toMatchObject({ name: "Status board", type: "confidential", redirectUris: ["https://status.example.com/callback", "https://status.example.com/cb2"], postLogoutRedirectUris: ["https://status.example.com/"] });
		expect(listed.text).not.toContain(secret);

		// A public app has no secret to show.
		await page.fill("#client-name", "Phone app");
		await page.selectOption("#client-type", "public");
		await page.fill("#client-redirects", "http://localhost:8765/callback");
		await submit(page, "#client-form");
		await page.locator("#clients-table tbody tr", { hasText: "Phone app" }).waitFor();
		await expect(page.locator("#client-created-name").textContent()).resolves.toBe("Phone app");
		await expect(page.locator("#client-secret-hint").isVisible()).resolves.toBe(false);

		// A bad redirect URI is refused with the API's words.
		await page.fill("#client-name", "Bad");
		await page.fill("#client-redirects", "http://evil.example/cb");
		await submit(page, "#client-form");
		await page.locator("#client-form [role=alert]:not(:empty)").waitFor();
		await expect(page.locator("#client-form [role=alert]").textContent()).resolves.toContain("https URL");

		const row = page.locator("#clients-table tbody tr", { hasText: "Status board" });
		await row.getByRole("button", { name: "Delete Status board" }).click();
		await row.getByRole("button", { name: "Cancel" }).click();
		await row.getByRole("button", { name: "Delete Status board" }).click();
		await row.getByRole("button", { name: "Yes, delete Status board" }).click();
		await page.locator("#clients-table tbody tr", { hasText: "Status board" }).waitFor({ state: "detached" });
		expect((await app.request("DELETE", `/api/v1/oidc/clients/${clientId}`, { token: admin.accessToken })).status).toBe(404);
		await expect(oidc.tokenIntrospection(config, "not-a-token")).rejects.toMatchObject({ status: 401 });
		await context.close();
		expect(problems).toEqual([]);
	});
});
