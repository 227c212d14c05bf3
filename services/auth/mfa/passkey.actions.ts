/** The passkey actions of the `auth` service (CONTRACT §4); each hands its request to one flow. */
import type { ServiceSchema } from "moleculer";
import { ID_PARAM, LOGIN_EMAIL_PARAM, MFA_TOKEN_PARAM, PASSKEY_NAME_PARAM } from "../../../lib/params";
import { passkeySignInOptions, signInWithPasskey } from "../flows/passkey-sign-in";
import { passkeyRegistrationOptions, registerPasskey, removePasskey, renamePasskey } from "../flows/passkeys";
import { forCaller, withParams, type AuthHost } from "../kit";

/** The browser's answer, checked field by field by ./webauthn-json.ts (413/422) before anything decodes it. */
const WEBAUTHN_RESPONSE_PARAM = { type: "object", openapi: { description: "The PublicKeyCredential in its JSON form (toJSON())" } } as const;

/** The open ones: limited per client IP like the other sign-in routes. */
export const PASSKEY_IP_LIMITED = ["passkeyLoginOptions", "passkeyLogin"];

export const PASSKEY_ACTIONS: ServiceSchema<object, Record<string, never>, object, AuthHost>["actions"] = {
	passkeyRegisterOptions: {
		auth: "required",
		enrolment: true,
		summary: "Begin enrolling a passkey: WebAuthn creation options for navigator.credentials.create",
		handler: forCaller(passkeyRegistrationOptions)
	},
	passkeyRegister: {
		auth: "required",
		enrolment: true,
		summary: "Finish enrolling a passkey; the first second factor also hands out recovery codes",
		params: { name: PASSKEY_NAME_PARAM, response: WEBAUTHN_RESPONSE_PARAM, $$strict: true },
		handler: forCaller(registerPasskey)
	},
	passkeyLoginOptions: {
		summary: "Begin a passkey sign-in: by e-mail, with discoverable credentials (no e-mail), or as the second factor (mfaToken)",
		params: { email: { ...LOGIN_EMAIL_PARAM, optional: true }, mfaToken: { ...MFA_TOKEN_PARAM, optional: true }, $$strict: true },
		handler: withParams(passkeySignInOptions)
	},
	passkeyLogin: {
		summary: "Finish a passkey sign-in: tokens without a password, or the login an mfaToken began",
		params: { challengeId: { type: "string", min: 1, max: 200 }, response: WEBAUTHN_RESPONSE_PARAM, mfaToken: { ...MFA_TOKEN_PARAM, optional: true }, $$strict: true },
		handler: withParams(signInWithPasskey)
	},
	passkeyRename: {
		auth: "required",
		summary: "Rename one of the signed-in user's passkeys",
		params: { id: ID_PARAM, name: { ...PASSKEY_NAME_PARAM, optional: false }, $$strict: true },
		handler: forCaller(renamePasskey)
	},
	passkeyRemove: {
		auth: "required",
		summary: "Remove one of the signed-in user's passkeys",
		params: { id: ID_PARAM },
		handler: forCaller(removePasskey)
	}
};
