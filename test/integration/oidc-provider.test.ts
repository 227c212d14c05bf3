/**
 * The OpenID Provider (CONTRACT §6), with openid-client as the relying party against the running backend.
 * The user's side (the interaction's hosted page) is driven with plain HTTP requests and a cookie jar, doing
 * what the page's script does with a signed-in session's access token (test/browser/oidc-provider.test.ts
 * drives the page itself in Chromium).
 */
import * as oidc from "openid-client";
import { Secret, TOTP } from "otpauth";
import type { TestApp } from "../helpers/app";
import { TestClock } from "../helpers/clock";
import { decodeJwt, expectError, login, registerUser, type Account, type Tokens } from "../helpers/kit";
import { ADMIN, Browser, authorize, interactionStep, startOidcApp } from "../helpers/oidc";

const REDIRECT = "https://rp.example.test/callback";
const SCOPE = "openid email profile offline_access";

describe("OpenID Provider: code flow with PKCE", () => {
	let app: TestApp & { issuer: string };
	let admin: Tokens;
	let user: Account;

	beforeAll(async () => {
		app = await startOidcApp();
		admin = await login(app, ADMIN.email, ADMIN.password);
		user = await registerUser(app, { displayName: "Ada Lovelace" });
	});
	afterAll(() => app.stop());

	async function newClient(type: "confidential" | "public", extra: Record<string, unknown> = {}) {
		const res = await app.request("POST", "/api/v1/oidc/clients", { token: admin.accessToken, body: { name: `App ${type}`, redirectUris: [REDIRECT], postLogoutRedirectUris: ["https://rp.example.test/bye"], type, ...extra } });
		expect(res.status).toBe(201);
		return res.body as { clientId: string; clientSecret?: string };
	}

	async function rp(client: { clientId: string; clientSecret?: string }) {
		const auth = client.clientSecret ? oidc.ClientSecretBasic(client.clientSecret) : oidc.None();
		return oidc.discovery(new URL(app.issuer), client.clientId, { id_token_signed_response_alg: "ES256" }, auth, { execute: [oidc.allowInsecureRequests] });
	}

	async function signIn(config: oidc.Configuration, extra: Record<string, string> = {}) {
		const verifier = oidc.randomPKCECodeVerifier();
		const state = oidc.randomState();
		const nonce = oidc.randomNonce();
		const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: SCOPE, prompt: "consent", state, nonce, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256", ...extra });
		const session = await login(app, user.email, user.password);
		const callback = await authorize(new Browser(new URL(app.issuer).origin), url.href, session.accessToken);
		return { callback: new URL(callback), verifier, state, nonce };
	}

	it("discovery names the issuer, the endpoints, S256 and the scopes", async () => {
		const res = await fetch(`${app.issuer}/.well-known/openid-configuration`);
		expect(res.status).toBe(200);
		const doc = (await res.json()) as Record<string, string[] & string>;
		expect(doc.issuer).toBe(app.issuer);
		expect(doc.jwks_uri).toBe(`${app.issuer}/jwks`);
		expect(doc.code_challenge_methods_supported).toEqual(["S256"]);
		expect(doc.scopes_supported).toEqual(expect.arrayContaining(["openid", "profile", "email", "offline_access"]));
		expect(doc.id_token_signing_alg_values_supported).toEqual(["ES256"]);
		for (const endpoint of ["authorization_endpoint", "token_endpoint", "userinfo_endpoint", "revocation_endpoint", "introspection_endpoint", "end_session_endpoint"]) expect(doc[endpoint]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oidc\//);
		// The same keys as the access tokens'.
		expect(await (await fetch(doc.jwks_uri)).json()).toEqual((await app.request("GET", "/.well-known/jwks.json")).body);
	});

	it("signs in a confidential client: code, tokens, ID token checked against jwks_uri, userinfo, refresh rotation, introspection and revocation", async () => {
		const client = await newClient("confidential");
		const config = await rp(client);
		const { callback, verifier, state, nonce } = await signIn(config);
		const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
		const claims = tokens.claims()!;
		expect(claims).toMatchObject({ iss: app.issuer, aud: client.clientId, sub: user.user.id, nonce, amr: ["pwd"] });
		expect(tokens.refresh_token).toEqual(expect.any(String));

		const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
		expect(info).toEqual({ sub: user.user.id, email: user.email, email_verified: true, name: "Ada Lovelace" });

		const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
		expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
		// The spent refresh token is refused, and presenting it ends the grant (reuse detection).
		await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
		await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });

		const again = await signIn(config);
		const fresh = await oidc.authorizationCodeGrant(config, again.callback, { pkceCodeVerifier: again.verifier, expectedState: again.state, expectedNonce: again.nonce });
		expect((await oidc.tokenIntrospection(config, fresh.access_token)).active).toBe(true);
		await oidc.tokenRevocation(config, fresh.access_token);
		expect((await oidc.tokenIntrospection(config, fresh.access_token)).active).toBe(false);
	});

	it("refuses a public client without PKCE, and signs it in with PKCE", async () => {
		const client = await newClient("public");
		const config = await rp(client);
		const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: "openid", state: oidc.randomState() });
		const res = await fetch(url, { redirect: "manual" });
		expect(res.status).toBe(303);
		const back = new URL(res.headers.get("location")!);
		expect(back.origin + back.pathname).toBe(REDIRECT);
		expect(back.searchParams.get("error")).toBe("invalid_request");
		expect(back.searchParams.get("error_description")).toBe("Authorization Server policy requires PKCE to be used for this request");

		const { callback, verifier, state, nonce } = await signIn(config);
		const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
		expect(tokens.claims()!.sub).toBe(user.user.id);
	});

	it("refuses an unregistered redirect_uri with an error page, without redirecting", async () => {
		const client = await newClient("confidential");
		const config = await rp(client);
		const url = oidc.buildAuthorizationUrl(config, { redirect_uri: "https://evil.example.test/callback", scope: "openid", code_challenge: "x".repeat(43), code_challenge_method: "S256" });
		const res = await fetch(url, { redirect: "manual" });
		expect(res.status).toBe(400);
		expect(res.headers.get("location")).toBeNull();
		expect(await res.text()).toContain("<strong>invalid_redirect_uri</strong>: redirect_uri did not match any of the client&#39;s registered redirect_uris");
	});

	it("a deleted client's tokens are inactive and it can no longer sign in", async () => {
		const client = await newClient("confidential");
		const config = await rp(client);
		const { callback, verifier, state, nonce } = await signIn(config);
		const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
		const other = await rp(await newClient("confidential"));
		expect((await app.request("DELETE", `/api/v1/oidc/clients/${client.clientId}`, { token: admin.accessToken })).status).toBe(204);
		await expect(oidc.fetchUserInfo(other, tokens.access_token, oidc.skipSubjectCheck)).rejects.toMatchObject({ status: 401 });
		await expect(oidc.tokenIntrospection(config, tokens.access_token)).rejects.toMatchObject({ status: 401 });
		await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ status: 401, cause: [expect.objectContaining({ parameters: expect.objectContaining({ error: "invalid_client" }) })] });
		expectError(await app.request("DELETE", `/api/v1/oidc/clients/${client.clientId}`, { token: admin.accessToken }), 404, "NOT_FOUND");
	});

	it("refuses a tampered state and a wrong nonce at the client, and a code used twice revokes its tokens", async () => {
		const config = await rp(await newClient("confidential"));
		const first = await signIn(config);
		await expect(oidc.authorizationCodeGrant(config, first.callback, { pkceCodeVerifier: first.verifier, expectedState: "tampered", expectedNonce: first.nonce })).rejects.toMatchObject({
			code: "OAUTH_INVALID_RESPONSE"
		});
		const second = await signIn(config);
		await expect(oidc.authorizationCodeGrant(config, second.callback, { pkceCodeVerifier: second.verifier, expectedState: second.state, expectedNonce: "wrong nonce" })).rejects.toMatchObject({
			code: "OAUTH_JWT_CLAIM_COMPARISON_FAILED"
		});
		// The code of the second sign-in was spent by that exchange: using it again fails and revokes what it gave.
		const third = await signIn(config);
		const tokens = await oidc.authorizationCodeGrant(config, third.callback, { pkceCodeVerifier: third.verifier, expectedState: third.state, expectedNonce: third.nonce });
		await expect(oidc.authorizationCodeGrant(config, third.callback, { pkceCodeVerifier: third.verifier, expectedState: third.state, expectedNonce: third.nonce })).rejects.toMatchObject({ error: "invalid_grant" });
		expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
		await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
	});

	it("refuses a post_logout_redirect_uri that is not registered, and logs out to a registered one", async () => {
		const config = await rp(await newClient("confidential"));
		const { callback, verifier, state, nonce } = await signIn(config);
		const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
		const evil = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: "https://evil.example.test/" });
		// A browser asks for HTML and gets the error page.
		const refused = await fetch(evil, { redirect: "manual", headers: { accept: "text/html" } });
		expect(refused.status).toBe(400);
		expect(refused.headers.get("location")).toBeNull();
		expect(await refused.text()).toContain("<strong>invalid_request</strong>: post_logout_redirect_uri not registered");
		const browser = new Browser(new URL(app.issuer).origin);
		const fine = await browser.fetch(oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: "https://rp.example.test/bye" }).href);
		expect(fine.status).toBe(200);
		// No provider session in this browser: the page posts its confirmation at once, with a script the CSP names by hash.
		expect(fine.headers.get("content-security-policy")).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
		const page = await fine.text();
		const action = /<form method="post" action="([^"]+)"/.exec(page)![1];
		const fields = Object.fromEntries([...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map(m => [m[1], m[2]]));
		const done = await browser.fetch(action, { form: fields });
		expect(done.status).toBe(303);
		expect(done.headers.get("location")).toBe("https://rp.example.test/bye");
	});

	it("lists connected apps, and revoking one ends its tokens; logout-all ends every grant", async () => {
		const client = await newClient("confidential");
		const config = await rp(client);
		const { callback, verifier, state, nonce } = await signIn(config);
		const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
		const session = await login(app, user.email, user.password);
		const apps = await app.request("GET", "/api/v1/users/me/apps", { token: session.accessToken });
		expect(apps.status).toBe(200);
		expect(apps.body.find((a: { clientId: string }) => a.clientId === client.clientId)).toEqual({ clientId: client.clientId, name: "App confidential", scopes: ["openid", "email", "profile", "offline_access"], grantedAt: expect.any(String) });
		expect((await app.request("DELETE", `/api/v1/users/me/apps/${client.clientId}`, { token: session.accessToken })).status).toBe(204);
		expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
		expectError(await app.request("DELETE", `/api/v1/users/me/apps/${client.clientId}`, { token: session.accessToken }), 404, "NOT_FOUND");

		const again = await signIn(config);
		const more = await oidc.authorizationCodeGrant(config, again.callback, { pkceCodeVerifier: again.verifier, expectedState: again.state, expectedNonce: again.nonce });
		expect((await app.request("POST", "/api/v1/auth/logout-all", { token: session.accessToken })).status).toBe(204);
		expect((await oidc.tokenIntrospection(config, more.access_token)).active).toBe(false);
		await expect(oidc.refreshTokenGrant(config, more.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
	});

	it("lists clients without secrets (admin) and refuses bad client bodies with 422", async () => {
		const res = await app.request("GET", "/api/v1/oidc/clients?pageSize=100", { token: admin.accessToken });
		expect(res.status).toBe(200);
		expect(res.body.total).toBeGreaterThan(0);
		expect(res.text).not.toMatch(/secret/i);
		for (const body of [
			{ name: "x", redirectUris: ["http://evil.example.test/cb"], type: "public" },
			{ name: "x", redirectUris: ["https://rp.example.test/cb#frag"], type: "public" },
			{ name: "x", redirectUris: [], type: "public" },
			{ name: "x", redirectUris: ["https://rp.example.test/cb"], type: "other" }
		]) {
			expectError(await app.request("POST", "/api/v1/oidc/clients", { token: admin.accessToken, body }), 422, "VALIDATION_ERROR");
		}
		const session = await login(app, user.email, user.password);
		expectError(await app.request("GET", "/api/v1/oidc/clients", { token: session.accessToken }), 403, "FORBIDDEN");
	});

	/** An authorization request in a fresh browser, stopped at its interaction page. */
	async function openInteraction(config: oidc.Configuration, extra: Record<string, string> = {}) {
		const verifier = oidc.randomPKCECodeVerifier();
		const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: "openid", code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256", ...extra });
		const browser = new Browser(new URL(app.issuer).origin);
		const page = await browser.follow(url.href);
		expect([page.res.status, new URL(page.url).pathname]).toEqual([200, expect.stringMatching(/^\/oidc\/interaction\/[A-Za-z0-9_-]+$/)]);
		return { browser, page, verifier };
	}

	it("serves the interaction as a hosted page (its CSP, one module script) and its details as JSON; another uid or no cookie is a 400 page", async () => {
		const config = await rp(await newClient("confidential"));
		const { browser, page } = await openInteraction(config);
		const html = await page.res.text();
		expect(page.res.headers.get("content-security-policy")).toBe("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
		expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script type="module" src="/assets/authorize.js">']);
		expect(html).toContain('<link rel="stylesheet" href="/assets/app.css">');
		const details = await browser.fetch(`${page.url}/details`);
		expect(details.status).toBe(200);
		expect(await details.json()).toEqual({ uid: page.url.split("/").pop(), client: { id: expect.any(String), name: "App confidential" }, prompt: "login", scopes: ["openid"], signInAfter: null, account: null });

		const other = await browser.fetch(`${app.issuer}/interaction/another-uid`);
		expect(other.status).toBe(400);
		expect(await other.text()).toContain("<strong>invalid_request</strong>: This page belongs to another sign-in request");
		// The interaction cookie is scoped to the page's path: another browser (or an expired interaction) has none.
		const stranger = await new Browser(new URL(app.issuer).origin).fetch(page.url);
		expect(stranger.status).toBe(400);
		expect(await stranger.text()).toContain("<strong>invalid_request</strong>: This sign-in request has expired or was already finished");
		const json = await new Browser(new URL(app.issuer).origin).fetch(`${page.url}/details`);
		expect([json.status, await json.json()]).toEqual([400, { error: "invalid_request", error_description: expect.stringContaining("has expired or was already finished") }]);
		expect((await browser.fetch(`${page.url}/nope`)).status).toBe(404);
		expect((await browser.fetch(`${page.url}/session`)).status).toBe(405);
	});

	it("refuses a step without a session (401), from another origin (403), and a consent before sign-in (400)", async () => {
		const config = await rp(await newClient("confidential"));
		const { browser, page } = await openInteraction(config);
		const anonymous = await interactionStep(browser, page.url, "session");
		expect([anonymous.status, await anonymous.json()]).toEqual([401, { error: "login_required", error_description: "Sign in first: your session has ended" }]);
		const session = await login(app, user.email, user.password);
		const foreign = await browser.fetch(`${page.url}/session`, { method: "POST", headers: { origin: "https://evil.example", authorization: `Bearer ${session.accessToken}` } });
		expect([foreign.status, await foreign.json()]).toEqual([403, { error: "access_denied", error_description: "Only this site's own pages may do that (Origin)" }]);
		const early = await interactionStep(browser, page.url, "consent", session.accessToken);
		expect([early.status, ((await early.json()) as { error: string }).error]).toEqual([400, "invalid_request"]);
		// A session that has ended: its access token no longer signs anyone in.
		expect((await app.request("POST", "/api/v1/auth/logout", { token: session.accessToken, body: { refreshToken: session.refreshToken } })).status).toBe(204);
		const ended = await interactionStep(browser, page.url, "session", session.accessToken);
		expect(ended.status).toBe(401);
	});

	it("the provider's own session signs nobody in by itself: each new sign-in passes the interaction page; prompt=none uses it", async () => {
		const config = await rp(await newClient("confidential"));
		const browser = new Browser(new URL(app.issuer).origin);
		const session = await login(app, user.email, user.password);
		const start = async (extra: Record<string, string> = {}) => {
			const verifier = oidc.randomPKCECodeVerifier();
			const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: "openid", code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256", ...extra });
			return { url: url.href, verifier };
		};
		const first = await start();
		await authorize(browser, first.url, session.accessToken);
		// Again in this browser: the interaction page, which names the provider session's account (the page goes on by itself).
		const second = await browser.follow((await start()).url);
		expect(new URL(second.url).pathname).toMatch(/^\/oidc\/interaction\//);
		expect(await (await browser.fetch(`${second.url}/details`)).json()).toMatchObject({ prompt: "login", account: user.user.id });
		// Without the hosted pages' session (no access token), the step is refused, whatever the provider's session says.
		expect((await interactionStep(browser, second.url, "session")).status).toBe(401);
		// prompt=none shows no page: the provider's session answers (a code), a browser without one gets login_required.
		const silent = await start({ prompt: "none" });
		const back = await browser.follow(silent.url);
		expect(new URL(back.url).origin + new URL(back.url).pathname).toBe(REDIRECT);
		const tokens = await oidc.authorizationCodeGrant(config, new URL(back.url), { pkceCodeVerifier: silent.verifier });
		expect(tokens.claims()!.sub).toBe(user.user.id);
		const stranger = await new Browser(new URL(app.issuer).origin).follow((await start({ prompt: "none" })).url);
		expect(new URL(stranger.url).searchParams.get("error")).toBe("login_required");
	});

	it("id_token_hint: the account the app named goes on; another account is refused (403 account_selection_required)", async () => {
		const config = await rp(await newClient("confidential"));
		const { callback, verifier, state, nonce } = await signIn(config);
		const { id_token } = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
		const other = await registerUser(app, { login: true });
		const { browser, page } = await openInteraction(config, { id_token_hint: id_token! });
		const refused = await interactionStep(browser, page.url, "session", other.accessToken);
		expect([refused.status, await refused.json()]).toEqual([403, { error: "account_selection_required", error_description: "App confidential asks for another account than this one: use that account" }]);
		const session = await login(app, user.email, user.password);
		expect((await interactionStep(browser, page.url, "session", session.accessToken)).status).toBe(200);
	});

	it("Deny sends the browser back to the app with access_denied", async () => {
		const config = await rp(await newClient("confidential"));
		const { browser, page } = await openInteraction(config, { state: "s-1" });
		const session = await login(app, user.email, user.password);
		const signedIn = await interactionStep(browser, page.url, "session", session.accessToken);
		const consent = await browser.follow(((await signedIn.json()) as { location: string }).location);
		expect(new URL(consent.url).pathname).toMatch(/^\/oidc\/interaction\//);
		expect(await (await browser.fetch(`${consent.url}/details`)).json()).toMatchObject({ prompt: "consent", scopes: ["openid"] });
		const denied = await interactionStep(browser, consent.url, "abort");
		const back = await browser.follow(((await denied.json()) as { location: string }).location);
		const callback = new URL(back.url);
		expect([callback.origin + callback.pathname, callback.searchParams.get("error"), callback.searchParams.get("state")]).toEqual([REDIRECT, "access_denied", "s-1"]);
	});

	it("signs in an account with TOTP: the session's second factor reaches the ID token (amr pwd, otp, mfa)", async () => {
		const enrolled = await registerUser(app, { login: true });
		const setup = await app.request("POST", "/api/v1/auth/mfa/totp/setup", { body: { password: enrolled.password }, token: enrolled.accessToken });
		const totp = new TOTP({ secret: Secret.fromBase32(setup.body.secret), algorithm: "SHA1", digits: 6, period: 30 });
		expect((await app.request("POST", "/api/v1/auth/mfa/totp/confirm", { body: { code: totp.generate({ timestamp: app.clock.now() - 30_000 }) }, token: enrolled.accessToken })).status).toBe(200);
		const step = await app.request("POST", "/api/v1/auth/login", { body: { email: enrolled.email, password: enrolled.password } });
		const tokens = await app.request("POST", "/api/v1/auth/login/mfa", { body: { mfaToken: step.body.mfaToken, code: totp.generate({ timestamp: app.clock.now() }) } });
		expect(tokens.status).toBe(200);
		const config = await rp(await newClient("confidential"));
		const verifier = oidc.randomPKCECodeVerifier();
		const nonce = oidc.randomNonce();
		const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: "openid", nonce, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256" });
		const callback = await authorize(new Browser(new URL(app.issuer).origin), url.href, tokens.body.accessToken);
		const result = await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedNonce: nonce });
		expect(result.claims()).toMatchObject({ sub: enrolled.user.id, amr: ["pwd", "otp", "mfa"] });
		// Audited: who went on to which app, and how they had signed in.
		const audit = await app.request("GET", `/api/v1/audit?type=oidc.sign-in&userId=${enrolled.user.id}`, { token: admin.accessToken });
		expect(audit.body.rows.map((r: { details: unknown }) => r.details)).toEqual([{ clientId: expect.any(String), amr: ["pwd", "otp", "mfa"] }]);
	});

	it("prompt=login and max_age: an older sign-in is refused (login_required), a newer one goes on; the ID token's auth_time is the sign-in's", async () => {
		const config = await rp(await newClient("confidential"));
		const before = await login(app, user.email, user.password);
		const signedInAt = decodeJwt(before.accessToken).payload.auth_time as number;
		expect(signedInAt).toBe(Math.floor(app.clock.now() / 1000));
		// Sign-ins are stamped in whole seconds: the interaction must begin in a later second than this one.
		await new Promise(resolve => setTimeout(resolve, 1100));
		const { browser, page, verifier } = await openInteraction(config, { prompt: "login consent" });
		expect(await (await browser.fetch(`${page.url}/details`)).json()).toMatchObject({ prompt: "login", signInAfter: expect.any(Number) });
		const stale = await interactionStep(browser, page.url, "session", before.accessToken);
		expect([stale.status, await stale.json()]).toEqual([401, { error: "login_required", error_description: "App confidential asks you to sign in again" }]);
		const fresh = await login(app, user.email, user.password);
		const callback = await authorize(browser, page.url, fresh.accessToken);
		const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier });
		expect(tokens.claims()!.auth_time).toBe(decodeJwt(fresh.accessToken).payload.auth_time);

		// max_age=1 with a sign-in two seconds old: refused; max_age=600: the same sign-in goes on.
		await new Promise(resolve => setTimeout(resolve, 2100));
		const old = await openInteraction(config, { max_age: "1" });
		expect((await interactionStep(old.browser, old.page.url, "session", fresh.accessToken)).status).toBe(401);
		const recent = await openInteraction(config, { max_age: "600" });
		const ok = await interactionStep(recent.browser, recent.page.url, "session", fresh.accessToken);
		expect(ok.status).toBe(200);
	});

	it("disabling a user, and deleting one, end their apps' tokens", async () => {
		const config = await rp(await newClient("confidential"));
		for (const end of ["disable", "delete"] as const) {
			const victim = await registerUser(app);
			const session = await login(app, victim.email, victim.password);
			const verifier = oidc.randomPKCECodeVerifier();
			const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: SCOPE, prompt: "consent", code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256" });
			const callback = await authorize(new Browser(new URL(app.issuer).origin), url.href, session.accessToken);
			const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier });
			expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
			const res =
				end === "disable"
					? await app.request("PATCH", `/api/v1/users/${victim.user.id}`, { token: admin.accessToken, body: { status: "disabled" } })
					: await app.request("DELETE", `/api/v1/users/${victim.user.id}`, { token: admin.accessToken });
			expect([end, res.status]).toEqual([end, end === "disable" ? 200 : 204]);
			expect([end, (await oidc.tokenIntrospection(config, tokens.access_token)).active]).toEqual([end, false]);
			await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
		}
	});
});

describe("OpenID Provider: an expired code", () => {
	it("refuses a code presented after its 60 seconds", async () => {
		const clock = new TestClock();
		const app = await startOidcApp({}, clock);
		try {
			const admin = await login(app, ADMIN.email, ADMIN.password);
			const user = await registerUser(app);
			const created = await app.request("POST", "/api/v1/oidc/clients", { token: admin.accessToken, body: { name: "Slow app", redirectUris: [REDIRECT], type: "confidential" } });
			const config = await oidc.discovery(new URL(app.issuer), created.body.clientId, { id_token_signed_response_alg: "ES256" }, oidc.ClientSecretBasic(created.body.clientSecret), { execute: [oidc.allowInsecureRequests] });
			const verifier = oidc.randomPKCECodeVerifier();
			const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: "openid", code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256" });
			const session = await login(app, user.email, user.password);
			const callback = await authorize(new Browser(new URL(app.issuer).origin), url.href, session.accessToken);
			clock.advance(61_000);
			await expect(oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier })).rejects.toMatchObject({ error: "invalid_grant" });

			// An interaction left open past its hour: its page is a clear 400, its steps too.
			const browser = new Browser(new URL(app.issuer).origin);
			const page = await browser.follow(oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: "openid", code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256" }).href);
			expect(page.res.status).toBe(200);
			clock.advance(3601_000);
			const expired = await browser.fetch(page.url);
			expect(expired.status).toBe(400);
			expect(await expired.text()).toContain("This sign-in request has expired or was already finished");
			expect((await interactionStep(browser, page.url, "session", session.accessToken)).status).toBe(400);
		} finally {
			await app.stop();
		}
	});
});
