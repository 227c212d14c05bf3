// @ts-check
/**
 * The admin console: users (search, filters, paging; one user's page), the audit trail with its chain
 * check, failed e-mails, the apps that sign in with this backend (OpenID clients: list, register, delete). Routes the API lacks today are marked "proposed" (see web/README.md).
 */
import { $, ApiError, api, describeError, el, labelCells, onSubmit, requireSession, reveal, when } from "./app.js";

const me = await requireSession().catch(err => {
	$("#loading").hidden = true;
	$("#page-error").textContent = describeError(err);
	throw err;
});
$("#loading").hidden = true;
if (!me.roles?.includes("admin")) {
	$("#page-error").textContent = "This page is for administrators. Your account does not have the admin role.";
	throw new Error("not an admin");
}
$("#admin").hidden = false;

const PAGE_SIZE = 20;
const params = new URLSearchParams(location.search);

/** Query string of the non-empty values. @param {Record<string, any>} values */
const query = values => {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(values)) if (v !== "" && v !== undefined && v !== null) q.set(k, String(v));
	return q.toString();
};

/**
 * A paged list: `load(page)` fetches and draws, the pager's buttons step through pages.
 * @param {string} name @param {(page: number) => Promise<{ page: number, totalPages: number, total: number }>} fetchPage
 */
function pager(name, fetchPage) {
	const nav = /** @type {HTMLElement} */ (document.querySelector(`[data-pager=${name}]`));
	const [prev, next] = /** @type {HTMLButtonElement[]} */ ([...nav.querySelectorAll("button")]);
	let current = 1;
	const load = async (/** @type {number} */ page) => {
		const result = await fetchPage(page);
		current = result.page;
		prev.disabled = current <= 1;
		next.disabled = current >= result.totalPages;
		/** @type {HTMLElement} */ (nav.querySelector("[data-pager-text]")).textContent = `Page ${current} of ${Math.max(1, result.totalPages)} · ${result.total} in all`;
	};
	for (const button of [prev, next]) button.addEventListener("click", () => load(current + Number(button.dataset.step)).catch(err => showListError(nav, err)));
	return load;
}

/** @param {HTMLElement} near @param {any} err */
function showListError(near, err) {
	const alert = near.closest("section")?.querySelector("[role=alert]");
	if (alert) alert.textContent = describeError(err);
}

// ---- Users ---------------------------------------------------------------------------------------------

/** @type {Record<string, any>} */
let userFilter = {};

const loadUsers = pager("users", async page => {
	const result = await api("GET", `/users?${query({ ...userFilter, page, pageSize: PAGE_SIZE })}`);
	$("#users-table tbody").replaceChildren(
		...result.rows.map((/** @type {any} */ u) =>
			el("tr", {}, [
				el("td", {}, [el("a", { href: `/admin?user=${encodeURIComponent(u.id)}` }, [u.email])]),
				el("td", {}, [u.displayName || "—"]),
				el("td", {}, [u.roles.join(", ")]),
				el("td", {}, [el("span", { class: `badge ${u.status}` }, [u.status]), u.emailVerified ? "" : el("span", { class: "badge" }, ["unverified"])]),
				el("td", {}, [when(u.createdAt)]),
				el("td", {}, [when(u.lastLoginAt)])
			])
		)
	);
	if (!result.rows.length) $("#users-table tbody").append(el("tr", {}, [el("td", { colspan: "6" }, ["No users match."])]));
	labelCells($("#users-table"));
	return result;
});

onSubmit($("#users-form"), async values => {
	userFilter = values;
	await loadUsers(1);
});

// ---- One user --------------------------------------------------------------------------------------------

const userId = params.get("user");
/** @type {any} */
let subject = null;

function showSubject() {
	$("#user-title").textContent = subject.email;
	const facts = [
		["Name", subject.displayName || "—"],
		["Status", subject.status],
		["E-mail verified", subject.emailVerified ? "yes" : "no"],
		["Roles", subject.roles.join(", ")],
		["Created", when(subject.createdAt)],
		["Last sign-in", when(subject.lastLoginAt)],
		["ID", subject.id]
	];
	$("#user-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, [k]), el("dd", {}, [v])]));
	$("#user-status-form button").textContent = subject.status === "active" ? "Disable" : "Enable";
	$("#role-user").checked = subject.roles.includes("user");
	$("#role-admin").checked = subject.roles.includes("admin");
}

if (userId) {
	try {
		subject = await api("GET", `/users/${encodeURIComponent(userId)}`);
		showSubject();
		reveal($("#user-detail"));
	} catch (err) {
		$("#user-detail").hidden = false;
		$("#user-error").textContent = describeError(err);
	}
}

onSubmit($("#user-status-form"), async () => {
	subject = await api("PATCH", `/users/${encodeURIComponent(subject.id)}`, { status: subject.status === "active" ? "disabled" : "active" });
	showSubject();
	return subject.status === "disabled" ? "Disabled: their sessions have ended." : "Enabled.";
});

onSubmit($("#user-roles-form"), async values => {
	subject = await api("PATCH", `/users/${encodeURIComponent(subject.id)}`, { roles: values.roles });
	showSubject();
	return "Roles saved.";
});

onSubmit($("#user-sessions-form"), async () => {
	await api("DELETE", `/users/${encodeURIComponent(subject.id)}/sessions`);
	return "Every session of this user has ended.";
});

onSubmit($("#user-mfa-form"), async () => {
	await api("DELETE", `/users/${encodeURIComponent(subject.id)}/mfa`);
	return "Second factors removed. The user was told by e-mail.";
});

onSubmit($("#user-delete-form"), async () => {
	await api("DELETE", `/users/${encodeURIComponent(subject.id)}`);
	location.assign("/admin");
});

// ---- Audit trail ---------------------------------------------------------------------------------------------

/** @type {Record<string, any>} */
let auditFilter = {};

/** @param {string | null} id */
const shortId = id => (id ? el("a", { href: `/admin?user=${encodeURIComponent(id)}`, title: id }, [id.slice(0, 8)]) : "—");

const loadAudit = pager("audit", async page => {
	const result = await api("GET", `/audit?${query({ ...auditFilter, page, pageSize: PAGE_SIZE })}`);
	$("#audit-table tbody").replaceChildren(
		...result.rows.map((/** @type {any} */ a) =>
			el("tr", {}, [
				el("td", {}, [String(a.seq)]),
				el("td", {}, [when(a.at)]),
				el("td", {}, [a.type]),
				el("td", {}, [el("span", { class: `badge ${a.outcome}` }, [a.outcome])]),
				el("td", {}, [shortId(a.actorId)]),
				el("td", {}, [shortId(a.subjectId)]),
				el("td", {}, [a.ip ?? "—"])
			])
		)
	);
	if (!result.rows.length) $("#audit-table tbody").append(el("tr", {}, [el("td", { colspan: "7" }, ["No entries match."])]));
	labelCells($("#audit-table"));
	return result;
});

onSubmit($("#audit-form"), async values => {
	auditFilter = { ...values, ...(values.to ? { to: `${values.to}T23:59:59.999Z` } : {}) };
	await loadAudit(1);
});

onSubmit($("#audit-verify-form"), async () => {
	const verdict = await api("GET", "/audit/verify");
	if (verdict.ok) return `The chain is intact: ${verdict.checked} entries checked.`;
	throw new Error(`The chain is broken at entry ${verdict.brokenAt}: ${verdict.reason ?? "altered or missing"} (${verdict.checked} checked).`);
});

// ---- Failed e-mails (GET /api/v1/deliveries?status=failed, POST /api/v1/deliveries/retry {id?}) ----------

async function loadDeliveries() {
	let rows = [];
	try {
		rows = (await api("GET", "/deliveries?status=failed&pageSize=100")).rows;
	} catch (err) {
		if (!(err instanceof ApiError && err.status === 404)) throw err;
		$("#deliveries-error").textContent = "This server does not list failed e-mails yet.";
	}
	$("#deliveries-empty").hidden = rows.length > 0;
	$("#deliveries-retry-form").hidden = rows.length === 0;
	$("#deliveries-table").hidden = rows.length === 0;
	$("#deliveries-table tbody").replaceChildren(
		...rows.map((/** @type {any} */ d) => {
			const retry = el("button", { type: "button", class: "small secondary", "aria-label": `Retry the ${d.template} e-mail to ${d.to}` }, ["Retry"]);
			retry.addEventListener("click", () => retryDeliveries({ id: d.id }).catch(err => ($("#deliveries-error").textContent = describeError(err))));
			return el("tr", {}, [el("td", {}, [d.to]), el("td", {}, [d.template]), el("td", {}, [String(d.attempts)]), el("td", {}, [d.lastError ?? "—"]), el("td", {}, [when(d.createdAt)]), el("td", {}, [retry])]);
		})
	);
	labelCells($("#deliveries-table"));
}

/** @param {{ id?: string }} which */
async function retryDeliveries(which) {
	const { retried } = await api("POST", "/deliveries/retry", which);
	await loadDeliveries();
	return `${retried} e-mail${retried === 1 ? "" : "s"} queued again.`;
}

onSubmit($("#deliveries-retry-form"), () => retryDeliveries({}));

// ---- Apps (OpenID clients: GET/POST /api/v1/oidc/clients, DELETE /api/v1/oidc/clients/:clientId) ----------------

/** @param {string} text one URI per line */
const lines = text => (text ?? "").split(/\s*\n\s*/).map(l => l.trim()).filter(Boolean);

/** The row's action cell: Delete, then a confirmation (its grants and tokens stop working at once). @param {any} c */
function deleteCell(c) {
	const cell = el("td");
	const ask = el("button", { type: "button", class: "small secondary", "aria-label": `Delete ${c.name}` }, ["Delete"]);
	ask.addEventListener("click", () => {
		const sure = /** @type {HTMLButtonElement} */ (el("button", { type: "button", class: "small danger" }, [`Yes, delete ${c.name}`]));
		const cancel = el("button", { type: "button", class: "small secondary" }, ["Cancel"]);
		sure.addEventListener("click", async () => {
			sure.disabled = true;
			try {
				await api("DELETE", `/oidc/clients/${encodeURIComponent(c.clientId)}`);
				$("#clients-error").textContent = "";
				await loadClients(1);
			} catch (err) {
				sure.disabled = false;
				$("#clients-error").textContent = describeError(err);
			}
		});
		cancel.addEventListener("click", () => {
			cell.replaceChildren(ask);
			ask.focus();
		});
		cell.replaceChildren(el("span", { class: "muted" }, ["Its users' sign-ins and tokens stop working. "]), sure, " ", cancel);
		cancel.focus();
	});
	cell.append(ask);
	return cell;
}

const loadClients = pager("clients", async page => {
	const result = await api("GET", `/oidc/clients?${query({ page, pageSize: PAGE_SIZE })}`);
	$("#clients-table tbody").replaceChildren(
		...result.rows.map((/** @type {any} */ c) =>
			el("tr", {}, [
				el("td", {}, [c.name]),
				el("td", {}, [c.type]),
				el("td", {}, [el("code", {}, [c.clientId])]),
				el("td", {}, c.redirectUris.flatMap((/** @type {string} */ uri, /** @type {number} */ i) => (i ? [el("br"), uri] : [uri]))),
				el("td", {}, [when(c.createdAt)]),
				deleteCell(c)
			])
		)
	);
	if (!result.rows.length) $("#clients-table tbody").append(el("tr", {}, [el("td", { colspan: "6" }, ["No apps are registered."])]));
	labelCells($("#clients-table"));
	return result;
});

onSubmit($("#client-form"), async (values, form) => {
	const created = await api("POST", "/oidc/clients", {
		name: values.name,
		type: values.type,
		redirectUris: lines(values.redirectUris),
		...(values.postLogoutRedirectUris ? { postLogoutRedirectUris: lines(values.postLogoutRedirectUris) } : {})
	});
	form.reset();
	$("#client-created-name").textContent = created.name;
	$("#client-created-id").textContent = created.clientId;
	$("#client-created-secret").textContent = created.clientSecret ?? "";
	for (const id of ["#client-secret-label", "#client-created-secret", "#client-secret-hint"]) $(id).hidden = !created.clientSecret;
	$("#client-created-secret").parentElement.hidden = !created.clientSecret;
	reveal($("#client-created"));
	await loadClients(1);
	return `${created.name} is registered.`;
});

await Promise.all([
	loadClients(1).catch(err => showListError($("#clients-table"), err)),
	loadUsers(1).catch(err => showListError($("#users-table"), err)),
	loadAudit(1).catch(err => showListError($("#audit-table"), err)),
	loadDeliveries().catch(err => ($("#deliveries-error").textContent = describeError(err)))
]);
