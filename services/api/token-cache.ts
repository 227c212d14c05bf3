import type { AuthUser } from "../../lib/types";

interface Entry {
	user: Readonly<AuthUser>;
	/** Milliseconds since the epoch: the token's `exp`. */
	expiresAt: number;
}

/**
 * Access tokens this gateway has verified, keyed by the token itself, so that a client's next request costs a
 * map look-up instead of a signature check (the largest part of an authenticated read's CPU). Bounded: the
 * oldest entries go first. It never decides alone: `exp` is honoured on every hit, and revocation is checked
 * by the caller on every request (cached or not) and drops the session's entries.
 */
export class VerifiedTokenCache {
	private readonly entries = new Map<string, Entry>();

	constructor(readonly capacity = 10_000) {}

	/** The caller the token stands for, while the token has not expired. */
	get(token: string, now: number): Readonly<AuthUser> | undefined {
		const entry = this.entries.get(token);
		if (!entry) return undefined;
		if (entry.expiresAt > now) return entry.user;
		this.entries.delete(token);
		return undefined;
	}

	/** Keeps the caller until `exp` (seconds) and hands back the kept, frozen copy. */
	set(token: string, user: AuthUser, exp: number): Readonly<AuthUser> {
		if (this.entries.size >= this.capacity) {
			// Map iteration is in insertion order: the first key is the oldest.
			const oldest = this.entries.keys().next().value;
			if (oldest !== undefined) this.entries.delete(oldest);
		}
		const kept = Object.freeze({ ...user, roles: Object.freeze([...user.roles]) as AuthUser["roles"] });
		this.entries.set(token, { user: kept, expiresAt: exp * 1000 });
		return kept;
	}

	/** Forgets the tokens of ended sessions. */
	dropSessions(sessionIds: ReadonlySet<string>): void {
		if (sessionIds.size === 0) return;
		for (const [token, entry] of this.entries) if (sessionIds.has(entry.user.sid)) this.entries.delete(token);
	}

	/** Forgets expired tokens. */
	prune(now: number): void {
		for (const [token, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(token);
	}

	get size(): number {
		return this.entries.size;
	}
}
