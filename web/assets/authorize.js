// @ts-check
/**
 * Signing in to another app (the OpenID Provider's interaction, ${issuer}/interaction/:uid): this page is
 * the browser's session on the hosted pages. Signed out, it sends the browser to /login (every second factor
 * and passkey works there) and comes back; signed in, it offers "Continue" (or "Use another account") the
 * first time in this browser and goes on by itself afterwards (the provider's session is that user's), then
 * the consent question. Each step is posted to this page's own path with the access token; the answer says
 * where the browser goes next (on to the app, or to the next step). When the app asks for a fresh sign-in
 * (prompt=login, max_age) and this session's is older, the page signs out and back in first.
 */
import { $, currentAccessToken, currentSessionUser, describeError, onSubmit, refreshSession, reveal, signOut } from "./app.js";

const here = location.pathname;
const uid = here.slice(here.lastIndexOf("/") + 1);
/** Set before leaving for /login: coming back to this interaction, the user has just signed in for it. */
const RETURN_FLAG = "oidc-interaction";

/** What each scope lets the app do, in the user's words. */
const SCOPE_TEXT = /** @type {Record<string, string>} */ ({
	openid: "know who you are",
	profile: "see your name",
	email: "see your e-mail address and whether it is verified",
	offline_access: "stay signed in when you are away"
});

/**
 * A step of this interaction: JSON in and out; a refusal `{error, error_description}` is thrown.
 * @param {"GET" | "POST"} method @param {string} step @returns {Promise<any>}
 */
async function step(method, step) {
	/** @type {Record<string, string>} */
	const headers = { Accept: "application/json" };
	const token = currentAccessToken();
	if (method === "POST" && token) headers.Authorization = `Bearer ${token}`;
	let res;
	try {
		res = await fetch(`${here}/${step}`, { method, headers, credentials: "same-origin", cache: "no-store" });
	} catch {
		throw new Error("The server could not be reached. Check your connection and try again.");
	}
	const body = await res.json().catch(() => null);
	if (!res.ok) throw Object.assign(new Error(body?.error_description ?? `The server answered ${res.status}`), { error: body?.error });
	return body;
}

/** Seconds since the epoch: when this session signed in (its access token's `auth_time`). */
function authTime() {
	try {
		const payload = JSON.parse(atob((currentAccessToken() ?? "").split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
		return Number(payload.auth_time) || 0;
	} catch {
		return 0;
	}
}

/** To /login and back here; `fresh`: the current session ends first (a new sign-in is wanted). */
async function signInAgain(fresh = false) {
	sessionStorage.setItem(RETURN_FLAG, uid);
	if (fresh) await signOut().catch(() => {});
	location.assign(`/login?next=${encodeURIComponent(here)}`);
	return new Promise(() => {});
}

/** @param {any} answer `{location}` */
const go = answer => location.assign(answer.location);

function fail(/** @type {any} */ err) {
	$("#authorize-loading").hidden = true;
	$("#authorize-error").textContent = describeError(err);
}

async function start() {
	const details = await step("GET", "details");
	for (const node of document.querySelectorAll("[data-client]")) node.textContent = details.client.name;
	document.title = `Sign in to ${details.client.name}`;
	if (!(await refreshSession())) return signInAgain();
	const user = currentSessionUser();
	for (const node of document.querySelectorAll("[data-email]")) node.textContent = user?.email ?? "";
	const returned = sessionStorage.getItem(RETURN_FLAG) === uid;
	sessionStorage.removeItem(RETURN_FLAG);
	$("#authorize-loading").hidden = true;

	if (details.prompt === "consent") {
		$("#consent-scopes").replaceChildren(
			...details.scopes.map((/** @type {string} */ s) => {
				const li = document.createElement("li");
				li.textContent = SCOPE_TEXT[s] ?? s;
				return li;
			})
		);
		return reveal($("#consent-step"));
	}
	if (details.signInAfter !== null && authTime() < details.signInAfter) return reveal($("#reauth-step"));
	// Just signed in for this app, or already went on to an app as this user in this browser: no need to ask.
	if (returned || (details.account && details.account === user?.id)) {
		try {
			return go(await step("POST", "session"));
		} catch (err) {
			// Refused (the app wants another account, say): the choice is the user's, with the reason shown.
			reveal($("#continue-step"));
			$("#continue-form [role=alert]").textContent = describeError(err);
			return;
		}
	}
	reveal($("#continue-step"));
}

onSubmit($("#continue-form"), async () => {
	try {
		go(await step("POST", "session"));
	} catch (err) {
		if (/** @type {any} */ (err).error === "login_required") return signInAgain(true);
		throw err;
	}
});
onSubmit($("#switch-form"), () => signInAgain(true));
onSubmit($("#reauth-form"), () => signInAgain(true));
onSubmit($("#consent-form"), async () => go(await step("POST", "consent")));
onSubmit($("#deny-form"), async () => go(await step("POST", "abort")));

start().catch(fail);
