/**
 * The second-factor actions of the `auth` service (CONTRACT §4): TOTP and recovery codes, finishing a login
 * with a code, and the admin's reset. Spread into the service like the audit actions; each hands its request
 * to one flow (../flows/mfa-enrolment.ts, ../flows/login-mfa.ts).
 */
import type { ServiceSchema } from "moleculer";
import { IDEMPOTENT } from "../../../lib/fault-tolerance";
import { ID_PARAM, MFA_TOKEN_PARAM, PASSWORD_PARAM, RECOVERY_CODE_PARAM, TOTP_CODE_PARAM } from "../../../lib/params";
import { logInWithCode } from "../flows/login-mfa";
import { confirmTotp, disableTotp, renewRecoveryCodes, resetFactors, setUpTotp, showFactors } from "../flows/mfa-enrolment";
import { forCaller, withParams, type AuthHost } from "../kit";

export const MFA_ACTIONS: ServiceSchema<object, Record<string, never>, object, AuthHost>["actions"] = {
	mfaStatus: {
		...IDEMPOTENT,
		auth: "required",
		enrolment: true,
		summary: "The signed-in user's second factors (never a secret)",
		handler: forCaller(showFactors)
	},

	totpSetup: {
		auth: "required",
		enrolment: true,
		summary: "Begin setting up TOTP: a new secret, shown this once; on only after /mfa/totp/confirm",
		params: { password: PASSWORD_PARAM, $$strict: true },
		handler: forCaller(setUpTotp)
	},

	totpConfirm: {
		auth: "required",
		enrolment: true,
		summary: "Turn TOTP on with a first code; the first second factor comes with 10 recovery codes (shown this once)",
		params: { code: TOTP_CODE_PARAM, $$strict: true },
		handler: forCaller(confirmTotp)
	},

	totpDisable: {
		auth: "required",
		summary: "Turn TOTP off, with the password and a current code",
		params: { password: PASSWORD_PARAM, code: TOTP_CODE_PARAM, $$strict: true },
		handler: forCaller(disableTotp)
	},

	renewRecoveryCodes: {
		auth: "required",
		summary: "Ten new recovery codes (shown this once); the previous ones stop working",
		params: { password: PASSWORD_PARAM, $$strict: true },
		handler: forCaller(renewRecoveryCodes)
	},

	loginMfa: {
		summary: "Finish a sign-in with a TOTP code or a recovery code and the mfaToken from /login",
		params: { mfaToken: MFA_TOKEN_PARAM, code: { ...TOTP_CODE_PARAM, optional: true }, recoveryCode: { ...RECOVERY_CODE_PARAM, optional: true }, $$strict: true },
		handler: withParams(logInWithCode)
	},

	resetMfa: {
		roles: ["admin"],
		summary: "Remove every second factor of a user (TOTP, recovery codes, passkeys) (admin)",
		params: { id: ID_PARAM },
		handler: withParams(resetFactors)
	}
};
