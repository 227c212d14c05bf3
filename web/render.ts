/**
 * The hosted pages (CONTRACT §5) as HTML strings: each page is a fragment in web/pages/<name>.html wrapped
 * in one layout. Rendering happens once, when the handler is created; pages carry no user data (the page's
 * module fetches it with the session), only configuration: the sign-in providers and whether magic links
 * are on. Fragments may include another with `{{> name}}` and use `{{appName}}`, `{{providers}}`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface Provider {
	/** The `id` of an `OIDC_PROVIDERS` entry: its sign-in starts at /api/v1/auth/oidc/:id/start. */
	id: string;
	name: string;
}

export interface PageOptions {
	appName?: string;
	providers?: Provider[];
	magicLink?: boolean;
}

export interface PageSpec {
	/** Fragment in web/pages/ and module in web/assets/ (without extension). */
	name: string;
	script: string;
	title: string;
	/** Pages of a signed-in user get the account navigation. */
	signedIn?: boolean;
}

export const PAGES: Record<string, PageSpec> = {
	"/login": { name: "login", script: "login", title: "Sign in" },
	"/register": { name: "register", script: "register", title: "Create an account" },
	"/forgot-password": { name: "forgot-password", script: "forgot-password", title: "Forgot your password?" },
	"/verify-email": { name: "verify-email", script: "links", title: "Confirm your e-mail address" },
	"/reset-password": { name: "reset-password", script: "links", title: "Choose a new password" },
	"/confirm-email": { name: "confirm-email", script: "links", title: "Confirm your new e-mail address" },
	"/magic-link": { name: "magic-link", script: "magic-link", title: "Sign in with your link" },
	"/oidc-link": { name: "oidc-link", script: "oidc-link", title: "Link a sign-in provider" },
	"/account": { name: "account", script: "account", title: "Your account", signedIn: true },
	"/admin": { name: "admin", script: "admin", title: "Administration", signedIn: true }
};

/**
 * The page that runs an OpenID Provider interaction (sign-in and consent for another app): served by the
 * provider under `${issuer}/interaction/:uid` (services/api/oidc/handler.ts), not at a path of its own.
 */
export const INTERACTION_PAGE: PageSpec = { name: "authorize", script: "authorize", title: "Sign in to an app" };

export function escapeHtml(value: string): string {
	return value.replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

function fragment(pagesDir: string, name: string, depth = 0): string {
	if (!/^[a-z-]+$/.test(name) || depth > 3) throw new Error(`Bad page fragment ${name}`);
	const text = readFileSync(join(pagesDir, `${name}.html`), "utf8");
	return text.replace(/\{\{>\s*([a-z-]+)\s*\}\}/g, (_m, inner: string) => fragment(pagesDir, inner, depth + 1));
}

function providerLinks(providers: Provider[]): string {
	if (providers.length === 0) return "";
	const items = providers
		.map(p => `<li><a class="button secondary" data-provider href="/api/v1/auth/oidc/${encodeURIComponent(p.id)}/start">Continue with ${escapeHtml(p.name)}</a></li>`)
		.join("\n");
	return `<section aria-labelledby="providers-title" class="card">\n<h2 id="providers-title">Other ways to sign in</h2>\n<ul class="providers">\n${items}\n</ul>\n</section>`;
}

function layout(spec: PageSpec, appName: string, body: string): string {
	const nav = spec.signedIn
		? `<nav aria-label="Main"><ul>
<li><a href="/account"${spec.name === "account" ? ' aria-current="page"' : ""}>Account</a></li>
<li data-admin-only hidden><a href="/admin"${spec.name === "admin" ? ' aria-current="page"' : ""}>Administration</a></li>
</ul></nav>`
		: "";
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(spec.title)} · ${escapeHtml(appName)}</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/app.css">
<script type="module" src="/assets/${spec.script}.js"></script>
</head>
<body data-page="${spec.name}">
<a class="skip" href="#main">Skip to the content</a>
<header class="top">
<a class="brand" href="/">${escapeHtml(appName)}</a>
${nav}
</header>
<main id="main" tabindex="-1">
${body}
</main>
</body>
</html>
`;
}

/** One page's HTML. */
export function renderPage(pagesDir: string, spec: PageSpec, options: PageOptions = {}): string {
	const appName = options.appName ?? "User backend";
	let body = fragment(pagesDir, spec.name)
		.replace(/\{\{appName\}\}/g, escapeHtml(appName))
		.replace(/\{\{providers\}\}/g, providerLinks(options.providers ?? []));
	if (options.magicLink === false) body = body.replace(/<!-- magic-link -->[\s\S]*?<!-- \/magic-link -->/g, "");
	return layout(spec, appName, body);
}

/** Every page's HTML by path. */
export function renderPages(pagesDir: string, options: PageOptions = {}): Map<string, string> {
	const out = new Map<string, string>();
	for (const [path, spec] of Object.entries(PAGES)) out.set(path, renderPage(pagesDir, spec, options));
	return out;
}
