// @ts-check
/**
 * The end of every sign-in (password, passkey, magic link): a token response lands on `next`; an
 * `{mfaRequired, mfaToken, methods}` answer shows the second step (CONTRACT §4).
 *
 * A passkey as the second factor after a password is proposed as POST /auth/passkeys/login/options
 * `{mfaToken}` then POST /auth/passkeys/login/verify `{challengeId, response, mfaToken}` (issue 10 leaves
 * the route to define).
 */
import { $, SESSION_HEADERS, api, getPasskey, onSubmit, passkeysSupported, reveal, safeNext } from "./app.js";

/** @type {string | null} */
let mfaToken = null;

/** After a token response: go to `?next=` (same origin only) or /account. */
export function land() {
	location.assign(safeNext());
}

/** @param {any} answer a token response, or the second-step request */
export function finish(answer) {
	if (!answer?.mfaRequired) return land();
	mfaToken = answer.mfaToken;
	const methods = /** @type {string[]} */ (answer.methods ?? ["totp", "recovery"]);
	$("#mfa-code-form").hidden = !methods.includes("totp");
	$("#mfa-recovery").hidden = !methods.includes("recovery");
	$("#mfa-passkey-form").hidden = !(methods.includes("passkey") && passkeysSupported());
	$("#signin-step").hidden = true;
	reveal($("#mfa-step"));
	const first = /** @type {HTMLInputElement | null} */ (document.querySelector("#mfa-step form:not([hidden]) input"));
	first?.focus();
}

/** Signs in with a discoverable passkey (no e-mail), or as the second factor when `mfaToken` is given. */
export async function passkeySignIn(second = false) {
	const body = second ? { mfaToken } : {};
	const { challengeId, options } = await api("POST", "/auth/passkeys/login/options", body, { auth: false });
	const response = await getPasskey(options);
	return api("POST", "/auth/passkeys/login/verify", { challengeId, response, ...body }, { auth: false, headers: SESSION_HEADERS });
}

export function wireSecondStep() {
	const second = (/** @type {Record<string, string>} */ values) => api("POST", "/auth/login/mfa", { mfaToken, ...values }, { auth: false, headers: SESSION_HEADERS }).then(land);
	onSubmit($("#mfa-code-form"), values => second({ code: values.code.replace(/\s+/g, "") }));
	onSubmit($("#mfa-recovery-form"), values => second({ recoveryCode: values.recoveryCode.trim() }));
	onSubmit($("#mfa-passkey-form"), () => passkeySignIn(true).then(land));
}
