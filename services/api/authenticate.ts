import type { Caller, CallerIdentity } from "../../lib/bus-identity";

/** The token of a `Bearer` header: undefined without a header, null when the header holds none. */
export function bearerToken(header: string | undefined): string | null | undefined {
	if (!header) return undefined;
	const match = /^Bearer\s+([A-Za-z0-9_\-.]+)\s*$/i.exec(header);
	return match ? match[1] : null;
}

/**
 * The caller of a request from its `Authorization` header: no header is an anonymous caller (null), a header
 * that does not hold a live access token is a failure the access-control middleware answers with 401 on the
 * actions that need a user. Open actions ignore it, so a stale token never breaks a public route.
 */
export function authenticate(header: string | undefined, identity: CallerIdentity, now: number): Caller {
	const token = bearerToken(header);
	if (token === undefined) return null;
	if (token === null) return { failure: "invalid" };
	return identity.verifyToken(token, now);
}
