/**
 * The mongoose models, one per collection. They are also the single source of each collection's indexes:
 * the embedded store builds its own (single-field) indexes from them.
 */
import { Schema, model, type Model } from "mongoose";
import { AMR_VALUES, AUDIT_OUTCOMES, AUTH_FACTORS, DELIVERY_STATUSES, EMAIL_TEMPLATES, LINK_KINDS, MFA_METHODS, OIDC_CLIENT_TYPES, ROLES, SPENT_TOKEN_KINDS, USER_STATUSES, WEBAUTHN_CEREMONIES } from "../lib/enums";

const id = { type: String, required: true };

const userSchema = new Schema(
	{
		_id: id,
		email: { type: String, required: true },
		emailKey: { type: String, required: true, unique: true },
		displayName: { type: String, default: "" },
		bio: { type: String, default: "" },
		avatarUrl: { type: String, default: null },
		locale: { type: String, default: "en" },
		timezone: { type: String, default: "UTC" },
		roles: { type: [String], enum: ROLES, default: ["user"], index: true },
		status: { type: String, enum: USER_STATUSES, default: "active", index: true },
		emailVerified: { type: Boolean, default: false },
		createdAt: { type: Date, required: true, index: true },
		updatedAt: { type: Date, required: true },
		lastLoginAt: { type: Date, default: null },
		// The admin search's keys (lib/user-search.ts): prefix searches on them are index ranges.
		displayNameKey: { type: String, index: true },
		nameWords: { type: [String], default: undefined, index: true },
		emailDomain: { type: String, index: true }
	},
	{ collection: "users", versionKey: false, timestamps: true }
);
// The admin list: filters by status and role, sorted by any of its sort keys.
userSchema.index({ status: 1, createdAt: -1 });
userSchema.index({ roles: 1, createdAt: -1 });
userSchema.index({ displayName: 1 });
userSchema.index({ lastLoginAt: -1 });

export const UserModel = model("User", userSchema);

export const CredentialModel = model(
	"Credential",
	new Schema(
		{ _id: id, passwordHash: { type: String, required: true, match: /^\$2[abxy]\$\d{2}\$/ }, updatedAt: { type: Date, required: true } },
		{ collection: "credentials", versionKey: false, timestamps: { createdAt: false, updatedAt: true } }
	)
);

export const SessionModel = model(
	"Session",
	new Schema(
		{
			_id: id,
			userId: { type: String, required: true, index: true },
			tokenHash: { type: String, required: true },
			createdAt: { type: Date, required: true },
			lastUsedAt: { type: Date, required: true },
			expiresAt: { type: Date, required: true, expires: 0 },
			userAgent: { type: String, default: null },
			ip: { type: String, default: null },
			revokedAt: { type: Date, default: null, index: true },
			/** Until when the gateways must refuse this session's access tokens. */
			revokedUntil: { type: Date, default: null },
			/** How the user signed in (RFC 8176): every access token of the session carries it. */
			amr: { type: [String], enum: AMR_VALUES, default: undefined }
		},
		{ collection: "sessions", versionKey: false }
	)
);

/**
 * Tokens already used, by hash, kept until they would have expired. Spending a token is inserting it here:
 * the unique `_id` makes that atomic on every store, so a token can be spent once even by simultaneous
 * requests. A refresh token found here again is reuse.
 */
export const SpentTokenModel = model(
	"SpentToken",
	new Schema(
		{
			_id: id, // the token's hash
			kind: { type: String, required: true, enum: SPENT_TOKEN_KINDS },
			sessionId: { type: String, default: null, index: true },
			spentAt: { type: Date, default: null },
			expiresAt: { type: Date, required: true, expires: 0 }
		},
		{ collection: "spent_tokens", versionKey: false }
	)
);

/** The audit trail: hash-chained, append-only (services/auth/audit/). */
const auditSchema = new Schema(
	{
		_id: id,
		seq: { type: Number, required: true, unique: true },
		at: { type: Date, required: true, index: true },
		type: { type: String, required: true, index: true },
		outcome: { type: String, required: true, enum: AUDIT_OUTCOMES },
		actorId: { type: String, default: null, index: true },
		subjectId: { type: String, default: null, index: true },
		ip: { type: String, default: null },
		userAgent: { type: String, default: null },
		details: { type: Schema.Types.Mixed, default: {} },
		prevHash: { type: String, required: true },
		hash: { type: String, required: true }
	},
	{ collection: "audit_log", versionKey: false, minimize: false }
);
export const AuditModel = model("AuditEntry", auditSchema);

/** Per-IP request counters for the open auth routes, one document per client and minute. */
export const RateLimitModel = model(
	"RateLimit",
	new Schema(
		{ _id: id, count: { type: Number, required: true }, expiresAt: { type: Date, required: true, expires: 0 } },
		{ collection: "rate_limits", versionKey: false }
	)
);

/** Address changes waiting for confirmation from the new address. */
export const EmailChangeModel = model(
	"EmailChange",
	new Schema(
		{
			_id: id, // the user's id: one pending change at a time
			newEmail: { type: String, required: true },
			/** The session that asked: it survives the change, the others end. */
			sessionId: { type: String, default: null },
			expiresAt: { type: Date, required: true, expires: 0 }
		},
		{ collection: "email_changes", versionKey: false }
	)
);

/** Short-lived mutexes (services/users/lock.ts). */
export const LockModel = model(
	"Lock",
	new Schema({ _id: id, expiresAt: { type: Date, required: true, expires: 0 } }, { collection: "locks", versionKey: false })
);

export const OneTimeTokenModel = model(
	"OneTimeToken",
	new Schema(
		{
			_id: id, // the token's hash
			kind: { type: String, required: true, enum: LINK_KINDS },
			userId: { type: String, required: true, index: true },
			createdAt: { type: Date, required: true },
			expiresAt: { type: Date, required: true, expires: 0 },
			usedAt: { type: Date, default: null }
		},
		{ collection: "one_time_tokens", versionKey: false }
	)
);

export const LoginThrottleModel = model(
	"LoginThrottle",
	new Schema(
		{
			_id: id, // the address key
			failures: { type: Number, required: true },
			lockedUntil: { type: Date, default: null },
			// Forgotten a day after the last failure.
			updatedAt: { type: Date, required: true, expires: 86_400 }
		},
		{ collection: "login_throttles", versionKey: false }
	)
);

export const NotificationModel = model(
	"Notification",
	new Schema(
		{
			_id: id,
			userId: { type: String, required: true, index: true },
			type: { type: String, required: true },
			title: { type: String, required: true },
			body: { type: String, default: "" },
			createdAt: { type: Date, required: true, index: true },
			readAt: { type: Date, default: null }
		},
		{ collection: "notifications", versionKey: false }
	)
);

export const DeliveryModel = model(
	"Delivery",
	new Schema(
		{
			_id: id,
			to: { type: String, required: true },
			template: { type: String, required: true, enum: EMAIL_TEMPLATES },
			/** Template values (never a token); cleared once sent. */
			data: { type: Schema.Types.Mixed, default: null },
			userId: { type: String, default: null, index: true },
			/** A one-time link whose token is minted only when the e-mail goes out. */
			link: { type: String, enum: [...LINK_KINDS, null], default: null },
			status: { type: String, required: true, enum: DELIVERY_STATUSES, index: true },
			attempts: { type: Number, default: 0 },
			nextAttemptAt: { type: Date, required: true, index: true },
			lockedUntil: { type: Date, default: null },
			lastError: { type: String, default: null },
			createdAt: { type: Date, required: true },
			sentAt: { type: Date, default: null }
		},
		{ collection: "deliveries", versionKey: false }
	)
);

/**
 * auth's outbox: e-mails and in-app notices written before the request is answered and relayed to
 * `notifications` until it has taken them (services/auth/outbox.ts). Never a token: links are minted as
 * the e-mail is sent.
 */
export const OutboxModel = model(
	"OutboxMessage",
	new Schema(
		{
			_id: id, // the idempotency key the message is handed over with
			message: { type: Schema.Types.Mixed, required: true },
			status: { type: String, required: true, enum: ["pending", "refused"], index: true },
			attempts: { type: Number, default: 0 },
			nextAttemptAt: { type: Date, required: true, index: true },
			lockedUntil: { type: Date, default: null },
			lastError: { type: String, default: null },
			createdAt: { type: Date, required: true }
		},
		{ collection: "mail_outbox", versionKey: false, minimize: false }
	)
);

/** A user's TOTP factor (one per user), its secret sealed by services/auth/mfa/secret-box.ts. */
export const MfaFactorModel = model(
	"MfaFactor",
	new Schema(
		{
			_id: id, // the user's id
			secretCiphertext: { type: String, required: true },
			/** The key that sealed the secret: find what still needs re-sealing after a key rotation. */
			keyId: { type: String, required: true, index: true },
			/** Null until the user confirms a first code; an unconfirmed factor is not on. */
			confirmedAt: { type: Date, default: null },
			/** The last TOTP step accepted: a code of this step or an earlier one is refused (used once). */
			lastUsedStep: { type: Number, default: null },
			createdAt: { type: Date, required: true },
			updatedAt: { type: Date, required: true }
		},
		{ collection: "mfa_factors", versionKey: false }
	)
);

export const RecoveryCodeModel = model(
	"RecoveryCode",
	new Schema(
		{
			_id: id, // SHA-256 of the user's id and the code (services/auth/mfa/recovery-codes.ts)
			userId: { type: String, required: true, index: true },
			createdAt: { type: Date, required: true },
			usedAt: { type: Date, default: null }
		},
		{ collection: "recovery_codes", versionKey: false }
	)
);

export const PasskeyModel = model(
	"Passkey",
	new Schema(
		{
			_id: id, // the id clients use (/passkeys/:id); credential IDs are long and the authenticator's
			credentialId: { type: String, required: true, unique: true },
			userId: { type: String, required: true, index: true },
			/** COSE public key, base64url. */
			publicKey: { type: String, required: true },
			counter: { type: Number, required: true },
			transports: { type: [String], default: [] },
			name: { type: String, required: true },
			createdAt: { type: Date, required: true },
			lastUsedAt: { type: Date, default: null }
		},
		{ collection: "passkeys", versionKey: false }
	)
);

/** Logins waiting for their second factor (services/auth/mfa/mfa-token.ts). */
export const MfaChallengeModel = model(
	"MfaChallenge",
	new Schema(
		{
			_id: id, // the mfaToken's hash
			userId: { type: String, required: true, index: true },
			methods: { type: [String], enum: MFA_METHODS, required: true },
			factors: { type: [String], enum: AUTH_FACTORS, required: true },
			createdAt: { type: Date, required: true },
			expiresAt: { type: Date, required: true, expires: 0 },
			attempts: { type: Number, default: 0 },
			spentAt: { type: Date, default: null }
		},
		{ collection: "mfa_challenges", versionKey: false }
	)
);

/** WebAuthn ceremonies in progress, shared by every auth replica (services/auth/mfa/webauthn-challenges.ts). */
export const WebAuthnChallengeModel = model(
	"WebAuthnChallenge",
	new Schema(
		{
			_id: id, // the challenge
			ceremony: { type: String, required: true, enum: WEBAUTHN_CEREMONIES },
			userId: { type: String, default: null },
			createdAt: { type: Date, required: true },
			expiresAt: { type: Date, required: true, expires: 0 }
		},
		{ collection: "webauthn_challenges", versionKey: false }
	)
);

export type AnyModel = Model<never>;

/**
 * What the OpenID Provider keeps (services/auth/oidc/store.ts): sessions, interactions, grants, codes and
 * tokens of oidc-provider, by model and id, with the indexes its adapter looks them up by.
 */
export const OidcRecordModel = model(
	"OidcRecord",
	new Schema(
		{
			_id: id, // "<model>:<id>"
			model: { type: String, required: true },
			payload: { type: Schema.Types.Mixed, required: true },
			grantId: { type: String, default: null, index: true },
			uid: { type: String, default: null, index: true },
			userCode: { type: String, default: null, index: true },
			accountId: { type: String, default: null, index: true },
			clientId: { type: String, default: null, index: true },
			expiresAt: { type: Date, default: null, expires: 0 }
		},
		{ collection: "oidc_records", versionKey: false, minimize: false }
	)
);

/** Relying parties registered by admins; a confidential client's secret only as a SHA-256 hash. */
export const OidcClientModel = model(
	"OidcClient",
	new Schema(
		{
			_id: id, // the client_id
			name: { type: String, required: true },
			type: { type: String, required: true, enum: OIDC_CLIENT_TYPES },
			redirectUris: { type: [String], required: true },
			postLogoutRedirectUris: { type: [String], default: [] },
			secretHash: { type: String, default: null },
			createdAt: { type: Date, required: true, index: true }
		},
		{ collection: "oidc_clients", versionKey: false }
	)
);

/**
 * Sign in with another provider (services/auth/federation): flows waiting for the provider's answer (by the
 * hash of their `state`, bound to the browser by the hash of a cookie) and links waiting for their owner's
 * confirmation by e-mail (one per account). Both short-lived.
 */
export const OidcFlowModel = model(
	"OidcFlow",
	new Schema(
		{
			_id: id,
			kind: { type: String, required: true, enum: ["authorize", "confirm-link"] },
			provider: { type: String, required: true },
			userId: { type: String, default: null, index: true },
			cookieHash: { type: String, default: null },
			nonce: { type: String, default: null },
			codeVerifier: { type: String, default: null },
			next: { type: String, default: null },
			subject: { type: String, default: null },
			email: { type: String, default: null },
			createdAt: { type: Date, required: true },
			expiresAt: { type: Date, required: true, expires: 0 }
		},
		{ collection: "oidc_flows", versionKey: false }
	)
);

/** An account's identities at other providers: one per provider and subject (`identity` is unique). */
export const OidcLinkModel = model(
	"OidcLink",
	new Schema(
		{
			_id: id,
			identity: { type: String, required: true, unique: true }, // "<provider> <subject>"
			userId: { type: String, required: true, index: true },
			provider: { type: String, required: true },
			subject: { type: String, required: true },
			email: { type: String, default: null },
			createdAt: { type: Date, required: true }
		},
		{ collection: "oidc_links", versionKey: false }
	)
);
