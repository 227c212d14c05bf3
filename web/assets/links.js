// @ts-check
/**
 * The pages opened from e-mail links (/verify-email, /reset-password, /confirm-email): nothing happens
 * until the button is pressed (mail scanners open links), then the form's `data-endpoint` gets the token.
 */
import { $, api, linkToken, onSubmit, reveal, showError } from "./app.js";

const form = /** @type {HTMLFormElement} */ ($("#link-form"));
const token = linkToken();
/** @type {HTMLInputElement} */ (form.elements.namedItem("token")).value = token;
if (!token) {
	showError(form, new Error("This link is incomplete: open the whole link from the e-mail, or ask for a new one."));
	/** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]")).disabled = true;
}

onSubmit(form, async values => {
	const answer = await api("POST", /** @type {string} */ (form.dataset.endpoint), values, { auth: false });
	form.hidden = true;
	const field = document.querySelector("#link-done [data-field=email]");
	if (field) field.textContent = answer?.email ?? "";
	reveal($("#link-done"));
});

onSubmit($("#resend-form"), async values => {
	await api("POST", "/auth/verify-email/resend", { email: values.email }, { auth: false });
	return "If that address has an account waiting for confirmation, a new link is on its way.";
});
