/**
 * The OpenID Provider (CONTRACT §6): oidc-provider, configured for the authorization code flow with PKCE,
 * refresh-token rotation, userinfo, revocation, introspection and RP-initiated logout. Its records live in
 * auth's store (./adapter.ts); ID tokens are signed with the access tokens' key; its cookies are signed with
 * a key derived from that key too, so every gateway replica reads every other's cookies.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
// oidc-provider is an ES module only: `require` (Node's require(esm), or jest's compiled copy) gives its namespace alike.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import oidc = require("oidc-provider");
import type { Account, ClientLike, KoaContextWithOIDC } from "oidc-provider";
import type { Config } from "../../../lib/config";
import { OIDC_SCOPES, hashClientSecret } from "../../../lib/oidc";
import type { SigningKey } from "../../../lib/tokens/keys";
import type { PublicUser } from "../../../lib/user-schema";
import { brokerAdapter, type StoreCall } from "./adapter";
import { issuerPath } from "./issuer";
import { oidcPages } from "./pages";

export type OidcProvider = InstanceType<typeof oidc.default>;

export interface ProviderPorts {
	store: StoreCall;
	/** The account behind a subject, or null (unknown or deleted). */
	user(id: string): Promise<PublicUser | null>;
}

function html(ctx: KoaContextWithOIDC, body: string): void {
	ctx.type = "html";
	ctx.body = body;
}

/** A browser client (public) may call the token endpoint from its redirect URIs' origins; userinfo likewise. */
function clientBasedCORS(ctx: KoaContextWithOIDC, origin: string, client: ClientLike & { clientAuthMethod?: string }): boolean {
	if (origin === "null") return false;
	if (ctx.oidc.route !== "userinfo" && client.clientAuthMethod !== "none") return false;
	return (client.redirectUris ?? []).some(uri => URL.canParse(uri) && new URL(uri).origin === origin);
}

function ownToken(_ctx: unknown, client: ClientLike, token: { clientId?: string }): boolean {
	return token.clientId === client.clientId;
}

/**
 * oidc-provider's prompts, plus one: every interactive request passes the interaction page, so the browser's
 * session on the hosted pages decides who goes on to the app (signed out there, the provider's own session
 * cookie alone signs nobody in). The page goes on at once when that session is the provider session's
 * account. `prompt=none` (no page can be shown) relies on the provider's session alone.
 */
function interactionPolicy(): oidc.interactionPolicy.Policy {
	const policy = oidc.interactionPolicy.base();
	const hostedSession = new oidc.interactionPolicy.Check("hosted_session", "the hosted pages' session decides", "login_required", ctx => {
		const { result, prompts } = ctx.oidc as { result?: { login?: unknown }; prompts: Set<string> };
		return !result?.login && !prompts.has("none");
	});
	policy.get("login")?.checks.add(hostedSession);
	return policy;
}

export function createProvider(config: Config, signing: SigningKey, ports: ProviderPorts): OidcProvider {
	const { errorPage, loggedOutPage, logoutPage } = oidcPages(config.appName);
	const cookieKey = createHmac("sha256", signing.privateKey.export({ format: "der", type: "pkcs8" })).update("oidc-provider cookies").digest("base64url");
	const provider = new oidc.default(config.oidcIssuer, {
		adapter: (model: string) => brokerAdapter(model, ports.store),
		clients: [],
		async findAccount(_ctx: unknown, sub: string): Promise<Account | undefined> {
			const user = await ports.user(sub);
			if (!user || user.status !== "active") return undefined;
			return { accountId: sub, claims: () => ({ sub, email: user.email, email_verified: user.emailVerified, name: user.displayName || undefined }) };
		},
		// `amr` comes from the sign-in (services/auth/mfa/amr.ts), the others from the account.
		claims: { openid: ["sub", "amr"], email: ["email", "email_verified"], profile: ["name"] },
		scopes: [...OIDC_SCOPES],
		responseTypes: ["code"],
		clientDefaults: { grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], id_token_signed_response_alg: signing.alg, token_endpoint_auth_method: "client_secret_basic" },
		enabledJWA: { idTokenSigningAlgValues: [signing.alg] },
		jwks: { keys: [{ ...signing.privateKey.export({ format: "jwk" }), kid: signing.kid, alg: signing.alg, use: "sig" }] },
		cookies: { keys: [cookieKey] },
		features: {
			devInteractions: { enabled: false },
			// An app introspects and revokes its own tokens only (others are answered inactive / ignored).
			introspection: { enabled: true, allowedPolicy: ownToken },
			revocation: { enabled: true, allowedPolicy: ownToken },
			userinfo: { enabled: true },
			rpInitiatedLogout: {
				enabled: true,
				logoutSource: (ctx: KoaContextWithOIDC, form: string) => html(ctx, logoutPage(form)),
				postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => html(ctx, loggedOutPage())
			}
		},
		interactions: { policy: interactionPolicy(), url: (_ctx: unknown, interaction: { uid: string }) => `${issuerPath(config.oidcIssuer)}/interaction/${interaction.uid}` },
		// Every refresh spends the refresh token; a spent one presented again ends the grant (reuse detection).
		rotateRefreshToken: true,
		clientBasedCORS,
		renderError: (ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }) => html(ctx, errorPage(out.error, out.error_description)),
		ttl: {
			AccessToken: config.accessTokenTtl,
			AuthorizationCode: 60,
			IdToken: 3600,
			RefreshToken: config.refreshTokenTtl,
			Interaction: 3600,
			Session: config.sessionMaxLifetime,
			Grant: config.refreshTokenTtl
		}
	});
	provider.proxy = config.trustProxy;
	// Client secrets are stored hashed (services/auth/oidc/clients.ts): compare the presented one's hash.
	provider.Client.prototype.compareClientSecret = function (this: ClientLike, actual: string): boolean {
		const expected = Buffer.from(this.clientSecret ?? "");
		const presented = Buffer.from(hashClientSecret(actual));
		return expected.length > 0 && expected.length === presented.length && timingSafeEqual(expected, presented);
	};
	return provider;
}
