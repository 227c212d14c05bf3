/**
 * Identity on the bus is proven, not asserted (CONTRACT §7). The gateway forwards the caller's access token
 * in `meta.accessToken`; every node verifies it itself before an action runs (middlewares/access-control.ts)
 * with the same public keys as the gateway and the same set of ended sessions (`session.revoked`, kept by
 * services/identity), so a broker that joins NATS with a made-up `meta.user` is nobody. Operators prove
 * themselves with an assertion signed by the signing key (lib/tokens/operator.ts).
 */
import { ConfigError, type Config } from "./config";
import { operatorUser } from "./operator";
import { MFA_ENROLMENT_SCOPE, verifyAccessToken } from "./tokens/access";
import { loadVerificationKeys, type VerificationKey } from "./tokens/keys";
import { verifyOperatorAssertion } from "./tokens/operator";
import { RevocationSet } from "./tokens/revocations";
import type { AppMeta, AuthFailure, AuthUser, RevokedSession } from "./types";

/** Who called, as proven by what the call carries: a user, a failure (401), or nobody (null). */
export type Caller = Readonly<AuthUser> | { failure: AuthFailure } | null;

interface Verified {
	/** Frozen: one copy is handed to every call the token makes, so no reader may change it. */
	user: Readonly<AuthUser>;
	/** Milliseconds since the epoch: the token's `exp`. */
	expiresAt: number;
}

/** Enough for every token live at once on a busy node; an entry is ~300 bytes. */
export const CACHE_ENTRIES = 10_000;

/**
 * The ONE verification of callers, on the gateway and on every node: a token verified once is served from a
 * bounded cache (a map look-up instead of a signature check, the largest part of an authenticated read's
 * CPU), `exp` honoured on every hit, revocation checked on every call (never cached), and an ended session's
 * tokens dropped from the cache (`session.revoked`, services/identity).
 */
export class CallerIdentity {
	private readonly revocations = new RevocationSet();
	/** Set once the ended sessions have been loaded from `auth` (a gateway is not ready before). */
	revocationsLoaded = false;
	/** Verified tokens, oldest first (a Map keeps insertion order): bounded, so a flood of tokens costs no memory. */
	private readonly verified = new Map<string, Verified>();

	constructor(
		readonly keys: ReadonlyMap<string, VerificationKey>,
		private readonly expect: { issuer: string; audience: string },
		private readonly maxEntries = CACHE_ENTRIES
	) {}

	static fromConfig(config: Config): CallerIdentity {
		if (config.production && !config.jwtPublicKeys && !config.jwtPrivateKey) {
			throw new ConfigError("JWT_PUBLIC_KEYS is required when NODE_ENV=production on every node that runs a service: each verifies its callers' access tokens");
		}
		return new CallerIdentity(new Map(loadVerificationKeys(config).map(k => [k.kid, k])), { issuer: config.jwtIssuer, audience: config.jwtAudience });
	}

	/** The user an access token proves; a revoked session is refused every time (revocation is never cached). */
	verifyToken(token: string, now: number): Readonly<AuthUser> | { failure: AuthFailure } {
		let entry = this.verified.get(token);
		if (!entry) {
			const result = verifyAccessToken(token, this.keys, this.expect, now);
			if ("failure" in result) return result;
			const { sub, sid, roles, exp, amr, scope, auth_time } = result.claims;
			const user: AuthUser = {
				id: sub,
				sid,
				roles: Object.freeze([...roles]) as AuthUser["roles"],
				...(amr ? { amr: Object.freeze([...amr]) as AuthUser["amr"] } : {}),
				...(auth_time === undefined ? {} : { authTime: auth_time * 1000 }),
				...(scope === MFA_ENROLMENT_SCOPE ? { enrolmentOnly: true as const } : {})
			};
			entry = { user: Object.freeze(user), expiresAt: exp * 1000 };
			// A Map iterates in insertion order: the first key is the oldest.
			if (this.verified.size >= this.maxEntries) this.verified.delete(this.verified.keys().next().value as string);
			this.verified.set(token, entry);
		}
		if (entry.expiresAt <= now) {
			this.verified.delete(token);
			return { failure: "expired" };
		}
		if (this.revocations.has(entry.user.sid, now)) return { failure: "revoked" };
		return entry.user;
	}

	/** The caller of a call from what its meta carries; `meta.user` itself is never believed. */
	callerOf(meta: Pick<AppMeta, "accessToken" | "operatorAssertion">, now: number): Caller {
		if (typeof meta.accessToken === "string") return this.verifyToken(meta.accessToken, now);
		if (typeof meta.operatorAssertion === "string") {
			const claims = verifyOperatorAssertion(meta.operatorAssertion, this.keys, this.expect, now);
			if (typeof claims === "string") return { failure: claims };
			// An admin with no account, recorded in the audit trail as `operator:<name>` (lib/operator.ts).
			return operatorUser({ name: claims.sub });
		}
		return null;
	}

	/** Sessions that have ended (`session.revoked`, or loaded from `auth`): refused from now on, their cached tokens dropped. */
	revoke(sessions: readonly RevokedSession[]): void {
		this.revocations.add(sessions);
		if (sessions.length === 0) return;
		const ended = new Set(sessions.map(s => s.id));
		for (const [token, entry] of this.verified) if (ended.has(entry.user.sid)) this.verified.delete(token);
	}

	/** Forgets expired revocations and expired tokens. */
	prune(now: number): void {
		this.revocations.prune(now);
		for (const [token, entry] of this.verified) if (entry.expiresAt <= now) this.verified.delete(token);
	}

	get cached(): number {
		return this.verified.size;
	}
}
