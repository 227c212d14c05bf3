/** Ending sessions (one, all, a user's) and listing them. */
import type { Filter } from "../../../lib/collection";
import { apiError } from "../../../lib/errors";
import type { AuthUser, RevokedSession, SessionView } from "../../../lib/types";
import { securityNotice } from "../hand-over";
import { removeAllFactors } from "../mfa/second-factors";
import { endOidcAccess } from "../oidc/store";
import type { AuthKit } from "../ports";
import { revocation, toRevoked, toSessionView } from "../sessions";
import { hashToken, parseRefreshToken, sameHash } from "../tokens/opaque";

/** Ends the matching live sessions and tells every gateway at once; answers how many ended. */
export async function endSessions(kit: AuthKit, filter: Filter): Promise<number> {
	const live = await kit.stores.sessions.find({ ...filter, revokedAt: null });
	if (live.length === 0) return 0;
	const ended = revocation(kit.clock.now(), kit.settings.accessTokenTtl);
	await kit.stores.sessions.updateMany({ _id: { $in: live.map(s => s._id) }, revokedAt: null }, { $set: ended });
	kit.revocations.broadcast(live.map(s => toRevoked({ _id: s._id, revokedUntil: ended.revokedUntil })));
	return live.length;
}

export async function logout(kit: AuthKit, caller: AuthUser): Promise<null> {
	await endSessions(kit, { _id: caller.sid, userId: caller.id });
	await kit.audit.record({ type: "logout", subjectId: caller.id, details: { sessionId: caller.sid } });
	return null;
}

/**
 * POST /logout: the signed-in caller's session (Bearer), or else the session of the refresh token given (the
 * browser session's cookie, or a body): its current token, or one spent from it. Neither: 401.
 */
export async function signOut(kit: AuthKit, meta: { user?: AuthUser | null; authFailure?: string }, { refreshToken }: { refreshToken?: string }): Promise<null> {
	if (meta.user) return logout(kit, meta.user);
	if (refreshToken === undefined) throw apiError(meta.authFailure ? "INVALID_TOKEN" : "UNAUTHORIZED");
	const parsed = parseRefreshToken(refreshToken);
	const session = parsed ? await kit.stores.sessions.findById(parsed.sessionId) : null;
	if (!parsed || !session || session.revokedAt) throw apiError("INVALID_TOKEN");
	const presented = hashToken(parsed.secret);
	const ofSession = sameHash(presented, session.tokenHash) || (await kit.stores.spentTokens.findById(presented))?.sessionId === session._id;
	if (!ofSession) throw apiError("INVALID_TOKEN");
	return logout(kit, { id: session.userId, sid: session._id, roles: [] });
}

/** Every session of the caller ends; the user is told by e-mail and in the app. */
export async function logoutAll(kit: AuthKit, caller: AuthUser): Promise<null> {
	const userId = caller.id;
	const ended = await endSessions(kit, { userId });
	await endOidcAccess(kit, userId);
	await kit.audit.record({ type: "logout.all", subjectId: userId, details: { sessions: ended } });
	const user = await kit.users.getById(userId);
	if (user) await securityNotice(kit.mail, user, "sessions-ended", "You were signed out everywhere", "All sessions of your account were ended.");
	return null;
}

export async function listSessions(kit: AuthKit, caller: AuthUser): Promise<SessionView[]> {
	const rows = await kit.stores.sessions.find({ userId: caller.id, revokedAt: null, expiresAt: { $gt: new Date(kit.clock.now()) } }, { sort: ["-lastUsedAt"] });
	return rows.map(s => toSessionView(s, caller.sid));
}

export async function removeSession(kit: AuthKit, caller: AuthUser, { id }: { id: string }): Promise<null> {
	const ended = await endSessions(kit, { _id: id, userId: caller.id, expiresAt: { $gt: new Date(kit.clock.now()) } });
	if (ended === 0) throw apiError("NOT_FOUND", "Session not found");
	await kit.audit.record({ type: "session.end", subjectId: caller.id, details: { sessionId: id } });
	return null;
}

/** For `users` (disabling an account, deleting it): every session of that user ends. */
export async function endUserSessions(kit: AuthKit, { userId }: { userId: string }): Promise<number> {
	const ended = await endSessions(kit, { userId });
	await endOidcAccess(kit, userId);
	await kit.audit.record({ type: "sessions.end", subjectId: userId, details: { sessions: ended } });
	return ended;
}

/** A deleted account: its sessions end, and its credential, tokens and devices are forgotten. */
export async function purgeUser(kit: AuthKit, { userId }: { userId: string }): Promise<void> {
	await endSessions(kit, { userId });
	await endOidcAccess(kit, userId);
	const sessions = await kit.stores.sessions.find({ userId });
	await kit.stores.spentTokens.removeMany({ sessionId: { $in: sessions.map(s => s._id) } });
	// The ended sessions stay until their tokens expire (gateways load them at start), but forget the device.
	await kit.stores.sessions.updateMany({ userId }, { $set: { ip: null, userAgent: null } });
	await kit.stores.credentials.removeById(userId);
	await kit.stores.oneTimeTokens.removeMany({ userId });
	await removeAllFactors(kit.factors, userId);
	// Its links to other providers and any flow or confirmation in progress (services/auth/federation).
	await kit.stores.oidcLinks.removeMany({ userId });
	await kit.stores.oidcFlows.removeMany({ userId });
}

/** What gateways load at start: sessions whose access tokens must still be refused. */
export async function revokedSessions(kit: AuthKit): Promise<RevokedSession[]> {
	const rows = await kit.stores.sessions.find({ revokedUntil: { $gt: new Date(kit.clock.now()) } });
	return rows.map(toRevoked);
}
