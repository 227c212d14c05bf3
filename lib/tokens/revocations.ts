import type { RevokedSession } from "../types";

/**
 * Sessions ended before their access tokens expire. The gateway refuses a token whose `sid` is here;
 * an entry is only needed until the last access token of that session would have expired anyway.
 */
export class RevocationSet {
	private readonly until = new Map<string, number>();

	add(sessions: Iterable<RevokedSession>): void {
		for (const s of sessions) {
			if (s.until > (this.until.get(s.id) ?? 0)) this.until.set(s.id, s.until);
		}
	}

	has(sessionId: string, now: number): boolean {
		const until = this.until.get(sessionId);
		return until !== undefined && until > now;
	}

	/** Drops entries whose tokens have all expired. */
	prune(now: number): void {
		for (const [id, until] of this.until) if (until <= now) this.until.delete(id);
	}

	get size(): number {
		return this.until.size;
	}
}
