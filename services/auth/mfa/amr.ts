import type { Amr, AuthFactor } from "../../../lib/enums";

/**
 * Authentication method references (RFC 8176) for the access token's `amr` claim, from the factors a user
 * showed. Decisions:
 * - a recovery code is `otp`: it is a one-time password, which is what RFC 8176 §2 says `otp` covers;
 * - a passkey is `hwk` plus `mfa`: WebAuthn with user verification required (services/auth/mfa/webauthn.ts)
 *   proves possession of the key and the user's PIN or biometric on the authenticator, two factors in one
 *   gesture. `user` (presence) is left out: every WebAuthn ceremony tests presence and verification says
 *   more, and RFC 8176 has no value for "verified by an unknown method" (`pin`, `fpt`, `face` cannot be told
 *   apart from the assertion);
 * - a magic link is `otp`: a single-use secret sent to the user, like a code by SMS (`sms`) but by e-mail,
 *   for which RFC 8176 has no value; `pwd` would claim a memorised secret nobody typed (README, Magic links);
 * - a sign-in at another OpenID provider (services/auth/federation) is `fed`, which RFC 8176 does not register:
 *   what the provider checked is its own business (its ID token's `amr`, if any, is not carried over);
 * - `mfa` whenever two factors were shown.
 * The values come out in a fixed order (first shown first, `mfa` last), each once.
 */

const AMR_OF: Record<AuthFactor, Amr> = {
	password: "pwd",
	totp: "otp",
	"recovery-code": "otp",
	passkey: "hwk",
	"magic-link": "otp",
	provider: "fed"
};

/** How many authentication factors showing this one proves. */
const FACTOR_WEIGHT: Record<AuthFactor, number> = {
	password: 1,
	totp: 1,
	"recovery-code": 1,
	passkey: 2,
	"magic-link": 1,
	provider: 1
};

export function amrFor(factors: readonly AuthFactor[]): Amr[] {
	const shown = [...new Set(factors)];
	const values = [...new Set(shown.map(f => AMR_OF[f]))];
	const strength = shown.reduce((sum, f) => sum + FACTOR_WEIGHT[f], 0);
	return strength >= 2 ? [...values, "mfa"] : values;
}
