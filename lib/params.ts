/** Parameter rules (fastest-validator) that several actions share. */

/** Trimmed and lower-cased by the validator before it checks the format. */
export const EMAIL_PARAM = { type: "email", normalize: true, max: 254 } as const;

/** Length and strength are judged by the password policy (WEAK_PASSWORD); the schema only bounds the work. */
export const PASSWORD_PARAM = { type: "string", max: 1024 } as const;

/** A token from an e-mail link or a refresh token. */
export const TOKEN_PARAM = { type: "string", min: 1, max: 512 } as const;
