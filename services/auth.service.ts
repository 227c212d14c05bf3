import type { ServiceDeps } from "../lib/types";
import { randomUUID } from "node:crypto";
import type { Context, Service, ServiceSchema } from "moleculer";
import { ConfigError, type Config } from "../lib/config";
import { isDuplicateKeyError, type Collection } from "../lib/collection";
import { emailKey } from "../lib/email";
import { EMAIL_PARAM, PASSWORD_PARAM, TOKEN_PARAM } from "../lib/params";
import { backoffDelay } from "../lib/backoff";
import { apiError, invalidLink, throttled } from "../lib/errors";
import { IDEMPOTENT } from "../lib/fault-tolerance";
import { PasswordHasher } from "../lib/password/hasher";
import { PASSWORD_PROBLEM_MESSAGES, passwordProblem } from "../lib/password/policy";
import { isLive, revocation, toRevoked, toSessionView, type SessionRecord, type SpentTokenRecord } from "../lib/sessions";
import { DEFAULT_LOCK, lockRemaining, lockedUntil, type ThrottleState } from "../lib/throttle";
import { signAccessToken } from "../lib/tokens/access";
import { loadSigningKey, type SigningKey } from "../lib/tokens/keys";
import { formatRefreshToken, hashToken, parseRefreshToken, randomToken, sameHash } from "../lib/tokens/opaque";
import { LINK_TTL_MS, type AppMeta, type EmailRequest, type InAppRequest, type RevokedSession, type SessionView, type TokenResponse } from "../lib/types";
import { LINK_KINDS, type LinkKind } from "../lib/enums";
import { type PublicUser } from "../lib/user-schema";
import { auditMixin, type AuditMixinMethods } from "../mixins/audit.mixin";
import { dbMixin, type DbMixinMethods } from "../mixins/db.mixin";
import { emailChangeMixin, type EmailChangeMixinMethods } from "../mixins/email-change.mixin";
import { ipLimitMixin, type IpLimitMixinMethods } from "../mixins/ip-limit.mixin";
import { metricsMixin, type MetricsMixinMethods } from "../mixins/metrics.mixin";
import { CredentialModel, LoginThrottleModel, OneTimeTokenModel, SessionModel, SpentTokenModel } from "../models";

interface CredentialRecord {
	_id: string; // the user's id
	passwordHash: string;
	updatedAt: Date;
}


interface OneTimeTokenRecord {
	_id: string; // hash of the token
	kind: LinkKind;
	userId: string;
	createdAt: Date;
	expiresAt: Date;
	usedAt: Date | null;
}

interface ThrottleRecord extends ThrottleState {
	_id: string; // the address key
	updatedAt: Date;
}

/** The open routes, limited per client IP (AUTH_RATE_LIMIT_PER_MINUTE) across every replica. */
const IP_LIMITED = ["register", "verifyEmail", "resendVerification", "login", "refresh", "forgotPassword", "resetPassword", "confirmEmailChange"];
/** Background attempts to hand an e-mail to `notifications` (about a minute of backoff). */
const HAND_OVER_ATTEMPTS = 8;
/** At most one verification or reset e-mail per address in this time, so nobody can flood a mailbox. */
const RESEND_INTERVAL_MS = 60_000;

type Ctx<P = Record<string, never>> = Context<P, AppMeta>;

type AuthThis = Service &
	DbMixinMethods &
	AuditMixinMethods &
	EmailChangeMixinMethods &
	IpLimitMixinMethods &
	MetricsMixinMethods & {
		credentials: Collection<CredentialRecord>;
		sessions: Collection<SessionRecord>;
		spentTokens: Collection<SpentTokenRecord>;
		spend(token: Omit<SpentTokenRecord, "sessionId"> & { sessionId?: string }): Promise<boolean>;
		oneTimeTokens: Collection<OneTimeTokenRecord>;
		throttles: Collection<ThrottleRecord>;
		hasher: PasswordHasher;
		signingKey: SigningKey;
		ensurePasswordPolicy(password: string): void;
		issueTokens(ctx: Ctx<unknown>, user: PublicUser, session: SessionRecord, secret: string): TokenResponse;
		startSession(ctx: Ctx<unknown>, userId: string): Promise<{ session: SessionRecord; secret: string }>;
		endSessions(ctx: Context<unknown>, filter: Record<string, unknown>): Promise<number>;
		issueOneTimeToken(kind: LinkKind, userId: string): Promise<string>;
		sendLink(ctx: Context<unknown>, kind: LinkKind, user: PublicUser): Promise<void>;
		consumeOneTimeToken(kind: LinkKind, token: string): Promise<string>;
		setPassword(userId: string, password: string): Promise<void>;
		passwordMatches(userId: string, password: string): Promise<boolean>;
		sendEmail(ctx: Context<unknown>, email: EmailRequest): Promise<void>;
		notifyInApp(ctx: Context<unknown>, notice: InAppRequest): Promise<void>;
		loginFailed(key: string): Promise<void>;
		inBackground(what: string, work: () => Promise<void>): void;
		handOver(ctx: Context<unknown>, action: string, params: object, what: string): Promise<void>;
		stopping?: boolean;
		bootstrapAdmin(): Promise<void>;
	};

const email = EMAIL_PARAM;
const password = PASSWORD_PARAM;
const token = TOKEN_PARAM;

export default function authService(config: Config, _deps: ServiceDeps): ServiceSchema {
	const noStore = { "Cache-Control": "no-store", Pragma: "no-cache" };

	const schema: ServiceSchema<object, Record<string, never>, object, AuthThis> = {
		name: "auth",
		mixins: [dbMixin(config), auditMixin(), metricsMixin(["logins", "registrations", "throttled"]), ipLimitMixin(config.authRateLimitPerMinute, IP_LIMITED), emailChangeMixin()],

		actions: {
			register: {
				summary: "Create an account and send the verification e-mail",
				params: {
					email,
					password,
					displayName: { type: "string", max: 100, trim: true, optional: true },
					locale: { type: "string", max: 35, pattern: /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/, optional: true },
					$$strict: true
				},
				async handler(this: AuthThis, ctx: Ctx<{ email: string; password: string; displayName?: string; locale?: string }>): Promise<PublicUser> {
					try {
						this.ensurePasswordPolicy(ctx.params.password);
					} catch (err) {
						this.countMetric("registrations", { result: "weak_password" });
						await this.audit(ctx, { type: "register", outcome: "failure", details: { reason: "weak_password" } });
						throw err;
					}
					let user: PublicUser;
					try {
						user = await ctx.call<PublicUser, object>("users.create", {
							email: ctx.params.email,
							displayName: ctx.params.displayName,
							locale: ctx.params.locale
						});
					} catch (err) {
						const reason = (err as { type?: string }).type === "EMAIL_TAKEN" ? "email_taken" : "error";
						this.countMetric("registrations", { result: reason });
						await this.audit(ctx, { type: "register", outcome: "failure", details: { reason } });
						throw err;
					}
					try {
						await this.setPassword(user.id, ctx.params.password);
					} catch (err) {
						await ctx.call("users.discard", { id: user.id });
						throw err;
					}
					this.countMetric("registrations", { result: "created" });
					await this.audit(ctx, { type: "register", subjectId: user.id, actorId: user.id });
					await this.sendLink(ctx, "verify-email", user);
					return user;
				}
			},

			verifyEmail: {
				summary: "Confirm an e-mail address with the token from the e-mail",
				params: { token, $$strict: true },
				async handler(this: AuthThis, ctx: Ctx<{ token: string }>): Promise<PublicUser> {
					const userId = await this.consumeOneTimeToken("verify-email", ctx.params.token);
					const before = await ctx.call<PublicUser | null, { id: string }>("users.getById", { id: userId });
					if (!before) throw invalidLink();
					const user = await ctx.call<PublicUser, { id: string }>("users.markVerified", { id: userId });
					if (!before.emailVerified) {
						await this.sendEmail(ctx, { to: user.email, template: "welcome", data: { displayName: user.displayName }, userId });
					}
					await this.audit(ctx, { type: "email.verify", subjectId: userId, actorId: userId });
					return user;
				}
			},

			resendVerification: {
				summary: "Send the verification e-mail again",
				params: { email, $$strict: true },
				async handler(this: AuthThis, ctx: Ctx<{ email: string }>): Promise<null> {
					// Answered at once and alike whether or not the account exists; the work goes on behind.
					this.inBackground("resend verification", async () => {
						const user = await ctx.call<PublicUser | null, { email: string }>("users.findByEmail", { email: ctx.params.email });
						if (!user || user.emailVerified || user.status !== "active") return;
						await this.sendLink(ctx, "verify-email", user);
					});
					return null;
				}
			},

			login: {
				summary: "Sign in with e-mail address and password",
				params: { email: { type: "string", max: 320 }, password, $$strict: true },
				async handler(this: AuthThis, ctx: Ctx<{ email: string; password: string }>): Promise<TokenResponse> {
					const key = emailKey(ctx.params.email);
					const throttle = await this.throttles.findById(key);
					const wait = lockRemaining(throttle);
					if (wait > 0) {
						this.countMetric("logins", { result: "throttled" });
						this.countMetric("throttled", { kind: "address" });
						await this.audit(ctx, { type: "login.throttled", outcome: "failure", details: { address: key } });
						throw throttled("TOO_MANY_ATTEMPTS", wait);
					}

					const user = await ctx.call<PublicUser | null, { email: string }>("users.findByEmail", { email: key });
					const credential = user ? await this.credentials.findById(user.id) : null;
					// An unknown address costs a hash compare too: the answer takes as long either way.
					const ok = await this.hasher.verify(ctx.params.password, credential?.passwordHash);
					if (!user || !credential || !ok) {
						this.countMetric("logins", { result: "invalid_credentials" });
						await this.audit(ctx, { type: "login", outcome: "failure", subjectId: user?.id ?? null, details: { reason: "invalid_credentials", address: key } });
						await this.loginFailed(key);
						throw apiError("INVALID_CREDENTIALS");
					}
					if (throttle) await this.throttles.removeById(key);
					if (user.status !== "active") {
						this.countMetric("logins", { result: "account_disabled" });
						await this.audit(ctx, { type: "login", outcome: "failure", subjectId: user.id, details: { reason: "account_disabled" } });
						throw apiError("ACCOUNT_DISABLED");
					}
					if (config.emailVerificationRequired && !user.emailVerified) {
						this.countMetric("logins", { result: "email_not_verified" });
						await this.audit(ctx, { type: "login", outcome: "failure", subjectId: user.id, details: { reason: "email_not_verified" } });
						throw apiError("EMAIL_NOT_VERIFIED");
					}

					if (this.hasher.needsRehash(credential.passwordHash)) await this.setPassword(user.id, ctx.params.password);
					const { session, secret } = await this.startSession(ctx, user.id);
					const signedIn = await ctx.call<PublicUser, { id: string }>("users.recordLogin", { id: user.id });
					this.countMetric("logins", { result: "success" });
					await this.audit(ctx, { type: "login", subjectId: user.id, actorId: user.id, details: { sessionId: session._id } });
					return this.issueTokens(ctx, signedIn, session, secret);
				}
			},

			refresh: {
				summary: "Exchange a refresh token for new tokens (the old refresh token is spent)",
				params: { refreshToken: token, $$strict: true },
				async handler(this: AuthThis, ctx: Ctx<{ refreshToken: string }>): Promise<TokenResponse> {
					const parsed = parseRefreshToken(ctx.params.refreshToken);
					const session = parsed ? await this.sessions.findById(parsed.sessionId) : null;
					if (!parsed || !session) throw apiError("INVALID_TOKEN");
					const presented = hashToken(parsed.secret);

					if (!sameHash(presented, session.tokenHash)) {
						const spent = await this.spentTokens.findById(presented);
						if (spent?.sessionId === session._id && !session.revokedAt) {
							await this.endSessions(ctx, { _id: session._id });
							await this.audit(ctx, { type: "refresh.reuse", outcome: "failure", subjectId: session.userId, details: { sessionId: session._id } });
							throw apiError("TOKEN_REUSED");
						}
						throw apiError("INVALID_TOKEN");
					}
					if (!isLive(session)) throw apiError("INVALID_TOKEN");

					const user = await ctx.call<PublicUser | null, { id: string }>("users.getById", { id: session.userId });
					if (!user || user.status !== "active") {
						await this.endSessions(ctx, { _id: session._id });
						throw user ? apiError("ACCOUNT_DISABLED") : apiError("INVALID_TOKEN");
					}

					// Spend it first: of two simultaneous refreshes with one token, exactly one gets here; the other is reuse.
					const now = Date.now();
					// Sliding by REFRESH_TOKEN_TTL, never past SESSION_MAX_LIFETIME from sign-in.
					const expiresAt = new Date(
						Math.min(now + config.refreshTokenTtl * 1000, new Date(session.createdAt).getTime() + config.sessionMaxLifetime * 1000)
					);
					if (!(await this.spend({ _id: presented, kind: "refresh", sessionId: session._id, expiresAt }))) {
						await this.endSessions(ctx, { _id: session._id });
						await this.audit(ctx, { type: "refresh.reuse", outcome: "failure", subjectId: session.userId, details: { sessionId: session._id } });
						throw apiError("TOKEN_REUSED");
					}
					const secret = randomToken();
					await this.sessions.updateMany(
						{ _id: session._id, tokenHash: session.tokenHash, revokedAt: null },
						{ $set: { tokenHash: hashToken(secret), lastUsedAt: new Date(now), expiresAt } }
					);
					return this.issueTokens(ctx, user, session, secret);
				}
			},

			logout: {
				auth: "required",
				summary: "End this session",
				async handler(this: AuthThis, ctx: Ctx): Promise<null> {
					await this.endSessions(ctx, { _id: ctx.meta.user!.sid, userId: ctx.meta.user!.id });
					await this.audit(ctx, { type: "logout", subjectId: ctx.meta.user!.id, details: { sessionId: ctx.meta.user!.sid } });
					return null;
				}
			},

			logoutAll: {
				auth: "required",
				summary: "End every session of the signed-in user",
				async handler(this: AuthThis, ctx: Ctx): Promise<null> {
					const userId = ctx.meta.user!.id;
					const ended = await this.endSessions(ctx, { userId });
					await this.audit(ctx, { type: "logout.all", subjectId: userId, details: { sessions: ended } });
					const user = await ctx.call<PublicUser | null, { id: string }>("users.getById", { id: userId });
					if (user) {
						await this.sendEmail(ctx, { to: user.email, template: "sessions-ended", data: { displayName: user.displayName }, userId });
						await this.notifyInApp(ctx, { userId, type: "sessions-ended", title: "You were signed out everywhere", body: "All sessions of your account were ended." });
					}
					return null;
				}
			},

			sessions: {
				...IDEMPOTENT,
				auth: "required",
				summary: "The signed-in user's active sessions",
				async handler(this: AuthThis, ctx: Ctx): Promise<SessionView[]> {
					const rows = await this.sessions.find(
						{ userId: ctx.meta.user!.id, revokedAt: null, expiresAt: { $gt: new Date() } },
						{ sort: ["-lastUsedAt"] }
					);
					return rows.map(s => toSessionView(s, ctx.meta.user!.sid));
				}
			},

			removeSession: {
				auth: "required",
				summary: "End one of the signed-in user's sessions",
				params: { id: { type: "string", min: 1, max: 100 } },
				async handler(this: AuthThis, ctx: Ctx<{ id: string }>): Promise<null> {
					const ended = await this.endSessions(ctx, { _id: ctx.params.id, userId: ctx.meta.user!.id, expiresAt: { $gt: new Date() } });
					if (ended === 0) throw apiError("NOT_FOUND", "Session not found");
					await this.audit(ctx, { type: "session.end", subjectId: ctx.meta.user!.id, details: { sessionId: ctx.params.id } });
					return null;
				}
			},

			forgotPassword: {
				summary: "Send a password-reset e-mail",
				params: { email, $$strict: true },
				async handler(this: AuthThis, ctx: Ctx<{ email: string }>): Promise<null> {
					this.inBackground("password reset", async () => {
						const user = await ctx.call<PublicUser | null, { email: string }>("users.findByEmail", { email: ctx.params.email });
						await this.audit(ctx, { type: "password.forgot", subjectId: user?.id ?? null, details: { address: emailKey(ctx.params.email), known: !!user } });
						if (!user || user.status !== "active") return;
						await this.sendLink(ctx, "password-reset", user);
					});
					return null;
				}
			},

			resetPassword: {
				summary: "Set a new password with the token from the reset e-mail; every session ends",
				params: { token, password, $$strict: true },
				async handler(this: AuthThis, ctx: Ctx<{ token: string; password: string }>): Promise<null> {
					this.ensurePasswordPolicy(ctx.params.password);
					const userId = await this.consumeOneTimeToken("password-reset", ctx.params.token);
					const user = await ctx.call<PublicUser | null, { id: string }>("users.getById", { id: userId });
					if (!user) throw invalidLink();
					await this.setPassword(userId, ctx.params.password);
					const ended = await this.endSessions(ctx, { userId });
					await this.audit(ctx, { type: "password.reset", subjectId: userId, actorId: userId, details: { sessions: ended } });
					await this.throttles.removeById(emailKey(user.email));
					await this.sendEmail(ctx, { to: user.email, template: "password-changed", data: { displayName: user.displayName }, userId });
					await this.notifyInApp(ctx, { userId, type: "password-changed", title: "Your password was changed", body: "Your password was reset and every session was ended." });
					return null;
				}
			},

			changePassword: {
				auth: "required",
				summary: "Change the password; the other sessions end",
				params: { currentPassword: password, newPassword: password, $$strict: true },
				async handler(this: AuthThis, ctx: Ctx<{ currentPassword: string; newPassword: string }>): Promise<null> {
					const { id: userId, sid } = ctx.meta.user!;
					if (!(await this.passwordMatches(userId, ctx.params.currentPassword))) {
						await this.audit(ctx, { type: "password.change", outcome: "failure", subjectId: userId, details: { reason: "invalid_credentials" } });
						throw apiError("INVALID_CREDENTIALS", "The current password is wrong");
					}
					this.ensurePasswordPolicy(ctx.params.newPassword);
					await this.setPassword(userId, ctx.params.newPassword);
					const ended = await this.endSessions(ctx, { userId, _id: { $ne: sid } });
					await this.audit(ctx, { type: "password.change", subjectId: userId, details: { sessions: ended } });
					const user = await ctx.call<PublicUser | null, { id: string }>("users.getById", { id: userId });
					if (user) {
						await this.sendEmail(ctx, { to: user.email, template: "password-changed", data: { displayName: user.displayName }, userId });
						await this.notifyInApp(ctx, { userId, type: "password-changed", title: "Your password was changed", body: "Your other sessions were ended." });
					}
					return null;
				}
			},

			clearThrottle: {
				roles: ["admin"],
				summary: "Lift the login lock of an address and/or the request limit of a client IP (admin)",
				params: { email: { type: "string", max: 320, optional: true }, ip: { type: "string", max: 64, optional: true }, $$strict: true },
				async handler(this: AuthThis, ctx: Ctx<{ email?: string; ip?: string }>): Promise<null> {
					const { email: address, ip } = ctx.params;
					if (!address && !ip) throw apiError("VALIDATION_ERROR", "Give an email, an ip or both", [{ field: "email", type: "required", message: "Give an email, an ip or both" }]);
					if (address) await this.throttles.removeById(emailKey(address));
					if (ip) await this.clearIpLimit(ip);
					await this.audit(ctx, { type: "throttle.clear", details: { address: address ? emailKey(address) : null, ip: ip ?? null } });
					return null;
				}
			},

			// --- Internal ---
			checkPassword: {
				...IDEMPOTENT,
				visibility: "public",
				params: { userId: { type: "string" }, password: { type: "string" } },
				handler(this: AuthThis, ctx: Context<{ userId: string; password: string }>): Promise<boolean> {
					return this.passwordMatches(ctx.params.userId, ctx.params.password);
				}
			},

			endUserSessions: {
				...IDEMPOTENT,
				visibility: "public",
				params: { userId: { type: "string" } },
				async handler(this: AuthThis, ctx: Context<{ userId: string }, AppMeta>): Promise<number> {
					const ended = await this.endSessions(ctx, { userId: ctx.params.userId });
					await this.audit(ctx, { type: "sessions.end", subjectId: ctx.params.userId, details: { sessions: ended } });
					return ended;
				}
			},

			purgeUser: {
				...IDEMPOTENT,
				visibility: "public",
				params: { userId: { type: "string" } },
				async handler(this: AuthThis, ctx: Context<{ userId: string }>): Promise<void> {
					const { userId } = ctx.params;
					await this.endSessions(ctx, { userId });
					const sessions = await this.sessions.find({ userId });
					await this.spentTokens.removeMany({ sessionId: { $in: sessions.map(s => s._id) } });
					// The ended sessions stay until their tokens expire (gateways load them at start), but forget the device.
					await this.sessions.updateMany({ userId }, { $set: { ip: null, userAgent: null } });
					await this.credentials.removeById(userId);
					await this.oneTimeTokens.removeMany({ userId });
				}
			},

			/**
			 * Mints the token of a one-time link as `notifications` sends the e-mail; null when the link is no longer
			 * wanted (the account is gone, disabled, or already verified).
			 */
			issueLinkToken: {
				visibility: "public",
				params: { kind: { type: "enum", values: [...LINK_KINDS] }, userId: { type: "string" } },
				async handler(this: AuthThis, ctx: Context<{ kind: LinkKind; userId: string }>): Promise<string | null> {
					const { kind, userId } = ctx.params;
					const user = await ctx.call<PublicUser | null, { id: string }>("users.getById", { id: userId });
					if (!user || user.status !== "active" || (kind === "verify-email" && user.emailVerified)) return null;
					if (kind === "email-change" && !(await this.pendingEmailChange(userId))) return null;
					return this.issueOneTimeToken(kind, userId);
				}
			},

			/** What gateways load at start: sessions whose access tokens must still be refused. */
			revokedSessions: {
				...IDEMPOTENT,
				visibility: "public",
				async handler(this: AuthThis): Promise<RevokedSession[]> {
					const rows = await this.sessions.find({ revokedUntil: { $gt: new Date() } });
					return rows.map(toRevoked);
				}
			}
		},

		methods: {
			ensurePasswordPolicy(candidate: string): void {
				const problem = passwordProblem(candidate);
				if (problem) throw apiError("WEAK_PASSWORD", PASSWORD_PROBLEM_MESSAGES[problem], { reason: problem });
			},

			issueTokens(this: AuthThis, ctx: Ctx<unknown>, user: PublicUser, session: SessionRecord, secret: string): TokenResponse {
				ctx.meta.$responseHeaders = { ...noStore };
				return {
					accessToken: signAccessToken({ userId: user.id, sessionId: session._id, roles: user.roles }, this.signingKey, {
						issuer: config.jwtIssuer,
						audience: config.jwtAudience,
						ttl: config.accessTokenTtl
					}),
					refreshToken: formatRefreshToken(session._id, secret),
					tokenType: "Bearer",
					expiresIn: config.accessTokenTtl,
					user
				};
			},

			async startSession(this: AuthThis, ctx: Ctx<unknown>, userId: string) {
				const secret = randomToken();
				const now = new Date();
				const session = await this.sessions.insert({
					_id: randomUUID(),
					userId,
					tokenHash: hashToken(secret),
					createdAt: now,
					lastUsedAt: now,
					expiresAt: new Date(now.getTime() + Math.min(config.refreshTokenTtl, config.sessionMaxLifetime) * 1000),
					userAgent: ctx.meta.userAgent?.slice(0, 512) ?? null,
					ip: ctx.meta.clientIp ?? null,
					revokedAt: null,
					revokedUntil: null
				});
				return { session, secret };
			},

			/** Ends the matching live sessions and tells every gateway at once. */
			async endSessions(this: AuthThis, ctx: Context<unknown>, filter: Record<string, unknown>): Promise<number> {
				const live = await this.sessions.find({ ...filter, revokedAt: null });
				if (live.length === 0) return 0;
				const now = Date.now();
				const ended = revocation(now, config.accessTokenTtl);
				await this.sessions.updateMany({ _id: { $in: live.map(s => s._id) }, revokedAt: null }, { $set: ended });
				const revoked = live.map(s => toRevoked({ _id: s._id, revokedUntil: ended.revokedUntil }));
				ctx.broadcast("session.revoked", { sessions: revoked });
				return live.length;
			},

			/** Queues an e-mail with a one-time link, unless one was sent to this user moments ago. */
			async sendLink(this: AuthThis, ctx: Context<unknown>, kind: LinkKind, user: PublicUser): Promise<void> {
				const since = new Date(Date.now() - RESEND_INTERVAL_MS);
				if ((await this.oneTimeTokens.count({ kind, userId: user.id, usedAt: null, createdAt: { $gt: since } })) > 0) return;
				await this.sendEmail(ctx, { to: user.email, template: kind, data: { displayName: user.displayName }, userId: user.id, link: kind });
			},

			/** A fresh one-time token that replaces the user's earlier ones of this kind. */
			async issueOneTimeToken(this: AuthThis, kind: LinkKind, userId: string): Promise<string> {
				const now = Date.now();
				await this.oneTimeTokens.removeMany({ kind, userId });
				const value = randomToken();
				await this.oneTimeTokens.insert({
					_id: hashToken(value),
					kind,
					userId,
					createdAt: new Date(now),
					expiresAt: new Date(now + LINK_TTL_MS[kind]),
					usedAt: null
				});
				return value;
			},

			/** Spends a one-time token of this kind; any other token, used, expired or unknown, is INVALID_TOKEN (400). */
			async consumeOneTimeToken(this: AuthThis, kind: LinkKind, value: string): Promise<string> {
				const id = hashToken(value);
				const record = await this.oneTimeTokens.findById(id);
				if (!record || record.kind !== kind || record.usedAt || new Date(record.expiresAt).getTime() <= Date.now()) throw invalidLink();
				if (!(await this.spend({ _id: id, kind, expiresAt: record.expiresAt }))) throw invalidLink();
				await this.oneTimeTokens.updateMany({ _id: id }, { $set: { usedAt: new Date() } });
				return record.userId;
			},

			/** Marks a token used; false when it already was (the unique `_id` decides, atomically). */
			async spend(this: AuthThis, token: Omit<SpentTokenRecord, "sessionId"> & { sessionId?: string }): Promise<boolean> {
				try {
					await this.spentTokens.insert({ sessionId: null, ...token });
					return true;
				} catch (err) {
					if (isDuplicateKeyError(err)) return false;
					throw err;
				}
			},

			/** Re-authentication of a signed-in user (password change, e-mail change, account deletion). */
			async passwordMatches(this: AuthThis, userId: string, password: string): Promise<boolean> {
				const credential = await this.credentials.findById(userId);
				return this.hasher.verify(password, credential?.passwordHash);
			},

			async setPassword(this: AuthThis, userId: string, newPassword: string): Promise<void> {
				const passwordHash = await this.hasher.hash(newPassword);
				const updated = await this.credentials.updateMany({ _id: userId }, { $set: { passwordHash, updatedAt: new Date() } });
				if (updated === 0) await this.credentials.insert({ _id: userId, passwordHash, updatedAt: new Date() });
			},

			/**
			 * Counts a failure with an atomic increment, so that concurrent guesses all count, then locks the address
			 * from the count that resulted.
			 */
			async loginFailed(this: AuthThis, key: string): Promise<void> {
				const now = new Date(Date.now());
				let counted = await this.throttles.updateMany({ _id: key }, { $inc: { failures: 1 }, $set: { updatedAt: now } });
				if (counted === 0) {
					try {
						await this.throttles.insert({ _id: key, failures: 1, lockedUntil: null, updatedAt: now });
						counted = 1;
					} catch (err) {
						if (!isDuplicateKeyError(err)) throw err;
						// A concurrent failure created it first.
						await this.throttles.updateMany({ _id: key }, { $inc: { failures: 1 }, $set: { updatedAt: now } });
					}
				}
				const state = await this.throttles.findById(key);
				const until = state ? lockedUntil(state.failures, { maxFailures: config.loginMaxFailures, ...DEFAULT_LOCK }, now.getTime()) : null;
				// $max: a later, shorter computation never shortens a lock already set.
				if (until !== null) await this.throttles.updateMany({ _id: key }, { $max: { lockedUntil: new Date(until) } });
			},

			/** E-mail is queued by `notifications`; a failure to queue never fails the request. */
			/** E-mail is queued by `notifications`; a failure to queue never fails the request (see handOver). */
			sendEmail(this: AuthThis, ctx: Context<unknown>, request: EmailRequest): Promise<void> {
				return this.handOver(ctx, "notifications.send", request, `the '${request.template}' e-mail`);
			},

			notifyInApp(this: AuthThis, ctx: Context<unknown>, notice: InAppRequest): Promise<void> {
				return this.handOver(ctx, "notifications.notify", notice, `the '${notice.type}' notification`);
			},

			/**
			 * Gives work to `notifications`. If no replica can take it now (starting, restarting, unreachable), it is
			 * retried in the background with backoff for about a minute, so the request neither waits nor fails.
			 */
			async handOver(this: AuthThis, ctx: Context<unknown>, action: string, params: object, what: string): Promise<void> {
				try {
					await ctx.call(action, params);
					return;
				} catch (err) {
					this.logger.warn(`Could not hand over ${what} yet (${(err as Error).message}); retrying in the background.`);
				}
				this.inBackground(`hand-over of ${what}`, async () => {
					for (let attempt = 1; ; attempt++) {
						await new Promise(resolve => setTimeout(resolve, backoffDelay(attempt, 500, 15_000)).unref());
						try {
							await this.broker.call(action, params, { meta: ctx.meta as Record<string, unknown> });
							return;
						} catch (err) {
							if (attempt >= HAND_OVER_ATTEMPTS || this.stopping) throw err;
						}
					}
				});
			},

			inBackground(this: AuthThis, what: string, work: () => Promise<void>): void {
				work().catch(err => this.logger.error(`Background ${what} failed:`, (err as Error).message));
			},

			async bootstrapAdmin(this: AuthThis): Promise<void> {
				const { adminEmail, adminPassword } = config;
				if (!adminEmail || !adminPassword) return;
				const problem = passwordProblem(adminPassword);
				if (problem) throw new ConfigError(`ADMIN_PASSWORD is refused: ${PASSWORD_PROBLEM_MESSAGES[problem]}`);
				await this.broker.waitForServices(["users"]);
				let user = await this.broker.call<PublicUser | null, { email: string }>("users.findByEmail", { email: adminEmail });
				if (!user) {
					user = await this.broker.call<PublicUser, object>("users.create", { email: adminEmail, roles: ["admin"], emailVerified: true, displayName: "Admin" });
				}
				await this.broker.call("users.promoteAdmin", { id: user.id });
				// An existing password is kept: the operator may have changed it since.
				if (!(await this.credentials.findById(user.id))) await this.setPassword(user.id, adminPassword);
				this.logger.info(`Admin account ${user.email} is ready.`);
			}
		},

		created(this: AuthThis) {
			this.signingKey = loadSigningKey(config);
			this.hasher = new PasswordHasher(config.bcryptRounds);
			this.credentials = this.collection<CredentialRecord>(CredentialModel);
			this.sessions = this.collection<SessionRecord>(SessionModel);
			this.spentTokens = this.collection<SpentTokenRecord>(SpentTokenModel);
			this.oneTimeTokens = this.collection<OneTimeTokenRecord>(OneTimeTokenModel);
			this.throttles = this.collection<ThrottleRecord>(LoginThrottleModel);
		},

		async started(this: AuthThis) {
			await this.bootstrapAdmin();
		},

		async stopped(this: AuthThis) {
			this.stopping = true;
			await this.hasher.destroy();
		}
	};
	return schema as unknown as ServiceSchema;
}
