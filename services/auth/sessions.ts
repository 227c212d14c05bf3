import { randomUUID } from "node:crypto";
import type { Amr, SpentTokenKind } from "../../lib/enums";
import type { RevokedSession, SessionView, TokenResponse } from "../../lib/types";
import type { PublicUser } from "../../lib/user-schema";
import type { AuthKit, ClientInfo } from "./ports";
import { formatRefreshToken, hashToken, randomToken } from "./tokens/opaque";

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
	/** How the user signed in (RFC 8176): every access token of the session says so, refreshed ones too. */
	amr?: Amr[] | null;
}

/** A used token, by hash (see SpentTokenModel). */
export interface SpentTokenRecord {
	_id: string;
	kind: SpentTokenKind;
	sessionId: string | null;
	expiresAt: Date;
}

export function isLive(session: SessionRecord, now: number): boolean {
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

/** A new session for a signed-in user, with the secret of its first refresh token (stored only hashed). */
export async function startSession(kit: AuthKit, userId: string, client: ClientInfo, amr?: Amr[]): Promise<{ session: SessionRecord; secret: string }> {
	const secret = randomToken();
	const now = kit.clock.now();
	const { refreshTokenTtl, sessionMaxLifetime } = kit.settings;
	const session = await kit.stores.sessions.insert({
		_id: randomUUID(),
		userId,
		tokenHash: hashToken(secret),
		createdAt: new Date(now),
		lastUsedAt: new Date(now),
		expiresAt: new Date(now + Math.min(refreshTokenTtl, sessionMaxLifetime) * 1000),
		userAgent: client.userAgent?.slice(0, 512) ?? null,
		ip: client.ip ?? null,
		revokedAt: null,
		revokedUntil: null,
		amr: amr ?? null
	});
	return { session, secret };
}

/** The answer of login and refresh: a fresh access token and the session's current refresh token. */
export function tokenResponse(kit: AuthKit, user: PublicUser, sessionId: string, secret: string, amr?: Amr[] | null): TokenResponse {
	return {
		accessToken: kit.signer.accessToken({ userId: user.id, sessionId, roles: user.roles, ...(amr ? { amr } : {}) }),
		refreshToken: formatRefreshToken(sessionId, secret),
		tokenType: "Bearer",
		expiresIn: kit.settings.accessTokenTtl,
		user
	};
}
