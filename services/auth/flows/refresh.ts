/**
 * Refresh-token rotation: every use spends the token and hands out its successor; a spent one is reuse —
 * except within REFRESH_REUSE_INTERVAL after it was spent, when it gets the same successor again (two tabs
 * refreshing at once, a request retried after a timeout). The successor is HMAC(server key, presented
 * secret), so it is found again without being stored.
 */
import { apiError } from "../../../lib/errors";
import type { TokenResponse } from "../../../lib/types";
import type { PublicUser } from "../../../lib/user-schema";
import type { AuthKit } from "../ports";
import { isLive, tokenResponse, type SessionRecord, type SpentTokenRecord } from "../sessions";
import { hashToken, parseRefreshToken, sameHash } from "../tokens/opaque";
import { spend } from "./links";
import { endSessions } from "./sessions";

/** Reuse of a spent token: the session is ended, since a thief and its owner now hold the same family. */
async function reused(kit: AuthKit, session: SessionRecord): Promise<never> {
	await endSessions(kit, { _id: session._id });
	await kit.audit.record({ type: "refresh.reuse", outcome: "failure", subjectId: session.userId, details: { sessionId: session._id } });
	throw apiError("TOKEN_REUSED");
}

/** The session's user, when they may still use it; a disabled or deleted account ends the session. */
async function activeUser(kit: AuthKit, session: SessionRecord): Promise<PublicUser> {
	const user = await kit.users.getById(session.userId);
	if (user && user.status === "active") return user;
	await endSessions(kit, { _id: session._id });
	throw user ? apiError("ACCOUNT_DISABLED") : apiError("INVALID_TOKEN");
}

function withinReuseInterval(kit: AuthKit, spent: SpentTokenRecord, now: number): boolean {
	const interval = kit.settings.refreshReuseInterval * 1000;
	return interval > 0 && !!spent.spentAt && now - new Date(spent.spentAt).getTime() <= interval;
}

/** Sliding by REFRESH_TOKEN_TTL, never past SESSION_MAX_LIFETIME from sign-in. */
function nextExpiry(kit: AuthKit, session: SessionRecord, now: number): Date {
	const { refreshTokenTtl, sessionMaxLifetime } = kit.settings;
	return new Date(Math.min(now + refreshTokenTtl * 1000, new Date(session.createdAt).getTime() + sessionMaxLifetime * 1000));
}

/**
 * The session moves from the presented token to its successor. Conditional on the presented one still being
 * current, so when two requests race, the second write changes nothing (both write the same successor).
 */
async function rotate(kit: AuthKit, session: SessionRecord, presentedHash: string, successor: string, now: number): Promise<void> {
	await kit.stores.sessions.updateMany(
		{ _id: session._id, tokenHash: presentedHash, revokedAt: null },
		{ $set: { tokenHash: hashToken(successor), lastUsedAt: new Date(now), expiresAt: nextExpiry(kit, session, now) } }
	);
}

/** A spent token presented again: its successor within the reuse interval, theft after it. */
async function presentedAgain(kit: AuthKit, session: SessionRecord, secret: string, presentedHash: string, now: number): Promise<TokenResponse> {
	const spent = await kit.stores.spentTokens.findById(presentedHash);
	if (spent?.sessionId !== session._id || session.revokedAt) throw apiError("INVALID_TOKEN");
	if (!withinReuseInterval(kit, spent, now)) return reused(kit, session);
	if (!isLive(session, now)) throw apiError("INVALID_TOKEN");
	const user = await activeUser(kit, session);
	const successor = kit.successor.of(secret);
	await rotate(kit, session, presentedHash, successor, now);
	return tokenResponse(kit, user, session, successor);
}

export async function refresh(kit: AuthKit, { refreshToken }: { refreshToken: string }): Promise<TokenResponse> {
	const parsed = parseRefreshToken(refreshToken);
	const session = parsed ? await kit.stores.sessions.findById(parsed.sessionId) : null;
	if (!parsed || !session) throw apiError("INVALID_TOKEN");
	const presented = hashToken(parsed.secret);
	const now = kit.clock.now();

	if (!sameHash(presented, session.tokenHash)) return presentedAgain(kit, session, parsed.secret, presented, now);
	if (!isLive(session, now)) throw apiError("INVALID_TOKEN");
	const user = await activeUser(kit, session);

	// Spend it first: of two simultaneous refreshes with one token, exactly one gets here; the other is a
	// token presented again (the same successor within the reuse interval, reuse without one).
	const spent = await spend(kit, { _id: presented, kind: "refresh", sessionId: session._id, expiresAt: nextExpiry(kit, session, now), spentAt: new Date(now) });
	if (!spent) return presentedAgain(kit, session, parsed.secret, presented, now);
	const successor = kit.successor.of(parsed.secret);
	await rotate(kit, session, presented, successor, now);
	return tokenResponse(kit, user, session, successor);
}
