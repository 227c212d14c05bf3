import { randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";
import type { AuthFailure } from "../types";
import { AMR_VALUES, type Amr, type Role } from "../enums";
import type { SigningKey, VerificationKey } from "./keys";

export interface AccessTokenOptions {
	issuer: string;
	audience: string;
	/** Seconds. */
	ttl: number;
}

export interface AccessClaims {
	sub: string;
	sid: string;
	roles: Role[];
	iss: string;
	aud: string;
	iat: number;
	exp: number;
	jti: string;
	/** RFC 8176: how the user authenticated (services/auth/mfa/amr.ts). */
	amr?: Amr[];
	/** When the user signed in to this session (seconds since the epoch), kept through refreshes. */
	auth_time?: number;
	/** Present only on a token limited to second-factor enrolment (MFA_REQUIRED_ROLES). */
	scope?: typeof MFA_ENROLMENT_SCOPE;
}

/** The `scope` of a token that reaches only the enrolment routes (middlewares/access-control.ts). */
export const MFA_ENROLMENT_SCOPE = "mfa-enrolment";

/** Who a token is for and what it carries. */
export interface AccessSubject {
	userId: string;
	sessionId: string;
	roles: Role[];
	amr?: Amr[];
	/** Milliseconds since the epoch: when the session's sign-in happened (the token's `auth_time`). */
	authTime?: number;
	/** True: the token reaches only the enrolment routes. */
	enrolmentOnly?: boolean;
}

export function signAccessToken(
	subject: AccessSubject,
	key: SigningKey,
	opts: AccessTokenOptions & { /** Milliseconds since the epoch (the caller's clock); the system time when absent. */ now?: number }
): string {
	const iat = opts.now === undefined ? {} : { iat: Math.floor(opts.now / 1000) };
	const amr = subject.amr ? { amr: subject.amr } : {};
	const scope = subject.enrolmentOnly ? { scope: MFA_ENROLMENT_SCOPE } : {};
	const authTime = subject.authTime === undefined ? {} : { auth_time: Math.floor(subject.authTime / 1000) };
	return jwt.sign({ sid: subject.sessionId, roles: subject.roles, ...amr, ...authTime, ...scope, ...iat }, key.privateKey, {
		algorithm: key.alg,
		keyid: key.kid,
		header: { alg: key.alg, typ: ACCESS_TOKEN_TYPE },
		subject: subject.userId,
		issuer: opts.issuer,
		audience: opts.audience,
		expiresIn: opts.ttl,
		jwtid: randomUUID()
	});
}

export type VerifyResult = { claims: AccessClaims } | { failure: AuthFailure };

/** RFC 9068's type for JWT access tokens: a JWT of any other kind is never taken for one. */
export const ACCESS_TOKEN_TYPE = "at+jwt";

/** The JOSE header of a compact JWT, unverified (it only picks the key and checks the type). */
export function jwtHeader(token: string): { kid?: unknown; typ?: unknown } | undefined {
	const dot = token.indexOf(".");
	if (dot <= 0) return undefined;
	try {
		return JSON.parse(Buffer.from(token.slice(0, dot), "base64url").toString("utf8")) as { kid?: unknown; typ?: unknown };
	} catch {
		return undefined;
	}
}

function isAccessClaims(value: unknown): value is AccessClaims {
	const c = value as Partial<AccessClaims> | null;
	return (
		!!c &&
		typeof c.sub === "string" &&
		typeof c.sid === "string" &&
		typeof c.jti === "string" &&
		Array.isArray(c.roles) &&
		c.roles.every(r => r === "user" || r === "admin") &&
		(c.amr === undefined || (Array.isArray(c.amr) && c.amr.every(v => (AMR_VALUES as readonly unknown[]).includes(v)))) &&
		(c.auth_time === undefined || Number.isInteger(c.auth_time)) &&
		(c.scope === undefined || c.scope === MFA_ENROLMENT_SCOPE)
	);
}

/**
 * Verifies locally, with no network call: the key is chosen by `kid` among the configured keys (never from
 * the token: `jku`, `x5u` and `jwk` headers are ignored), only that key's asymmetric algorithm is accepted
 * (so `alg: none` and HS256-with-the-public-key are refused), and the token must be typed as an access token.
 */
export function verifyAccessToken(
	token: string,
	keys: ReadonlyMap<string, VerificationKey>,
	opts: Omit<AccessTokenOptions, "ttl">,
	/** Milliseconds since the epoch: the caller's clock decides expiry. */
	now = Date.now()
): VerifyResult {
	const head = jwtHeader(token);
	const key = typeof head?.kid === "string" ? keys.get(head.kid) : undefined;
	if (!key || head?.typ !== ACCESS_TOKEN_TYPE) return { failure: "invalid" };
	try {
		const claims = jwt.verify(token, key.key, { algorithms: [key.alg], issuer: opts.issuer, audience: opts.audience, clockTimestamp: Math.floor(now / 1000) });
		return isAccessClaims(claims) ? { claims } : { failure: "invalid" };
	} catch (err) {
		return { failure: err instanceof jwt.TokenExpiredError ? "expired" : "invalid" };
	}
}
