/** What "sign in with another provider" needs beyond auth's kit: the relying party, and its records. */
import type { Collection } from "../../../lib/collection";

/** What the provider vouched for, read from its checked ID token. */
export interface ProviderIdentity {
	subject: string;
	email: string | null;
	emailVerified: boolean;
	name: string | null;
}

/** The OpenID Connect client side (./relying-party.ts over openid-client; the unit tests' fake). */
export interface RelyingParty {
	providers(): Array<{ id: string; name: string }>;
	/** The configured provider's name, or null for an unknown id. */
	name(id: string): string | null;
	/** Throws NOT_FOUND for an unknown id, SERVICE_UNAVAILABLE while its discovery fails. */
	authorizationUrl(id: string, flow: { state: string; nonce: string; codeVerifier: string }): Promise<string>;
	/** The code exchange and ID-token checks; throws a FederationRefusal when the answer is refused. */
	identify(id: string, flow: { query: Record<string, string>; state: string; nonce: string; codeVerifier: string }): Promise<ProviderIdentity>;
}

/**
 * Why a sign-in through a provider was refused; `code` goes to the hosted page (`/login?error=<code>`), which
 * shows a readable message for it (web/assets/app.js, FLOW_MESSAGES). Never a server error.
 */
export const REFUSALS = [
	"access_denied",
	"provider_error",
	"flow_missing",
	"invalid_state",
	"token_rejected",
	"email_unverified",
	"account_disabled",
	"identity_linked"
] as const;
export type RefusalCode = (typeof REFUSALS)[number];

export class FederationRefusal extends Error {
	override name = "FederationRefusal";
	constructor(
		readonly code: RefusalCode,
		/** For the log and the audit trail, never shown. */
		readonly detail = ""
	) {
		super(`Sign-in through a provider refused: ${code}${detail ? ` (${detail})` : ""}`);
	}
}

/** A sign-in (or link) on its way through a provider, or a link waiting for its owner's e-mailed confirmation. */
export interface OidcFlowRecord {
	/** `authorize`: the hash of `state`; `confirm-link`: `link:<userId>` (one pending link per account). */
	_id: string;
	kind: "authorize" | "confirm-link";
	provider: string;
	/** The account to link to (linking while signed in, or a pending confirmation); null for a sign-in. */
	userId: string | null;
	/** SHA-256 of the browser's flow cookie (login CSRF: the callback must come from the browser that started). */
	cookieHash: string | null;
	nonce: string | null;
	codeVerifier: string | null;
	/** Where the browser lands afterwards: a same-origin path. */
	next: string | null;
	/** confirm-link: the identity at the provider. */
	subject: string | null;
	email: string | null;
	createdAt: Date;
	expiresAt: Date;
}

export interface OidcLinkRecord {
	_id: string;
	/** `<provider> <subject>`, unique: an identity links to one account. */
	identity: string;
	userId: string;
	provider: string;
	subject: string;
	email: string | null;
	createdAt: Date;
}

export interface FederationStores {
	oidcFlows: Collection<OidcFlowRecord>;
	oidcLinks: Collection<OidcLinkRecord>;
}
