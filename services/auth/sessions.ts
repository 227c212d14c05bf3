import { randomUUID } from "node:crypto";
import type { Amr, Role, SpentTokenKind } from "../../lib/enums";
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
	/** How the user signed in (RFC 8176), carried by every access token of the session; absent on older sessions: a password. */
	amr?: Amr[];
}

/** What a session made before `amr` was stored was signed in with. */
const PASSWORD_ONLY: Amr[] = ["pwd"];

export function amrOf(session: Pick<SessionRecord, "amr">): Amr[] {
	return session.amr?.length ? session.amr : PASSWORD_ONLY;
}

/**
 * MFA_REQUIRED_ROLES: a user with such a role whose session has not shown two factors gets tokens that reach
 * only the enrolment routes.
 */
export function enrolmentOnly(roles: readonly Role[], amr: readonly Amr[], requiredRoles: readonly Role[]): boolean {
	return !amr.includes("mfa") && roles.some(role => requiredRoles.includes(role));
}

/** A used token, by hash (see SpentTokenModel). */
export interface SpentTokenRecord {
	_id: string;
	kind: SpentTokenKind;
	sessionId: string | null;
	expiresAt: Date;
	/** When a refresh token was spent: within REFRESH_REUSE_INTERVAL of it, it still gets its successor. */
	spentAt?: Date | null;
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
export async function startSession(kit: AuthKit, userId: string, client: ClientInfo, amr: Amr[] = PASSWORD_ONLY): Promise<{ session: SessionRecord; secret: string }> {
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
		amr
	});
	return { session, secret };
}

/** The answer of login and refresh: a fresh access token and the session's current refresh token. */
export function tokenResponse(kit: AuthKit, user: PublicUser, session: Pick<SessionRecord, "_id" | "amr" | "createdAt">, secret: string): TokenResponse {
	const amr = amrOf(session);
	const limited = enrolmentOnly(user.roles, amr, kit.settings.mfaRequiredRoles);
	return {
		accessToken: kit.signer.accessToken({ userId: user.id, sessionId: session._id, roles: user.roles, amr, authTime: new Date(session.createdAt).getTime(), ...(limited ? { enrolmentOnly: true } : {}) }),
		refreshToken: formatRefreshToken(session._id, secret),
		tokenType: "Bearer",
		expiresIn: kit.settings.accessTokenTtl,
		user
	};
}

/**
 * A signed-in user just proved a second factor inside this session (enrolling it): from now on the session
 * counts as two factors, so its next access token (after a refresh) carries `mfa`, which MFA_REQUIRED_ROLES
 * asks for.
 */
export async function addSessionFactor(kit: AuthKit, sessionId: string, userId: string, method: Exclude<Amr, "mfa" | "pwd">): Promise<void> {
	const session = await kit.stores.sessions.findOne({ _id: sessionId, userId });
	if (!session) return;
	const amr = [...new Set<Amr>([...amrOf(session).filter(v => v !== "mfa"), method, "mfa"])];
	await kit.stores.sessions.updateMany({ _id: sessionId, userId }, { $set: { amr } });
}
