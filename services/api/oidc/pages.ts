/**
 * The OpenID Provider's own pages, server-rendered (no script, so the gateway's CSP holds): sign-in and
 * consent during an interaction, the logout question, errors. Until the hosted pages (web/) take the
 * interactions over, these are what a user sees between a client app and its callback.
 */
const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value: unknown): string {
	return String(value ?? "").replace(/[&<>"']/g, c => ESCAPES[c]);
}

function page(title: string, body: string): string {
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body><main><h1>${escapeHtml(title)}</h1>
${body}
</main></body></html>`;
}

const alert = (message?: string) => (message ? `<p role="alert">${escapeHtml(message)}</p>` : "");

export function signInPage(action: string, clientName: string, opts: { email?: string; error?: string } = {}): string {
	return page(
		"Sign in",
		`<p>Sign in to continue to <strong>${escapeHtml(clientName)}</strong>.</p>
${alert(opts.error)}
<form method="post" action="${escapeHtml(action)}">
<p><label for="email">E-mail address</label> <input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(opts.email)}"></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p>
</form>`
	);
}

const SCOPE_TEXT: Record<string, string> = {
	openid: "know who you are",
	profile: "see your name",
	email: "see your e-mail address and whether it is verified",
	offline_access: "stay signed in when you are away"
};

export function consentPage(confirm: string, abort: string, clientName: string, scopes: string[]): string {
	const items = scopes.map(s => `<li>${escapeHtml(SCOPE_TEXT[s] ?? s)}</li>`).join("");
	return page(
		"Allow access?",
		`<p><strong>${escapeHtml(clientName)}</strong> asks to:</p>
<ul>${items}</ul>
<form method="post" action="${escapeHtml(confirm)}"><button type="submit">Allow</button></form>
<form method="post" action="${escapeHtml(abort)}"><button type="submit" name="deny" value="1">Deny</button></form>`
	);
}

export function errorPage(error: string, description?: string): string {
	return page("Sign-in could not continue", `<p role="alert"><strong>${escapeHtml(error)}</strong>${description ? `: ${escapeHtml(description)}` : ""}</p>`);
}

/** oidc-provider's logout question: its form (with its CSRF token) and our buttons. */
export function logoutPage(form: string): string {
	return page(
		"Sign out?",
		`${form}
<p><button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button></p>
<p><button type="submit" form="op.logoutForm">No, stay signed in</button></p>`
	);
}

export function loggedOutPage(): string {
	return page("Signed out", "<p>You are signed out.</p>");
}
