/**
 * The relying-party side of "sign in with another provider", over openid-client (panva): discovery (lazy, cached
 * per provider, tried again after a failure), the authorization URL (PKCE S256, state, nonce) and the code
 * exchange with every ID-token check openid-client makes (issuer, audience, nonce, state, signature against the
 * provider's jwks_uri, expiry). Nothing here is kept: provider tokens are dropped once the claims are read.
 */
// openid-client is an ES module only: `require` (Node's require(esm), or jest's compiled copy) gives its namespace alike.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import client = require("openid-client");
import type { OidcProviderConfig } from "../../../lib/config";
import { apiError } from "../../../lib/errors";
import { FederationRefusal, type ProviderIdentity, type RelyingParty } from "./ports";

/** After a failed discovery, the next attempt waits this long (a provider that is down is not asked on every click). */
const RETRY_AFTER_MS = 5_000;
const TIMEOUT_SECONDS = 10;

interface Entry {
	config?: client.Configuration;
	pending?: Promise<client.Configuration>;
	failedAt?: number;
}

export interface RelyingPartyOptions {
	/** Where the provider sends the browser back: `${APP_URL}/api/v1/auth/oidc/:id/callback`. */
	callbackUrl(id: string): string;
	now(): number;
	warn(message: string): void;
}

export function openIdRelyingParty(providers: OidcProviderConfig[], options: RelyingPartyOptions): RelyingParty {
	const byId = new Map(providers.map(p => [p.id, p]));
	const cache = new Map<string, Entry>();

	async function discover(provider: OidcProviderConfig): Promise<client.Configuration> {
		const auth = provider.clientSecret ? client.ClientSecretBasic(provider.clientSecret) : client.None();
		// Plain http only where the configuration allowed it (outside production, or on the loopback interface).
		const insecure: { execute?: Array<(config: client.Configuration) => void> } = new URL(provider.issuer).protocol === "http:" ? { execute: [client.allowInsecureRequests] } : {};
		const discovered = await client.discovery(new URL(provider.issuer), provider.clientId, undefined, auth, { ...insecure, timeout: TIMEOUT_SECONDS });
		// The ID token's algorithm: RS256 unless the provider signs with something else only (e.g. PS256).
		const algs = discovered.serverMetadata().id_token_signing_alg_values_supported ?? [];
		if (algs.length === 0 || algs.includes("RS256")) return discovered;
		const config = new client.Configuration(discovered.serverMetadata(), provider.clientId, { id_token_signed_response_alg: algs[0] }, auth);
		if (insecure.execute) client.allowInsecureRequests(config);
		config.timeout = TIMEOUT_SECONDS;
		return config;
	}

	async function configuration(id: string): Promise<client.Configuration> {
		const provider = byId.get(id);
		if (!provider) throw apiError("NOT_FOUND", "No such sign-in provider");
		const entry = cache.get(id) ?? {};
		cache.set(id, entry);
		if (entry.config) return entry.config;
		if (!entry.pending) {
			if (entry.failedAt !== undefined && options.now() - entry.failedAt < RETRY_AFTER_MS) throw unavailable(provider);
			entry.pending = discover(provider).then(
				config => {
					entry.config = config;
					entry.pending = undefined;
					return config;
				},
				err => {
					entry.failedAt = options.now();
					entry.pending = undefined;
					options.warn(`Sign-in provider ${id}: discovery at ${provider.issuer} failed: ${(err as Error).message}`);
					throw unavailable(provider);
				}
			);
		}
		return entry.pending;
	}

	return {
		providers: () => providers.map(({ id, name }) => ({ id, name })),
		name: id => byId.get(id)?.name ?? null,

		async authorizationUrl(id, { state, nonce, codeVerifier }) {
			const config = await configuration(id);
			const provider = byId.get(id)!;
			const url = client.buildAuthorizationUrl(config, {
				redirect_uri: options.callbackUrl(id),
				scope: provider.scopes.join(" "),
				state,
				nonce,
				code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
				code_challenge_method: "S256"
			});
			return url.href;
		},

		async identify(id, { query, state, nonce, codeVerifier }) {
			const config = await configuration(id);
			const callback = new URL(options.callbackUrl(id));
			for (const [name, value] of Object.entries(query)) callback.searchParams.set(name, value);
			let tokens;
			try {
				tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
			} catch (err) {
				const e = err as { code?: string; error?: string; message?: string; cause?: unknown };
				// The provider could not be reached: not the user's fault.
				if (e.code === "OAUTH_RESPONSE_IS_NOT_CONFORM" && e.cause instanceof Response && e.cause.status >= 500) throw unavailable(byId.get(id)!);
				if ((err instanceof TypeError && e.message === "fetch failed") || (err as Error).name === "TimeoutError") throw unavailable(byId.get(id)!);
				options.warn(`Sign-in provider ${id}: the answer was refused: ${e.error ?? e.code ?? ""} ${e.message ?? ""}`);
				throw new FederationRefusal("token_rejected", e.error ?? e.code ?? "refused");
			}
			const claims = tokens.claims();
			if (!claims) throw new FederationRefusal("token_rejected", "no ID token");
			// Many providers put the e-mail in userinfo only (OpenID Connect Core §5.4): asked there, for the same subject.
			let profile: Record<string, unknown> = claims;
			if (typeof claims.email !== "string" && config.serverMetadata().userinfo_endpoint) {
				try {
					profile = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
				} catch (err) {
					options.warn(`Sign-in provider ${id}: userinfo failed: ${(err as Error).message}`);
					throw new FederationRefusal("token_rejected", "userinfo");
				}
			}
			const identity: ProviderIdentity = {
				subject: claims.sub,
				email: typeof profile.email === "string" ? profile.email : null,
				emailVerified: profile.email_verified === true,
				name: typeof profile.name === "string" ? profile.name : null
			};
			return identity;
		}
	};
}

function unavailable(provider: OidcProviderConfig) {
	return apiError("SERVICE_UNAVAILABLE", `${provider.name} cannot be reached right now; try again in a moment`);
}
