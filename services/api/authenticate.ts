import type { Config } from "../../lib/config";
import { MFA_ENROLMENT_SCOPE, verifyAccessToken } from "../../lib/tokens/access";
import type { VerificationKey } from "../../lib/tokens/keys";
import type { AuthFailure, AuthUser } from "../../lib/types";
import type { RevocationSet } from "./revocations";
import type { VerifiedTokenCache } from "./token-cache";

export interface Verifier {
	keys: ReadonlyMap<string, VerificationKey>;
	revocations: RevocationSet;
	config: Pick<Config, "jwtIssuer" | "jwtAudience">;
	/** Tokens verified before; absent: every request is verified. */
	cache?: VerifiedTokenCache;
}

const BEARER = /^Bearer\s+([A-Za-z0-9_\-.]+)\s*$/i;

/**
 * The caller of a request from its `Authorization` header: no header is an anonymous caller (null), a header
 * that does not hold a live access token is a failure the access-control middleware answers with 401 on the
 * actions that need a user. Open actions ignore it, so a stale token never breaks a public route.
 */
export function authenticate(header: string | undefined, verifier: Verifier, now: number): Readonly<AuthUser> | { failure: AuthFailure } | null {
	if (!header) return null;
	const match = BEARER.exec(header);
	if (!match) return { failure: "invalid" };
	const token = match[1];
	let user = verifier.cache?.get(token, now);
	if (!user) {
		const result = verifyAccessToken(token, verifier.keys, { issuer: verifier.config.jwtIssuer, audience: verifier.config.jwtAudience }, now);
		if ("failure" in result) return result;
		const { sub, sid, roles, amr, scope, exp } = result.claims;
		const caller: AuthUser = { id: sub, sid, roles, ...(amr ? { amr } : {}), ...(scope === MFA_ENROLMENT_SCOPE ? { enrolmentOnly: true as const } : {}) };
		user = verifier.cache ? verifier.cache.set(token, caller, exp) : caller;
	}
	// Checked on every request, cached or not: an ended session's tokens stop working at once.
	if (verifier.revocations.has(user.sid, now)) return { failure: "revoked" };
	return user;
}
