/**
 * The OpenID Provider (CONTRACT §6), with openid-client as the relying party against the running backend.
 * The user's side (sign-in and consent pages) is driven with plain HTTP requests and a cookie jar.
 */
import * as oidc from "openid-client";
import { Secret, TOTP } from "otpauth";
import { OIDC_SECOND_FACTOR_UNSUPPORTED } from "../../services/auth/oidc/sign-in";
import type { TestApp } from "../helpers/app";
import { TestClock } from "../helpers/clock";
import { expectError, login, registerUser, type Account, type Tokens } from "../helpers/kit";
import { ADMIN, Browser, authorize, startOidcApp } from "../helpers/oidc";

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
		const callback = await authorize(new Browser(new URL(app.issuer).origin), url.href, user.email, user.password);
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

	it("shows the sign-in page again with the refusal for a wrong password", async () => {
		const config = await rp(await newClient("confidential"));
		const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: "openid", code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: "S256" });
		const browser = new Browser(new URL(app.issuer).origin);
		const page = await browser.follow(url.href);
		const action = /action="([^"]+)"/.exec(await page.res.text())![1];
		const wrong = await browser.fetch(action, { form: { email: user.email, password: "not the password" } });
		expect(wrong.status).toBe(401);
		expect(await wrong.text()).toContain('<p role="alert">The e-mail address or password is wrong</p>');
	});

	it("refuses the right password of an account with a second factor: an error page (403) saying second factors are not supported there yet", async () => {
		const enrolled = await registerUser(app, { login: true });
		const setup = await app.request("POST", "/api/v1/auth/mfa/totp/setup", { body: { password: enrolled.password }, token: enrolled.accessToken });
		const code = new TOTP({ secret: Secret.fromBase32(setup.body.secret), algorithm: "SHA1", digits: 6, period: 30 }).generate({ timestamp: app.clock.now() });
		expect((await app.request("POST", "/api/v1/auth/mfa/totp/confirm", { body: { code }, token: enrolled.accessToken })).status).toBe(200);
		const config = await rp(await newClient("confidential"));
		const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: "openid", code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: "S256" });
		const browser = new Browser(new URL(app.issuer).origin);
		const page = await browser.follow(url.href);
		const action = /action="([^"]+)"/.exec(await page.res.text())![1];
		const refused = await browser.fetch(action, { form: { email: enrolled.email, password: enrolled.password } });
		expect(refused.status).toBe(403);
		const html = await refused.text();
		expect(html).toContain(`<p role="alert"><strong>second_factor_unsupported</strong>: ${OIDC_SECOND_FACTOR_UNSUPPORTED}</p>`);
		expect(html).not.toContain('name="password"');
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
			const callback = await authorize(new Browser(new URL(app.issuer).origin), url.href, user.email, user.password);
			clock.advance(61_000);
			await expect(oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier })).rejects.toMatchObject({ error: "invalid_grant" });
		} finally {
			await app.stop();
		}
	});
});
