// @ts-check
import { $, SESSION_HEADERS, api, onSubmit, passkeysSupported, refreshSession, safeNext, showFlowMessage } from "./app.js";
import { finish, land, passkeySignIn, wireSecondStep } from "./signin.js";

// Back from another provider whose account has a second factor here: the callback put the short-lived mfaToken
// in the fragment (never sent to a server); it leaves the address bar and history at once.
const fromProvider = new URLSearchParams(location.hash.slice(1));
if (fromProvider.get("mfa")) {
	history.replaceState(null, "", location.pathname + location.search);
	finish({ mfaRequired: true, mfaToken: fromProvider.get("mfa"), methods: (fromProvider.get("methods") ?? "").split(",").filter(Boolean) });
} else {
	// Already signed in (a live session cookie): straight on.
	refreshSession().then(ok => ok && land());
}
showFlowMessage($("#flow-error"), $("#flow-status"));

const next = new URLSearchParams(location.search).get("next");
if (next) {
	// Provider sign-ins come back through the API's callback: hand it the (checked) destination.
	for (const a of document.querySelectorAll("a[data-provider]")) {
		const link = /** @type {HTMLAnchorElement} */ (a);
		link.href = `${link.pathname}?next=${encodeURIComponent(safeNext(next))}`;
	}
	const register = /** @type {HTMLAnchorElement | null} */ (document.querySelector("a[href='/register']"));
	if (register) register.href = `/register?next=${encodeURIComponent(safeNext(next))}`;
}

onSubmit($("#login-form"), values => api("POST", "/auth/login", { email: values.email, password: values.password }, { auth: false, headers: SESSION_HEADERS }).then(finish));

if (passkeysSupported()) onSubmit($("#passkey-form"), () => passkeySignIn().then(finish));
else $("#passkey-section").hidden = true;

onSubmit($("#magic-form"), async values => {
	await api("POST", "/auth/magic-link", { email: values.email }, { auth: false });
	return "If an account uses that address, a sign-in link is on its way. It works once, for 15 minutes.";
});

wireSecondStep();
