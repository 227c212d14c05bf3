import type { RevokedSession, SessionView } from "./types";

/** A refresh-token family as `auth` stores it: only hashes of the tokens. */
export interface SessionRecord {
	_id: string;
	userId: string;
	tokenHash: string;
	createdAt: Date;
	lastUsedAt: Date;
	expiresAt: Date;
	userAgent: string | null;
	ip: string | null;
	revokedAt: Date | null;
	revokedUntil: Date | null;
}

/** A used token, by hash (see SpentTokenModel). */
export interface SpentTokenRecord {
	_id: string;
	kind: "refresh" | "verify-email" | "password-reset" | "email-change";
	sessionId: string | null;
	expiresAt: Date;
}

export function isLive(session: SessionRecord, now = Date.now()): boolean {
	return !session.revokedAt && new Date(session.expiresAt).getTime() > now;
}

export function toSessionView(session: SessionRecord, currentSessionId: string | undefined): SessionView {
	return {
		id: session._id,
		createdAt: new Date(session.createdAt).toISOString(),
		lastUsedAt: new Date(session.lastUsedAt).toISOString(),
		expiresAt: new Date(session.expiresAt).toISOString(),
		userAgent: session.userAgent,
		ip: session.ip,
		current: session._id === currentSessionId
	};
}

export function toRevoked(session: Pick<SessionRecord, "_id" | "revokedUntil">): RevokedSession {
	return { id: session._id, until: new Date(session.revokedUntil ?? 0).getTime() };
}

/** The `$set` that ends a session: its access tokens stay refused until the last one would expire. */
export function revocation(now: number, accessTokenTtlSeconds: number): { revokedAt: Date; revokedUntil: Date } {
	return { revokedAt: new Date(now), revokedUntil: new Date(now + accessTokenTtlSeconds * 1000 + 1000) };
}
