// @ts-check
/**
 * Shared by every page: the API client, the browser session and form helpers.
 *
 * Session (CONTRACT §5): the refresh token lives in an httpOnly cookie the API sets (scoped to
 * /api/v1/auth), asked for with the header `X-Session: cookie` on every call that issues tokens; the access
 * token lives in this module's memory only. A page calls `restoreSession()` on load: POST /auth/refresh with
 * the cookie and no body.
 */

export const API = "/api/v1";
/** Asks the API for a browser session: refresh token in the cookie, not in the body. */
export const SESSION_HEADERS = { "X-Session": "cookie" };

/** @type {string | null} */
let accessToken = null;
/** @type {any} */
let currentUser = null;
/** @type {Promise<boolean> | null} */
let refreshing = null;
const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("session") : null;

export class ApiError extends Error {
	/** @param {number} status @param {any} body @param {number | null} retryAfter */
	constructor(status, body, retryAfter = null) {
		super(body?.message || `The server answered ${status}`);
		this.status = status;
		this.type = body?.type || (status === 0 ? "NETWORK" : "HTTP_" + status);
		this.data = body?.data;
		this.retryAfter = retryAfter;
	}
}

/**
 * Calls the JSON API. With a session, sends the access token and, once, refreshes and retries on 401.
 * @param {string} method
 * @param {string} path below /api/v1
 * @param {any} [body]
 * @param {{ auth?: boolean, retry?: boolean, headers?: Record<string, string> }} [opts]
 * @returns {Promise<any>}
 */
export async function api(method, path, body, opts = {}) {
	const { auth = true, retry = true, headers = {} } = opts;
	/** @type {Record<string, string>} */
	const h = { Accept: "application/json", ...headers };
	/** @type {RequestInit} */
	const init = { method, headers: h, credentials: "same-origin", cache: "no-store" };
	if (body !== undefined) {
		h["Content-Type"] = "application/json";
		init.body = JSON.stringify(body);
	}
	if (auth && accessToken) h.Authorization = `Bearer ${accessToken}`;
	let res;
	try {
		res = await fetch(API + path, init);
	} catch {
		throw new ApiError(0, { message: "The server could not be reached. Check your connection and try again." });
	}
	if (res.status === 401 && auth && retry && accessToken && (await refreshSession())) return api(method, path, body, { ...opts, retry: false });
	const text = await res.text();
	let data;
	try {
		data = text ? JSON.parse(text) : null;
	} catch {
		data = null; // not JSON (a proxy's error page): the status speaks
	}
	if (!res.ok) throw new ApiError(res.status, data, Number(res.headers.get("Retry-After")) || null);
	return data;
}

/** Keeps a token response's access token and user (the refresh token stays in the cookie). @param {any} tokens */
export function takeTokens(tokens) {
	accessToken = tokens?.accessToken ?? null;
	currentUser = tokens?.user ?? currentUser;
}

export const currentSessionUser = () => currentUser;

/** The access token in memory, for calls outside /api/v1 (the OpenID Provider's interaction page). */
export const currentAccessToken = () => accessToken;

/** One refresh at a time per page; other tabs may refresh at once (the API's reuse interval covers it). */
export function refreshSession() {
	refreshing ??= api("POST", "/auth/refresh", undefined, { auth: false, headers: SESSION_HEADERS })
		.then(tokens => (takeTokens(tokens), true))
		.catch(() => ((accessToken = null), false))
		.finally(() => (refreshing = null));
	return refreshing;
}

/**
 * The signed-in user, or a trip to /login (coming back here afterwards).
 * @returns {Promise<any>}
 */
export async function requireSession() {
	if (!(await refreshSession())) {
		location.replace(`/login?next=${encodeURIComponent(location.pathname + location.search + location.hash)}`);
		return new Promise(() => {});
	}
	if (!currentUser) currentUser = await api("GET", "/users/me");
	for (const el of document.querySelectorAll("[data-admin-only]")) /** @type {HTMLElement} */ (el).hidden = !currentUser.roles?.includes("admin");
	channel?.addEventListener("message", ev => {
		if (ev.data === "signed-out") location.replace("/login");
	});
	return currentUser;
}

/** Ends this session (the API clears the cookie) and tells the other tabs. */
export async function signOut() {
	try {
		await api("POST", "/auth/logout", undefined, { headers: SESSION_HEADERS });
	} finally {
		accessToken = null;
		currentUser = null;
		channel?.postMessage("signed-out");
	}
}

/**
 * Where to go after signing in: a same-origin path from `?next=`, else /account. Anything that could
 * leave the origin (`//host`, `/\host`, `https://…`, `javascript:`) is refused.
 * @param {string | null} [raw]
 */
export function safeNext(raw = new URLSearchParams(location.search).get("next")) {
	if (!raw || !raw.startsWith("/") || raw.startsWith("//") || [...raw].some(c => c < " " || c === "\\" || c === "\u007f")) return "/account";
	try {
		const url = new URL(raw, location.origin);
		if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return "/account";
		return url.pathname + url.search + url.hash;
	} catch {
		return "/account";
	}
}

/**
 * What a sign-in through another provider came back with (`?error=<code>` or `?notice=<code>`, set by the
 * API's callback: services/auth/federation/flow.ts), in words.
 * @type {Record<string, string>}
 */
export const FLOW_MESSAGES = {
	access_denied: "The sign-in at the provider was cancelled. Try again, or sign in another way.",
	provider_error: "The provider could not sign you in. Try again, or sign in another way.",
	flow_missing: "This sign-in was started in another browser or has expired. Start again from this page.",
	invalid_state: "This sign-in link has expired or was already used. Start again from this page.",
	token_rejected: "The provider's answer could not be verified, so you were not signed in. Start again.",
	email_unverified: "The provider did not confirm an e-mail address for your account there, so no account can be made from it. Verify your address at the provider, or sign in another way.",
	account_disabled: "This account is disabled.",
	identity_linked: "That account at the provider is already linked to another account here.",
	oidc_confirm: "An account with this e-mail address already exists. We sent it an e-mail: open the link in it to link the provider and sign in."
};

/** Shows `?error=` / `?notice=` of a provider sign-in in this page's alert or status element; true if there was one. */
export function showFlowMessage(/** @type {HTMLElement} */ alertEl, /** @type {HTMLElement} */ statusEl) {
	const query = new URLSearchParams(location.search);
	const error = query.get("error");
	const notice = query.get("notice");
	if (error) alertEl.textContent = FLOW_MESSAGES[error] ?? "Signing in with the provider did not work. Try again.";
	if (notice) statusEl.textContent = FLOW_MESSAGES[notice] ?? "";
	return !!(error || notice);
}

/** The `token` of a page opened from an e-mail link. */
export const linkToken = () => new URLSearchParams(location.search).get("token") ?? "";

// ---- Messages --------------------------------------------------------------------------------------

const MESSAGES = {
	INVALID_CREDENTIALS: "The e-mail address or password is wrong.",
	EMAIL_NOT_VERIFIED: "Confirm your e-mail address first: open the link we sent you, or ask for a new one on the confirmation page.",
	ACCOUNT_DISABLED: "This account is disabled. Contact the administrators.",
	EMAIL_TAKEN: "That e-mail address is already in use.",
	WEAK_PASSWORD: "That password is too common or too easy to guess. Choose another.",
	INVALID_TOKEN: "This link is invalid or has expired. Ask for a new one.",
	INVALID_MFA_CODE: "That code is wrong or was already used.",
	MFA_REQUIRED: "Enter the code from your authenticator app too.",
	LAST_ADMIN: "This is the last active administrator: that change would leave nobody to administer.",
	UNAUTHORIZED: "Your session has ended. Sign in again.",
	FORBIDDEN: "You are not allowed to do that.",
	NETWORK: "The server could not be reached. Check your connection and try again.",
	SERVICE_UNAVAILABLE: "The service is busy. Try again in a moment."
};

/** A sentence for the person in front of the page. @param {any} err */
export function describeError(err) {
	if (err instanceof ApiError) {
		if (err.type === "TOO_MANY_ATTEMPTS" || err.type === "RATE_LIMITED") {
			return `Too many attempts. Try again${err.retryAfter ? ` in ${Math.ceil(err.retryAfter / 60) > 1 ? `${Math.ceil(err.retryAfter / 60)} minutes` : `${err.retryAfter} seconds`}` : " later"}.`;
		}
		if (err.type === "VALIDATION_ERROR" && Array.isArray(err.data) && err.data.length) return err.data.map(d => d.message).join(" ");
		if (err.status === 404 && err.type === "HTTP_404") return "This server does not offer that yet.";
		// A refused access token (the session was ended elsewhere); an e-mail link's bad token is a 400.
		if (err.status === 401 && err.type === "INVALID_TOKEN") return MESSAGES.UNAUTHORIZED;
		return /** @type {Record<string, string>} */ (MESSAGES)[err.type] ?? err.message;
	}
	if (err && err.name === "NotAllowedError") return "The passkey request was cancelled or timed out.";
	return err?.message || "Something went wrong.";
}

// ---- Forms -----------------------------------------------------------------------------------------

/** @param {HTMLElement} root @param {string} selector */
const within = (root, selector) => /** @type {HTMLElement | null} */ (root.querySelector(selector));

/** Shows an error in the form's role="alert" element and marks the fields it names. @param {HTMLElement} form @param {any} err */
export function showError(form, err) {
	const alert = within(form, "[role=alert]");
	if (alert) alert.textContent = describeError(err);
	if (err instanceof ApiError && Array.isArray(err.data)) {
		let first = null;
		for (const d of err.data) {
			const field = /** @type {HTMLInputElement | null} */ (form.querySelector(`[name="${CSS.escape(String(d.field ?? ""))}"]`));
			if (field) {
				field.setAttribute("aria-invalid", "true");
				first ??= field;
			}
		}
		first?.focus();
	}
}

/** @param {HTMLElement} form @param {string} text */
export function showStatus(form, text) {
	const status = within(form, "[role=status]");
	if (status) status.textContent = text;
}

/** @param {HTMLElement} form */
function clearMessages(form) {
	for (const el of form.querySelectorAll("[role=alert], [role=status]")) el.textContent = "";
	for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

/**
 * The form's fields as the API's body: names are the API's field names; empty optional fields are left
 * out; checkboxes sharing a name become an array.
 * @param {HTMLFormElement} form
 */
export function formValues(form) {
	/** @type {Record<string, any>} */
	const out = {};
	for (const el of /** @type {any[]} */ ([...form.elements])) {
		if (!el.name || el.disabled || el.type === "submit" || el.type === "button" || el.closest("[hidden]")) continue;
		if (el.type === "checkbox") {
			if (form.querySelectorAll(`input[type=checkbox][name="${CSS.escape(el.name)}"]`).length > 1) (out[el.name] ??= []).push(...(el.checked ? [el.value] : []));
			else out[el.name] = el.checked;
		} else if (el.value !== "" || el.type === "hidden") out[el.name] = el.type === "email" ? el.value.trim() : el.value;
	}
	return out;
}

/**
 * Runs `handler(values)` on submit: required fields checked first, the button disabled meanwhile, an
 * error shown in the role="alert" element, a returned string shown in role="status".
 * @param {HTMLFormElement | null} form
 * @param {(values: Record<string, any>, form: HTMLFormElement) => Promise<string | void>} handler
 */
export function onSubmit(form, handler) {
	if (!form) return;
	form.addEventListener("submit", async ev => {
		ev.preventDefault();
		clearMessages(form);
		const missing = /** @type {HTMLInputElement[]} */ ([...form.querySelectorAll("[required]")]).filter(el => !el.closest("[hidden]") && !el.checkValidity());
		if (missing.length) {
			for (const el of missing) el.setAttribute("aria-invalid", "true");
			const alert = within(form, "[role=alert]");
			if (alert) alert.textContent = missing.map(el => fieldProblem(el)).join(" ");
			missing[0].focus();
			return;
		}
		const button = /** @type {HTMLButtonElement | null} */ (form.querySelector("button[type=submit]"));
		if (button) button.disabled = true;
		form.setAttribute("aria-busy", "true");
		try {
			const message = await handler(formValues(form), form);
			if (message) showStatus(form, message);
		} catch (err) {
			showError(form, err);
		} finally {
			if (button) button.disabled = false;
			form.removeAttribute("aria-busy");
		}
	});
}

/** @param {HTMLInputElement} el */
function fieldProblem(el) {
	const label = el.labels?.[0]?.textContent?.replace(/\(optional\)/, "").trim() || el.name;
	if (el.validity.valueMissing) return el.type === "checkbox" ? `Tick “${label}”.` : `Fill in “${label}”.`;
	if (el.validity.typeMismatch) return `“${label}” is not a valid ${el.type === "email" ? "e-mail address" : "value"}.`;
	if (el.validity.tooShort) return `“${label}” needs at least ${el.minLength} characters.`;
	return `Check “${label}”.`;
}

// ---- Small DOM helpers -------------------------------------------------------------------------------

/** @param {string} selector @returns {any} */
export const $ = selector => document.querySelector(selector);

/**
 * Creates an element with text (never HTML) and attributes.
 * @param {string} tag
 * @param {Record<string, string | boolean>} [attrs]
 * @param {(Node | string)[]} [children]
 */
export function el(tag, attrs = {}, children = []) {
	const node = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (v === false) continue;
		node.setAttribute(k, v === true ? "" : v);
	}
	node.append(...children);
	return node;
}

/** A readable local time for an ISO string (or a dash). @param {string | null | undefined} iso */
export function when(iso) {
	if (!iso) return "—";
	const d = new Date(iso);
	return isNaN(d.getTime()) ? "—" : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** Copies each column's header text to its cells (`data-label`), for the stacked layout on phones. @param {HTMLTableElement} table */
export function labelCells(table) {
	const heads = [...table.querySelectorAll("thead th")].map(th => (th.querySelector(".visually-hidden") ? "" : (th.textContent?.trim() ?? "")));
	for (const row of table.querySelectorAll("tbody tr")) [...row.children].forEach((cell, i) => cell.setAttribute("data-label", row.children.length > 1 ? (heads[i] ?? "") : ""));
}

/** Shows one element, moves focus to it (for screen readers and keyboards). @param {HTMLElement} node */
export function reveal(node) {
	node.hidden = false;
	const target = /** @type {HTMLElement} */ (node.matches("[tabindex]") ? node : node.querySelector("[tabindex='-1']") ?? node);
	target.focus();
}

// ---- WebAuthn (JSON forms as @simplewebauthn/server speaks them) ---------------------------------------

/** @param {string} s */
export function fromBase64url(s) {
	const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
	return Uint8Array.from(bin, c => c.charCodeAt(0)).buffer;
}

/** @param {ArrayBuffer | null | undefined} buf */
export function toBase64url(buf) {
	if (!buf) return undefined;
	return btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export const passkeysSupported = () => typeof window.PublicKeyCredential === "function" && !!navigator.credentials;

/** @param {any} c */
const descriptor = c => ({ ...c, id: fromBase64url(c.id) });

/** Registration ceremony: creation options JSON in, RegistrationResponseJSON out. @param {any} options */
export async function createPasskey(options) {
	const publicKey = {
		...options,
		challenge: fromBase64url(options.challenge),
		user: { ...options.user, id: fromBase64url(options.user.id) },
		excludeCredentials: (options.excludeCredentials ?? []).map(descriptor)
	};
	const cred = /** @type {any} */ (await navigator.credentials.create({ publicKey }));
	if (typeof cred.toJSON === "function") return cred.toJSON();
	return {
		id: cred.id,
		rawId: toBase64url(cred.rawId),
		type: cred.type,
		authenticatorAttachment: cred.authenticatorAttachment ?? undefined,
		clientExtensionResults: cred.getClientExtensionResults(),
		response: {
			clientDataJSON: toBase64url(cred.response.clientDataJSON),
			attestationObject: toBase64url(cred.response.attestationObject),
			transports: cred.response.getTransports?.() ?? []
		}
	};
}

/** Authentication ceremony: request options JSON in, AuthenticationResponseJSON out. @param {any} options */
export async function getPasskey(options) {
	const publicKey = { ...options, challenge: fromBase64url(options.challenge), allowCredentials: (options.allowCredentials ?? []).map(descriptor) };
	const cred = /** @type {any} */ (await navigator.credentials.get({ publicKey }));
	if (typeof cred.toJSON === "function") return cred.toJSON();
	return {
		id: cred.id,
		rawId: toBase64url(cred.rawId),
		type: cred.type,
		authenticatorAttachment: cred.authenticatorAttachment ?? undefined,
		clientExtensionResults: cred.getClientExtensionResults(),
		response: {
			clientDataJSON: toBase64url(cred.response.clientDataJSON),
			authenticatorData: toBase64url(cred.response.authenticatorData),
			signature: toBase64url(cred.response.signature),
			userHandle: toBase64url(cred.response.userHandle)
		}
	};
}
