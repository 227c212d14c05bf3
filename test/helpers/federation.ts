/**
 * "Sign in with another provider" in the tests: instance A of this backend is the OpenID Provider, instance B
 * lists A in OIDC_PROVIDERS; a cookie jar per instance drives the browser's side over HTTP. B runs on
 * `localhost` and A on `127.0.0.1`, so that a real browser keeps their cookies apart (cookies ignore ports).
 * Also the outside-provider double (`FakeProvider`) that mints the bad ID tokens a real A never would.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import * as jose from "jose";
import type { TestApp } from "./app";
import { startApp } from "./app";
import { ADMIN, Browser, authorize, freePort, startOidcApp } from "./oidc";
import { login } from "./kit";
import { checkAnswer } from "./openapi-coverage";

export const PROVIDER_ID = "alpha";
export const PROVIDER_NAME = "Alpha Login";

export interface Pair {
	a: TestApp & { issuer: string };
	b: TestApp;
	stop(): Promise<void>;
}

/** The callback B's provider entries use, for a provider id. */
export const callbackOf = (b: { url: string } | string, id = PROVIDER_ID) => `${typeof b === "string" ? b : b.url}/api/v1/auth/oidc/${id}/callback`;

/**
 * A (with its admin) and B (with A as provider `alpha`, registered on A as a confidential client whose redirect
 * URI is B's callback). `extra` adds more providers to B's OIDC_PROVIDERS (e.g. the double, or one that is down).
 */
export async function startPair(extra: (bUrl: string) => Array<Record<string, unknown>> = () => [], env: Record<string, string> = {}): Promise<Pair> {
	const a = await startOidcApp();
	const port = await freePort();
	const bUrl = `http://localhost:${port}`;
	const admin = await login(a, ADMIN.email, ADMIN.password);
	const client = await a.request("POST", "/api/v1/oidc/clients", { token: admin.accessToken, body: { name: "Instance B", redirectUris: [callbackOf(bUrl)], type: "confidential" } });
	if (client.status !== 201) throw new Error(`client on A: ${client.status} ${client.text}`);
	const providers = [{ id: PROVIDER_ID, name: PROVIDER_NAME, issuer: a.issuer, clientId: client.body.clientId, clientSecret: client.body.clientSecret }, ...extra(bUrl)];
	const b = await startApp({ port }, { APP_URL: bUrl, OIDC_PROVIDERS: JSON.stringify(providers), ...env });
	return { a, b, stop: async () => void (await Promise.all([a.stop(), b.stop()])) };
}

/** A browser's jar on B whose answers on B's API routes are checked against the OpenAPI document. */
export class BrowserOnB extends Browser {
	constructor(readonly b: TestApp) {
		// B's own address (APP_URL, on localhost), where A sends the browser back.
		super(b.config.appUrl);
	}

	override async fetch(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
		const res = await super.fetch(url, init);
		const target = new URL(url, this.b.config.appUrl);
		if (target.origin === new URL(this.b.config.appUrl).origin && target.pathname.startsWith("/api/")) {
			const text = await res.clone().text();
			checkAnswer(this.b.broker, init.method ?? "GET", target.pathname + target.search, { status: res.status, body: text ? safeJson(text) : null });
		}
		return res;
	}

	/** GET on B: the redirect's target (relative to B for B's own pages). */
	async redirect(path: string): Promise<string> {
		const res = await this.fetch(path);
		if (res.status !== 302) throw new Error(`${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
		return res.headers.get("location")!;
	}

	/** The refresh-token cookie B set, if any (the browser session). */
	get sessionCookie(): string | undefined {
		return (this as unknown as { cookies: Map<string, string> }).cookies.get("refresh_token");
	}

	cookie(name: string): string | undefined {
		return (this as unknown as { cookies: Map<string, string> }).cookies.get(name);
	}

	setCookie(name: string, value: string | undefined): void {
		const jar = (this as unknown as { cookies: Map<string, string> }).cookies;
		if (value === undefined) jar.delete(name);
		else jar.set(name, value);
	}
}

function safeJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

/**
 * The user's side at the provider, in one place: signed in on A (the hosted pages' session), from A's
 * authorization URL continue and allow, until A sends the browser back to B. Answers B's callback URL.
 */
export async function signInAtA(a: TestApp, authorizationUrl: string, email: string, password: string): Promise<string> {
	const { accessToken } = await login(a, email, password);
	return authorize(new Browser(a.url), authorizationUrl, accessToken);
}

/**
 * The whole walk: start on B, sign in on A, back to B's callback. Answers where B's callback redirected to;
 * the jar then holds B's browser session when one was started.
 */
export async function signInThroughA(pair: Pair, onB: BrowserOnB, email: string, password: string, start = `/api/v1/auth/oidc/${PROVIDER_ID}/start`): Promise<string> {
	const authorizationUrl = await onB.redirect(start);
	const callback = await signInAtA(pair.a, authorizationUrl, email, password);
	if (!callback.startsWith(onB.b.config.appUrl)) throw new Error(`A did not send the browser back to B: ${callback}`);
	return onB.redirect(callback);
}

/** The browser session's access: POST /refresh with the cookie (from B's own origin), as the pages do. */
export async function sessionTokens(b: TestApp, refreshToken: string): Promise<{ accessToken: string; user: { id: string; email: string } }> {
	const res = await b.request("POST", "/api/v1/auth/refresh", { body: { refreshToken } });
	if (res.status !== 200) throw new Error(`refresh: ${res.status} ${res.text}`);
	return res.body;
}

// --- The outside-provider double -------------------------------------------------------------------------------

export interface MintRequest {
	/** Claims of the next ID token, over the defaults (iss, aud, sub, nonce, iat, exp, email, email_verified). */
	claims?: Record<string, unknown>;
	/** The token endpoint answers this error instead (e.g. `invalid_grant` for a used code). */
	error?: string;
}

/**
 * A small OpenID provider double (node:http + jose): discovery, JWKS, an authorization endpoint that sends the
 * browser straight back with a code, and a token endpoint that mints the ID token the test asks for.
 */
export class FakeProvider {
	private server?: http.Server;
	private key?: jose.CryptoKey;
	private jwk?: jose.JWK;
	/** The nonce of the last authorization request, by code. */
	private readonly nonces = new Map<string, string>();
	next: MintRequest = {};
	issuer = "";
	readonly clientId = "b-at-fake";
	readonly clientSecret = "fake provider secret value";

	async start(): Promise<string> {
		const { privateKey, publicKey } = await jose.generateKeyPair("RS256");
		this.key = privateKey;
		this.jwk = { ...(await jose.exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
		this.server = http.createServer((req, res) => void this.handle(req, res));
		await new Promise<void>(resolve => this.server!.listen(0, "127.0.0.1", resolve));
		this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
		return this.issuer;
	}

	async stop(): Promise<void> {
		await new Promise(resolve => this.server?.close(resolve));
	}

	/** OIDC_PROVIDERS entry for B. */
	entry(id = "fake"): Record<string, unknown> {
		return { id, name: "Fake Provider", issuer: this.issuer, clientId: this.clientId, clientSecret: this.clientSecret };
	}

	private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const url = new URL(req.url ?? "/", this.issuer);
		const json = (status: number, body: unknown) => {
			res.writeHead(status, { "content-type": "application/json" });
			res.end(JSON.stringify(body));
		};
		if (url.pathname === "/.well-known/openid-configuration") {
			return json(200, {
				issuer: this.issuer,
				authorization_endpoint: `${this.issuer}/authorize`,
				token_endpoint: `${this.issuer}/token`,
				jwks_uri: `${this.issuer}/jwks`,
				response_types_supported: ["code"],
				subject_types_supported: ["public"],
				id_token_signing_alg_values_supported: ["RS256"],
				code_challenge_methods_supported: ["S256"]
			});
		}
		if (url.pathname === "/jwks") return json(200, { keys: [this.jwk] });
		if (url.pathname === "/authorize") {
			const code = `code-${Math.random().toString(36).slice(2)}`;
			this.nonces.set(code, url.searchParams.get("nonce") ?? "");
			const back = new URL(url.searchParams.get("redirect_uri")!);
			back.searchParams.set("code", code);
			back.searchParams.set("state", url.searchParams.get("state") ?? "");
			res.writeHead(302, { location: back.href });
			return void res.end();
		}
		if (url.pathname === "/token" && req.method === "POST") {
			let body = "";
			for await (const chunk of req) body += chunk;
			const form = new URLSearchParams(body);
			const request = this.next;
			this.next = {};
			if (request.error) return json(400, { error: request.error, error_description: "refused by the double" });
			const now = Math.floor(Date.now() / 1000);
			const claims = { iss: this.issuer, aud: this.clientId, sub: "fake-subject-1", nonce: this.nonces.get(form.get("code") ?? "") ?? "", iat: now, exp: now + 300, email: "fake-user@example.com", email_verified: true, ...request.claims };
			const idToken = await new jose.SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "k1" }).sign(this.key!);
			return json(200, { access_token: "fake-access-token", token_type: "Bearer", expires_in: 300, id_token: idToken });
		}
		json(404, { error: "not_found" });
	}
}

/** Links A's account to a signed-in account on B (POST /link, A's pages, B's callback). */
export async function linkThroughA(pair: Pair, accessToken: string, onA: { email: string; password: string }): Promise<string> {
	const res = await pair.b.request("POST", `/api/v1/auth/oidc/${PROVIDER_ID}/link`, { token: accessToken });
	if (res.status !== 200) throw new Error(`link: ${res.status} ${res.text}`);
	const jar = new BrowserOnB(pair.b);
	jar.setCookie("oidc_flow", /oidc_flow=([^;]+)/.exec(res.headers.getSetCookie().join("\n"))![1]);
	return jar.redirect(await signInAtA(pair.a, res.body.location, onA.email, onA.password));
}
