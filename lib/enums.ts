/**
 * Every closed set of values, once: parameter rules, mongoose models, the OpenAPI document and the tests
 * all take their lists from here.
 */
export const ROLES = ["user", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const USER_STATUSES = ["active", "disabled"] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** E-mails that carry a one-time link. */
export const LINK_KINDS = ["verify-email", "password-reset", "email-change", "magic-link", "oidc-link"] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

/** What a spent token was: a refresh token, or the token of a one-time link. */
export const SPENT_TOKEN_KINDS = ["refresh", ...LINK_KINDS] as const;
export type SpentTokenKind = (typeof SPENT_TOKEN_KINDS)[number];

export const EMAIL_TEMPLATES = [
	"verify-email",
	"email-change",
	"email-change-notice",
	"welcome",
	"password-reset",
	"password-changed",
	"sessions-ended",
	"account-deleted",
	// Second factors (services/auth/mfa/notices.ts): enrolled, removed, reset by an admin, recovery codes.
	"mfa-enabled",
	"mfa-disabled",
	"mfa-reset",
	"recovery-code-used",
	"recovery-codes-renewed",
	"mfa-passkey-added",
	"mfa-passkey-removed",
	"magic-link",
	// Sign in with another provider (services/auth/federation): confirm a link by e-mail; a link was added.
	"oidc-link",
	"oidc-linked"
] as const;
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

/** `cancelled`: the one-time link an e-mail was to carry is no longer wanted (e.g. already verified). */
export const DELIVERY_STATUSES = ["pending", "sent", "failed", "cancelled"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const AUDIT_OUTCOMES = ["success", "failure"] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** Second factors a login can be finished with (CONTRACT §4, `methods` of the mfaRequired answer). */
export const MFA_METHODS = ["totp", "recovery", "passkey"] as const;
export type MfaMethod = (typeof MFA_METHODS)[number];

/** What a user showed to sign in; services/auth/mfa/amr.ts turns them into `amr` claims. */
export const AUTH_FACTORS = ["password", "totp", "recovery-code", "passkey", "magic-link", "provider"] as const;
export type AuthFactor = (typeof AUTH_FACTORS)[number];

/** Authentication method references (RFC 8176) the access tokens carry. */
/** `fed`: signed in at another OpenID provider (services/auth/mfa/amr.ts). */
export const AMR_VALUES = ["pwd", "otp", "hwk", "mfa", "fed"] as const;
export type Amr = (typeof AMR_VALUES)[number];

/** The two WebAuthn ceremonies a stored challenge belongs to. */
export const WEBAUTHN_CEREMONIES = ["registration", "authentication"] as const;
export type WebAuthnCeremony = (typeof WEBAUTHN_CEREMONIES)[number];

/** OpenID Connect clients: a confidential one authenticates with its secret, a public one with PKCE alone. */
export const OIDC_CLIENT_TYPES = ["confidential", "public"] as const;
export type OidcClientType = (typeof OIDC_CLIENT_TYPES)[number];
