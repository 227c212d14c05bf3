// @ts-check
import { $, ApiError, api, createPasskey, describeError, el, labelCells, onSubmit, passkeysSupported, requireSession, reveal, showFlowMessage, signOut, when } from "./app.js";
import { qrSvg } from "./qr.js";

/** @type {any} */
let me = await requireSession().catch(err => {
	$("#loading").hidden = true;
	$("#page-error").textContent = describeError(err);
	throw err;
});
$("#loading").hidden = true;
$("#account").hidden = false;

const PROFILE_FIELDS = ["displayName", "bio", "avatarUrl", "locale", "timezone"];

function showUser() {
	for (const node of document.querySelectorAll("[data-user]")) node.textContent = me[/** @type {HTMLElement} */ (node).dataset.user ?? ""] ?? "";
	const form = /** @type {HTMLFormElement} */ ($("#profile-form"));
	for (const name of PROFILE_FIELDS) /** @type {HTMLInputElement} */ (form.elements.namedItem(name)).value = me[name] ?? "";
}
showUser();

try {
	$("#timezones").append(...Intl.supportedValuesOf("timeZone").map(tz => el("option", { value: tz })));
} catch {
	/* an old browser: free text only */
}

/** Runs a section's loader; a failure shows in that section only. @param {string} errorId @param {() => Promise<void>} load */
async function section(errorId, load) {
	const box = $(errorId);
	if (box) box.textContent = "";
	try {
		await load();
	} catch (err) {
		if (box) box.textContent = describeError(err);
	}
}

// ---- Sign out ------------------------------------------------------------------------------------------

onSubmit($("#signout-form"), async () => {
	await signOut();
	location.assign("/login");
});

// ---- Profile -------------------------------------------------------------------------------------------

onSubmit($("#profile-form"), async (_values, form) => {
	/** @type {Record<string, string | null>} */
	const changes = {};
	for (const name of PROFILE_FIELDS) {
		const value = /** @type {HTMLInputElement} */ (form.elements.namedItem(name)).value.trim();
		if (value !== (me[name] ?? "")) changes[name] = name === "avatarUrl" && value === "" ? null : value;
	}
	if (!Object.keys(changes).length) return "Nothing to save.";
	me = await api("PATCH", "/users/me", changes);
	showUser();
	return "Profile saved.";
});

// ---- Sessions ------------------------------------------------------------------------------------------

/** A short name for a user agent string. @param {string | null} ua */
function device(ua) {
	if (!ua) return "Unknown device";
	const browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrom(e|ium)\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : ua.split(/[ /]/)[0];
	const os = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Windows/.test(ua) ? "Windows" : /Mac OS X/.test(ua) ? "macOS" : /Linux/.test(ua) ? "Linux" : "";
	return os ? `${browser} on ${os}` : browser;
}

async function loadSessions() {
	const sessions = /** @type {any[]} */ (await api("GET", "/auth/sessions"));
	const body = $("#sessions-table tbody");
	body.replaceChildren(
		...sessions.map(s => {
			const button = /** @type {HTMLButtonElement} */ (el("button", { type: "button", class: "small secondary", "data-session": s.id }, ["Sign out this one"]));
			button.setAttribute("aria-label", `Sign out this one: ${device(s.userAgent)}${s.current ? " (this device)" : ""}, last used ${when(s.lastUsedAt)}`);
			button.addEventListener("click", () => endSession(s, button));
			const name = el("td", {}, [device(s.userAgent), s.ip ? el("span", { class: "muted" }, [` · ${s.ip}`]) : "", s.current ? el("span", { class: "badge" }, ["This device"]) : ""]);
			return el("tr", {}, [name, el("td", {}, [when(s.lastUsedAt)]), el("td", {}, [when(s.createdAt)]), el("td", {}, [button])]);
		})
	);
	labelCells($("#sessions-table"));
}

/** @param {any} session @param {HTMLButtonElement} button */
async function endSession(session, button) {
	button.disabled = true;
	try {
		if (session.current) {
			await signOut();
			location.assign("/login");
			return;
		}
		await api("DELETE", `/auth/sessions/${encodeURIComponent(session.id)}`);
		await loadSessions();
		$("#sessions-title").focus?.();
	} catch (err) {
		$("#sessions-error").textContent = describeError(err);
		button.disabled = false;
	}
}

onSubmit($("#logout-all-form"), async () => {
	await api("POST", "/auth/logout-all");
	await signOut().catch(() => {});
	location.assign("/login");
});

// ---- Password and e-mail ---------------------------------------------------------------------------

onSubmit($("#password-form"), async (values, form) => {
	await api("POST", "/auth/password/change", values);
	form.reset();
	await section("#sessions-error", loadSessions);
	return "Password changed. Your other sessions were signed out.";
});

onSubmit($("#email-form"), async (values, form) => {
	await api("POST", "/users/me/email", values);
	form.reset();
	return `Almost done: open the link we sent to ${values.newEmail} to confirm it.`;
});

// ---- Two-step verification and passkeys ---------------------------------------------------------------

/** @param {string[]} codes */
function showRecoveryCodes(codes) {
	$("#recovery-list").replaceChildren(...codes.map(c => el("li", {}, [el("code", {}, [c])])));
	reveal($("#recovery-codes"));
}

async function loadMfa() {
	let mfa;
	try {
		mfa = await api("GET", "/auth/mfa");
	} catch (err) {
		if (err instanceof ApiError && err.status === 404) {
			$("#mfa-unavailable").hidden = false;
			$("#passkey-add-form").hidden = true;
			$("#passkeys-error").textContent = "This server does not offer passkeys yet.";
			return;
		}
		throw err;
	}
	$("#mfa-panel").hidden = false;
	$("#totp-state").textContent = mfa.totp ? "on" : "off";
	$("#recovery-left").textContent = String(mfa.recoveryCodesRemaining ?? 0);
	$("#totp-setup-form").hidden = !!mfa.totp;
	$("#totp-disable-form").hidden = !mfa.totp;
	$("#recovery-form").hidden = !mfa.totp && !(mfa.passkeys ?? []).length;
	for (const node of document.querySelectorAll("[data-totp-only]")) /** @type {HTMLElement} */ (node).hidden = !mfa.totp;
	showPasskeys(mfa.passkeys ?? []);
}

onSubmit($("#totp-setup-form"), async (values, form) => {
	const { secret, otpauthUrl } = await api("POST", "/auth/mfa/totp/setup", { password: values.password });
	form.reset();
	// One key at a time: setting up again would replace the key just scanned.
	form.hidden = true;
	$("#totp-qr").replaceChildren(qrSvg(otpauthUrl, "QR code for your authenticator app"));
	$("#totp-secret").textContent = String(secret).replace(/(.{4})(?=.)/g, "$1 ");
	reveal($("#totp-enrol"));
});

onSubmit($("#totp-confirm-form"), async values => {
	const { recoveryCodes } = await api("POST", "/auth/mfa/totp/confirm", { code: values.code.replace(/\s+/g, "") });
	$("#totp-enrol").hidden = true;
	await loadMfa();
	showRecoveryCodes(recoveryCodes);
});

onSubmit($("#totp-disable-form"), async (values, form) => {
	await api("DELETE", "/auth/mfa/totp", values);
	form.reset();
	$("#recovery-codes").hidden = true;
	await loadMfa();
	return "The authenticator app is off.";
});

onSubmit($("#recovery-form"), async (values, form) => {
	const { recoveryCodes } = await api("POST", "/auth/mfa/recovery-codes", values);
	form.reset();
	await loadMfa();
	showRecoveryCodes(recoveryCodes);
});

/** @param {any[]} passkeys */
function showPasskeys(passkeys) {
	$("#passkey-list").replaceChildren(
		...passkeys.map(p => {
			const inputId = `passkey-${p.id}-name`;
			const rename = el("form", { method: "post", class: "inline", "data-passkey": p.id }, [
				el("label", { for: inputId, class: "visually-hidden" }, [`New name for ${p.name}`]),
				el("input", { id: inputId, name: "name", value: p.name, maxlength: "64", required: true }),
				el("button", { type: "submit", class: "small secondary" }, ["Rename"]),
				el("p", { class: "error", role: "alert" })
			]);
			onSubmit(/** @type {HTMLFormElement} */ (rename), async values => {
				await api("PATCH", `/auth/passkeys/${encodeURIComponent(p.id)}`, { name: values.name });
				await loadMfa();
			});
			const remove = el("button", { type: "button", class: "small danger", "aria-label": `Remove passkey ${p.name}` }, ["Remove"]);
			remove.addEventListener("click", async () => {
				await section("#passkeys-error", async () => {
					await api("DELETE", `/auth/passkeys/${encodeURIComponent(p.id)}`);
					await loadMfa();
				});
			});
			return el("li", {}, [
				el("div", {}, [el("strong", {}, [p.name]), el("span", { class: "muted" }, [` · added ${when(p.createdAt)} · last used ${when(p.lastUsedAt)}`])]),
				el("div", { class: "item-actions" }, [rename, remove])
			]);
		})
	);
}

if (!passkeysSupported()) {
	$("#passkey-add-form").hidden = true;
	$("#passkeys-error").textContent = "This browser cannot use passkeys.";
}

onSubmit($("#passkey-add-form"), async (values, form) => {
	const options = await api("POST", "/auth/passkeys/register/options");
	const response = await createPasskey(options);
	const added = await api("POST", "/auth/passkeys/register/verify", { ...(values.name ? { name: values.name } : {}), response });
	form.reset();
	await loadMfa();
	// The first second factor comes with recovery codes, shown this once.
	if (added.recoveryCodes) showRecoveryCodes(added.recoveryCodes);
	return "Passkey added.";
});

// ---- Connected apps and sign-in providers ----------------------------------------------------------------------

/**
 * @param {string} listId @param {string} emptyId @param {string} path
 * @param {(row: any) => { label: string, detail: string, remove: string }} view
 */
async function loadList(listId, emptyId, path, view) {
	const answer = await api("GET", path);
	const rows = Array.isArray(answer) ? answer : (answer?.rows ?? []);
	$(emptyId).hidden = rows.length > 0;
	$(listId).replaceChildren(
		...rows.map(row => {
			const v = view(row);
			const button = el("button", { type: "button", class: "small danger", "aria-label": `${v.remove}: ${v.label}` }, [v.remove]);
			button.addEventListener("click", () =>
				section("#apps-error", async () => {
					await api("DELETE", `${path}/${encodeURIComponent(row.id ?? row.clientId)}`);
					await loadList(listId, emptyId, path, view);
				})
			);
			return el("li", {}, [el("div", {}, [el("strong", {}, [v.label]), el("span", { class: "muted" }, [` · ${v.detail}`])]), el("div", { class: "item-actions" }, [button])]);
		})
	);
}

const loadApps = () =>
	loadList("#app-list", "#apps-empty", "/users/me/apps", a => ({ label: a.name, detail: `${(a.scopes ?? []).join(", ")} · since ${when(a.grantedAt)}`, remove: "Revoke access" }));
const loadProviders = () =>
	loadList("#provider-list", "#providers-empty", "/auth/oidc/links", p => ({ label: p.name ?? p.provider, detail: `${p.email ?? ""} · linked ${when(p.createdAt)}`, remove: "Unlink" }));

/** One button per configured provider: linking goes to the provider and comes back here (`?linked=` or `?error=`). */
async function loadProviderButtons() {
	const providers = /** @type {Array<{id: string, name: string}>} */ (await api("GET", "/auth/oidc/providers", undefined, { auth: false }));
	$("#provider-link-buttons").replaceChildren(
		...providers.map(p => {
			const button = el("button", { type: "button", class: "small secondary" }, [`Link ${p.name}`]);
			button.addEventListener("click", () =>
				section("#providers-error", async () => {
					const { location: target } = await api("POST", `/auth/oidc/${encodeURIComponent(p.id)}/link`);
					location.assign(target);
				})
			);
			return button;
		})
	);
}
if (!showFlowMessage($("#providers-error"), $("#providers-status")) && new URLSearchParams(location.search).get("linked")) $("#providers-status").textContent = "The provider is linked: you can now sign in with it.";

// ---- Delete ----------------------------------------------------------------------------------------------

onSubmit($("#delete-form"), async values => {
	const { password, code } = values;
	await api("DELETE", "/users/me", code ? { password, code } : { password });
	await signOut().catch(() => {});
	location.assign("/login");
});

await Promise.all([section("#sessions-error", loadSessions), section("#passkeys-error", loadMfa), section("#apps-error", loadApps), section("#apps-error", loadProviders), section("#apps-error", loadProviderButtons)]);
