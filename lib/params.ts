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
