// @ts-check
import { $, SESSION_HEADERS, api, linkToken, onSubmit, showError } from "./app.js";
import { finish, wireSecondStep } from "./signin.js";

const form = /** @type {HTMLFormElement} */ ($("#magic-verify-form"));
const token = linkToken();
/** @type {HTMLInputElement} */ (form.elements.namedItem("token")).value = token;
if (!token) {
	showError(form, new Error("This link is incomplete: open the whole link from the e-mail, or ask for a new one."));
	/** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]")).disabled = true;
}

onSubmit(form, values => api("POST", "/auth/magic-link/verify", { token: values.token }, { auth: false, headers: SESSION_HEADERS }).then(finish));
wireSecondStep();
