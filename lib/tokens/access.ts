import { randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";
import type { AuthFailure, Role } from "../types";
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
}

export function signAccessToken(
	subject: { userId: string; sessionId: string; roles: Role[] },
	key: SigningKey,
	opts: AccessTokenOptions
): string {
	return jwt.sign({ sid: subject.sessionId, roles: subject.roles }, key.privateKey, {
		algorithm: key.alg,
		keyid: key.kid,
		subject: subject.userId,
		issuer: opts.issuer,
		audience: opts.audience,
		expiresIn: opts.ttl,
		jwtid: randomUUID()
	});
}

export type VerifyResult = { claims: AccessClaims } | { failure: AuthFailure };

function headerKid(token: string): string | undefined {
	const dot = token.indexOf(".");
	if (dot <= 0) return undefined;
	try {
		const header: unknown = JSON.parse(Buffer.from(token.slice(0, dot), "base64url").toString("utf8"));
		const kid = (header as { kid?: unknown }).kid;
		return typeof kid === "string" ? kid : undefined;
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
		c.roles.every(r => r === "user" || r === "admin")
	);
}

/**
 * Verifies locally, with no network call: the key is chosen by `kid`, and only that key's asymmetric
 * algorithm is accepted (so `alg: none` and HS256-with-the-public-key are refused).
 */
export function verifyAccessToken(token: string, keys: ReadonlyMap<string, VerificationKey>, opts: Omit<AccessTokenOptions, "ttl">): VerifyResult {
	const kid = headerKid(token);
	const key = kid === undefined ? undefined : keys.get(kid);
	if (!key) return { failure: "invalid" };
	try {
		const claims = jwt.verify(token, key.key, { algorithms: [key.alg], issuer: opts.issuer, audience: opts.audience });
		return isAccessClaims(claims) ? { claims } : { failure: "invalid" };
	} catch (err) {
		return { failure: err instanceof jwt.TokenExpiredError ? "expired" : "invalid" };
	}
}
