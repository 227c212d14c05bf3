import { Secret, TOTP } from "otpauth";
import type { Clock } from "../../../lib/clock";

/**
 * TOTP as CONTRACT §4 fixes it (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps, one step of drift either way).
 * Pure functions over a base32 secret; time comes from the injected clock. Storing the secret (encrypted)
 * and the last used step is the caller's: `verify` answers the step a code matched, and a code is accepted
 * only for a step after the last one used, so each code works once.
 */

export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** Steps of clock drift accepted either way. */
export const TOTP_WINDOW = 1;
/** 160 bits: RFC 4226 §4 recommends the HMAC's output size. */
const SECRET_BYTES = 20;

export interface TotpAccount {
	/** Shown in the authenticator app above the account: APP_NAME. */
	issuer: string;
	/** The account's e-mail address. */
	email: string;
}

function totpFor(secretBase32: string, account?: TotpAccount): TOTP {
	return new TOTP({
		issuer: account?.issuer ?? "",
		label: account?.email ?? "",
		algorithm: "SHA1",
		digits: TOTP_DIGITS,
		period: TOTP_PERIOD_SECONDS,
		secret: Secret.fromBase32(secretBase32)
	});
}

/** A fresh random secret, base32 without padding (what authenticator apps take). */
export function generateTotpSecret(): string {
	return new Secret({ size: SECRET_BYTES }).base32;
}

/** The `otpauth://totp/…` URL a QR code carries. */
export function otpauthUrl(secretBase32: string, account: TotpAccount): string {
	return totpFor(secretBase32, account).toString();
}

/** The time step (RFC 6238's T) at a moment. */
export function totpStep(atMs: number): number {
	return Math.floor(atMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code for the current step (tests, and nothing else, need to compute codes). */
export function totpCode(secretBase32: string, clock: Clock): string {
	return totpFor(secretBase32).generate({ timestamp: clock.now() });
}

/** Spaces and dashes are how people group digits; everything else is the code. */
export function normaliseTotpCode(input: string): string {
	return input.replace(/[\s-]/g, "");
}

export interface TotpMatch {
	/** The step the code belongs to; store it as the last used step once the code is accepted. */
	step: number;
}

/**
 * The step `code` matches within the drift window, or null. `lastUsedStep` (the last step accepted for this
 * secret) refuses a code already used and any older one: a replayed code, even within its 90-second life.
 */
export function verifyTotp(secretBase32: string, code: string, clock: Clock, lastUsedStep: number | null = null): TotpMatch | null {
	const token = normaliseTotpCode(code);
	if (!/^\d{6}$/.test(token)) return null;
	const now = clock.now();
	const delta = totpFor(secretBase32).validate({ token, timestamp: now, window: TOTP_WINDOW });
	if (delta === null) return null;
	const step = totpStep(now) + delta;
	if (lastUsedStep !== null && step <= lastUsedStep) return null;
	return { step };
}
