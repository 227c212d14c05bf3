/**
 * Parameter rules (fastest-validator) that several actions share, so a limit is stated once. The
 * OpenAPI generator reads the same rules; `openapi` on a rule adds what the schema should also say
 * (a limit enforced by a policy after validation, an example).
 */
import { ROLES, USER_STATUSES } from "./enums";
import { LOCALE_PATTERN, USER_LIMITS } from "./user-schema";

/** Trimmed and lower-cased by the validator before it checks the format. */
export const EMAIL_PARAM = { type: "email", normalize: true, max: USER_LIMITS.email, openapi: { examples: ["ada@example.com"] } } as const;

/** An address as typed at login: looked up, never stored, so only bounded. */
export const LOGIN_EMAIL_PARAM = { type: "string", max: 320, openapi: { format: "email", examples: ["ada@example.com"] } } as const;

/** A password being checked (login, re-authentication): only bounded, so that hashing stays cheap. */
export const PASSWORD_PARAM = { type: "string", max: 1024 } as const;

/**
 * A new password. Its length (8 to 128) and strength are judged by the password policy (WEAK_PASSWORD, with
 * the reason), so the validator only bounds the work; the document states the real rule.
 */
export const NEW_PASSWORD_PARAM = { type: "string", max: 1024, openapi: { minLength: 8, maxLength: 128 } } as const;

/** A token from an e-mail link or a refresh token. */
export const TOKEN_PARAM = { type: "string", min: 1, max: 512 } as const;

/**
 * A TOTP code as typed: 6 digits, optionally grouped 3+3 by a space or dash (anything else is 422 before any
 * check; a well-formed wrong code is INVALID_MFA_CODE).
 */
export const TOTP_CODE_PARAM = { type: "string", trim: true, pattern: /^\d{3}[ -]?\d{3}$/, openapi: { examples: ["123456"] } } as const;

/** A recovery code as handed out (`xxxx-xxxx-xxxx`), in any case, with or without the dashes. */
export const RECOVERY_CODE_PARAM = { type: "string", trim: true, pattern: /^[0-9A-Za-z]{4}[ -]?[0-9A-Za-z]{4}[ -]?[0-9A-Za-z]{4}$/, openapi: { examples: ["7h2k-9qmx-4d1p"] } } as const;

/**
 * The mfaToken of a login's second step. Long enough that any token a client may mix it up with (an access
 * token, a refresh token) is looked up and refused as 401 INVALID_TOKEN rather than a 422.
 */
export const MFA_TOKEN_PARAM = { type: "string", min: 1, max: 4096 } as const;

/** An id in a path. */
export const ID_PARAM = { type: "string", min: 1, max: 100 } as const;

export const DISPLAY_NAME_PARAM = { type: "string", max: USER_LIMITS.displayName, trim: true, optional: true, openapi: { examples: ["Ada"] } } as const;
export const LOCALE_PARAM = { type: "string", max: USER_LIMITS.locale, pattern: LOCALE_PATTERN, optional: true, openapi: { examples: ["en-GB"] } } as const;
export const ROLES_PARAM = { type: "array", items: { type: "enum", values: [...ROLES] }, min: 1, max: 2, optional: true } as const;
export const STATUS_PARAM = { type: "enum", values: [...USER_STATUSES], optional: true } as const;

/** Paging of every list: `page` from 1, `pageSize` at most 100. */
export const PAGING_PARAMS = {
	page: { type: "number", integer: true, min: 1, max: 1_000_000, convert: true, default: 1 },
	pageSize: { type: "number", integer: true, min: 1, max: 100, convert: true, default: 20 }
} as const;

/** A passkey's name, as its owner calls it (e.g. "Laptop"); trimmed, optional when enrolling. */
export const PASSKEY_NAME_PARAM = { type: "string", max: 64, trim: true, optional: true, openapi: { examples: ["Laptop"] } } as const;
