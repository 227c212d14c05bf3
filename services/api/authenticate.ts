import type { Config } from "../../lib/config";
import { MFA_ENROLMENT_SCOPE, verifyAccessToken } from "../../lib/tokens/access";
import type { VerificationKey } from "../../lib/tokens/keys";
import type { AuthFailure, AuthUser } from "../../lib/types";
import type { RevocationSet } from "./revocations";

export interface Verifier {
	keys: ReadonlyMap<string, VerificationKey>;
	revocations: RevocationSet;
	config: Pick<Config, "jwtIssuer" | "jwtAudience">;
}

/**
 * The caller of a request from its `Authorization` header: no header is an anonymous caller (null), a header
 * that does not hold a live access token is a failure the access-control middleware answers with 401 on the
 * actions that need a user. Open actions ignore it, so a stale token never breaks a public route.
 */
export function authenticate(header: string | undefined, verifier: Verifier, now: number): AuthUser | { failure: AuthFailure } | null {
	if (!header) return null;
	const match = /^Bearer\s+([A-Za-z0-9_\-.]+)\s*$/i.exec(header);
	if (!match) return { failure: "invalid" };
	const result = verifyAccessToken(match[1], verifier.keys, { issuer: verifier.config.jwtIssuer, audience: verifier.config.jwtAudience }, now);
	if ("failure" in result) return result;
	if (verifier.revocations.has(result.claims.sid, now)) return { failure: "revoked" };
	const { sub, sid, roles, amr, scope } = result.claims;
	return { id: sub, sid, roles, ...(amr ? { amr } : {}), ...(scope === MFA_ENROLMENT_SCOPE ? { enrolmentOnly: true as const } : {}) };
}
