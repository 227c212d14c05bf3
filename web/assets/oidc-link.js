// @ts-check
/** The e-mailed confirmation that another provider may sign in to this account (README, Sign in with another provider). */
import { $, SESSION_HEADERS, api, linkToken, onSubmit, showError } from "./app.js";
import { finish, wireSecondStep } from "./signin.js";

const form = /** @type {HTMLFormElement} */ ($("#oidc-link-form"));
const token = linkToken();
/** @type {HTMLInputElement} */ (form.elements.namedItem("token")).value = token;
if (!token) {
	showError(form, new Error("This link is incomplete: open the whole link from the e-mail, or sign in with the provider again."));
	/** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]")).disabled = true;
}

onSubmit(form, values => api("POST", "/auth/oidc/links/confirm", { token: values.token }, { auth: false, headers: SESSION_HEADERS }).then(finish));
wireSecondStep();
