/**
 * The OpenID Provider's own pages, server-rendered in the hosted pages' look (web/assets/app.css) and without
 * script: errors, the logout question (oidc-provider's form, which it may post itself with an inline script
 * whose hash it adds to the CSP) and the signed-out page. Sign-in and consent are a hosted page
 * (web/pages/authorize.html), served by ./handler.ts.
 */
const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value: unknown): string {
	return String(value ?? "").replace(/[&<>"']/g, c => ESCAPES[c]);
}

export interface OidcPages {
	errorPage(error: string, description?: string): string;
	logoutPage(form: string): string;
	loggedOutPage(): string;
}

export function oidcPages(appName = "User backend"): OidcPages {
	const page = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)} · ${escapeHtml(appName)}</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/app.css">
</head>
<body data-page="oidc">
<header class="top"><a class="brand" href="/">${escapeHtml(appName)}</a></header>
<main id="main">
<h1>${escapeHtml(title)}</h1>
<section class="card">
${body}
</section>
</main>
</body>
</html>`;

	return {
		errorPage: (error, description) =>
			page(
				"Sign-in could not continue",
				`<p role="alert" class="error"><strong>${escapeHtml(error)}</strong>${description ? `: ${escapeHtml(description)}` : ""}</p>
<p class="links">Go back to the app and start again, or open <a href="/account">your account</a>.</p>`
			),
		logoutPage: form =>
			page(
				"Sign out?",
				`${form}
<p>Sign out of the apps that use your ${escapeHtml(appName)} account in this browser?</p>
<div class="actions">
<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>
</div>`
			),
		loggedOutPage: () => page("Signed out", `<p>You are signed out.</p>\n<p class="links"><a href="/login">Sign in again</a></p>`)
	};
}
