/**
 * The OpenID Provider (CONTRACT §6), with openid-client as the relying party against the running backend.
 * The user's side (sign-in and consent pages) is driven with plain HTTP requests and a cookie jar.
 */
import * as oidc from "openid-client";
import type { TestApp } from "../helpers/app";
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
		return oidc.discovery(new URL(app.issuer), client.clientId, { id_token_signed_response_alg: "PS256" }, auth, { execute: [oidc.allowInsecureRequests] });
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
		const doc = await res.json();
		expect(doc.issuer).toBe(app.issuer);
		expect(doc.jwks_uri).toBe(`${app.issuer}/jwks`);
		expect(doc.code_challenge_methods_supported).toEqual(["S256"]);
		expect(doc.scopes_supported).toEqual(expect.arrayContaining(["openid", "profile", "email", "offline_access"]));
		expect(doc.id_token_signing_alg_values_supported).toEqual(["PS256"]);
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
});
