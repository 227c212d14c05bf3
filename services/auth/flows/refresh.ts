/** Refresh-token rotation: every use spends the token and hands out its successor; a spent one is reuse. */
import { apiError } from "../../../lib/errors";
import type { TokenResponse } from "../../../lib/types";
import type { AuthKit } from "../ports";
import { isLive, tokenResponse, type SessionRecord } from "../sessions";
import { hashToken, parseRefreshToken, randomToken, sameHash } from "../tokens/opaque";
import { spend } from "./links";
import { endSessions } from "./sessions";

/** Reuse of a spent token: the session is ended, since a thief and its owner now hold the same family. */
async function reused(kit: AuthKit, session: SessionRecord): Promise<never> {
	await endSessions(kit, { _id: session._id });
	await kit.audit.record({ type: "refresh.reuse", outcome: "failure", subjectId: session.userId, details: { sessionId: session._id } });
	throw apiError("TOKEN_REUSED");
}

export async function refresh(kit: AuthKit, { refreshToken }: { refreshToken: string }): Promise<TokenResponse> {
	const parsed = parseRefreshToken(refreshToken);
	const session = parsed ? await kit.stores.sessions.findById(parsed.sessionId) : null;
	if (!parsed || !session) throw apiError("INVALID_TOKEN");
	const presented = hashToken(parsed.secret);

	if (!sameHash(presented, session.tokenHash)) {
		const spent = await kit.stores.spentTokens.findById(presented);
		if (spent?.sessionId === session._id && !session.revokedAt) return reused(kit, session);
		throw apiError("INVALID_TOKEN");
	}
	const now = kit.clock.now();
	if (!isLive(session, now)) throw apiError("INVALID_TOKEN");

	const user = await kit.users.getById(session.userId);
	if (!user || user.status !== "active") {
		await endSessions(kit, { _id: session._id });
		throw user ? apiError("ACCOUNT_DISABLED") : apiError("INVALID_TOKEN");
	}

	// Sliding by REFRESH_TOKEN_TTL, never past SESSION_MAX_LIFETIME from sign-in.
	const { refreshTokenTtl, sessionMaxLifetime } = kit.settings;
	const expiresAt = new Date(Math.min(now + refreshTokenTtl * 1000, new Date(session.createdAt).getTime() + sessionMaxLifetime * 1000));
	// Spend it first: of two simultaneous refreshes with one token, exactly one gets here; the other is reuse.
	if (!(await spend(kit, { _id: presented, kind: "refresh", sessionId: session._id, expiresAt }))) return reused(kit, session);
	const secret = randomToken();
	await kit.stores.sessions.updateMany(
		{ _id: session._id, tokenHash: session.tokenHash, revokedAt: null },
		{ $set: { tokenHash: hashToken(secret), lastUsedAt: new Date(now), expiresAt } }
	);
	return tokenResponse(kit, user, session, secret);
}
