/** Shared types: what crosses a service boundary or the HTTP API is declared here, once. */

import type { Amr, EmailTemplate, LinkKind, MfaMethod, Role, UserStatus } from "./enums";
import type { Clock } from "./clock";
import type { CallerIdentity } from "./bus-identity";
import type { UserReadCache } from "./user-cache";
import type { PublicUser } from "./user-schema";

/** A user as the `users` service stores it. */
export interface UserRecord {
	_id: string;
	email: string;
	/** Trimmed, lower-cased address: the unique key. */
	emailKey: string;
	displayName: string;
	bio: string;
	avatarUrl: string | null;
	locale: string;
	timezone: string;
	roles: Role[];
	status: UserStatus;
	emailVerified: boolean;
	createdAt: Date;
	updatedAt: Date;
	lastLoginAt: Date | null;
	/** The admin search's keys (lib/user-search.ts): derived by the store, absent until then on old documents. */
	displayNameKey?: string;
	nameWords?: string[];
	emailDomain?: string;
}

/** A new account, as auth asks `users.create` for one. */
export interface NewUser {
	email: string;
	displayName?: string;
	locale?: string;
	roles?: Role[];
	emailVerified?: boolean;
}

/** The caller, as the gateway established it from a verified access token. */
export interface AuthUser {
	id: string;
	sid: string;
	roles: Role[];
	/** How the user authenticated (the token's `amr`), when it says. */
	amr?: Amr[];
	/** When the user signed in to this session, in milliseconds since the epoch (the token's `auth_time`), when it says. */
	authTime?: number;
	/** The token reaches only the second-factor enrolment routes (MFA_REQUIRED_ROLES). */
	enrolmentOnly?: true;
}

/** Why a presented access token was not accepted; the access-control middleware turns it into a 401. */
export type AuthFailure = "invalid" | "expired" | "revoked";

/** Context meta set by the gateway and read by actions. */
export interface AppMeta {
	/** Set on each node from `accessToken` or `operatorAssertion` (lib/bus-identity.ts); never believed as sent. */
	user?: AuthUser | null;
	/** The caller's access token, forwarded by the gateway so that every node verifies it itself. */
	accessToken?: string;
	/** An operator's signed assertion (lib/tokens/operator.ts), instead of an access token. */
	operatorAssertion?: string;
	authFailure?: AuthFailure;
	clientIp?: string;
	userAgent?: string;
	/** The browser's cookie binding a sign-in at another provider to it (services/api/flow-cookie.ts), on the callback only. */
	oidcFlowCookie?: string;
	$statusCode?: number;
	$location?: string;
	$responseHeaders?: Record<string, string>;
}

/** Who may call an action: declared on the action, enforced by middlewares/access-control. */
export interface AccessRule {
	auth?: "required";
	roles?: Role[];
	/** Reachable with a token limited to second-factor enrolment (MFA_REQUIRED_ROLES); every other secured action answers 403 MFA_REQUIRED to one. */
	enrolment?: true;
}

/** `POST /login` with a second factor enrolled: the password was right; finish with `POST /login/mfa`. */
export interface MfaChallengeResponse {
	mfaRequired: true;
	mfaToken: string;
	methods: MfaMethod[];
}

export interface TokenResponse {
	accessToken: string;
	refreshToken: string;
	tokenType: "Bearer";
	expiresIn: number;
	user: PublicUser;
}

export interface SessionView {
	id: string;
	createdAt: string;
	lastUsedAt: string;
	expiresAt: string;
	userAgent: string | null;
	ip: string | null;
	current: boolean;
}

export interface Page<T> {
	rows: T[];
	total: number;
	page: number;
	pageSize: number;
	totalPages: number;
}

/** Sessions ended, as broadcast to every gateway (`session.revoked`). `until` is when their access tokens expire anyway. */
export interface RevokedSession {
	id: string;
	until: number;
}

/** How long a one-time link works (CONTRACT §2: verification 24 h, reset 30 min). */
export const LINK_TTL_MS: Record<LinkKind, number> = { "verify-email": 24 * 3600_000, "password-reset": 30 * 60_000, "email-change": 24 * 3600_000, "magic-link": 15 * 60_000, "oidc-link": 15 * 60_000 };

export interface EmailRequest {
	to: string;
	template: EmailTemplate;
	/** Template values. Never a token: see `link`. */
	data: Record<string, string>;
	userId?: string;
	/**
	 * The e-mail carries a one-time link of this kind for `userId`. Its token is minted by `auth` when the
	 * e-mail is actually sent, so that no token is ever stored anywhere but as a hash.
	 */
	link?: LinkKind;
}

export interface InAppRequest {
	userId: string;
	type: string;
	title: string;
	body: string;
}

/** What every service factory is handed besides the configuration. */
export interface ServiceDeps {
	/** The one time source (lib/clock.ts). */
	clock: Clock;
	/** This node's verifier of callers and its set of ended sessions (lib/bus-identity.ts). */
	identity: CallerIdentity;
	/** This node's cache of signed-in users' own records (lib/user-cache.ts), dropped by `user.changed`. */
	userCache: UserReadCache;
}
