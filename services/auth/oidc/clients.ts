/**
 * Relying parties (CONTRACT §6): admins register, list and delete them; users list and revoke the apps they
 * connected. A confidential client's secret is shown once and stored as its SHA-256 hash: it is 32 random
 * bytes, so a fast hash is enough, and the gateway's provider compares hashes (services/api/oidc/provider.ts).
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { Amr, OidcClientType } from "../../../lib/enums";
import { apiError } from "../../../lib/errors";
import { hashClientSecret } from "../../../lib/oidc";
import type { AuthUser, Page } from "../../../lib/types";
import type { AuthKit } from "../ports";
import { endOidcAccess } from "./store";

export interface OidcClientRecord {
	_id: string;
	name: string;
	type: OidcClientType;
	redirectUris: string[];
	postLogoutRedirectUris: string[];
	secretHash: string | null;
	createdAt: Date;
}

export interface OidcClientView {
	clientId: string;
	name: string;
	type: OidcClientType;
	redirectUris: string[];
	postLogoutRedirectUris: string[];
	createdAt: string;
}

export interface NewOidcClient {
	name: string;
	type: OidcClientType;
	redirectUris: string[];
	postLogoutRedirectUris?: string[];
}

export interface ConnectedApp {
	clientId: string;
	name: string;
	scopes: string[];
	grantedAt: string;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** https, or http on the loopback interface (native and development apps); no fragment (RFC 6749 §3.1.2). */
function ensureRedirectUris(field: string, uris: string[]): void {
	for (const [index, uri] of uris.entries()) {
		let url: URL | null = null;
		try {
			url = new URL(uri);
		} catch {
			/* reported below */
		}
		const allowed = url && !url.hash && !uri.includes("#") && (url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname)));
		if (!allowed) {
			const message = `${field}[${index}] must be an https URL (or http on localhost) without a fragment`;
			throw apiError("VALIDATION_ERROR", message, [{ field: `${field}[${index}]`, type: "url", message }]);
		}
	}
}

function toView(record: OidcClientRecord): OidcClientView {
	const { _id, name, type, redirectUris, postLogoutRedirectUris, createdAt } = record;
	return { clientId: _id, name, type, redirectUris, postLogoutRedirectUris, createdAt: new Date(createdAt).toISOString() };
}

/** The client as oidc-provider reads it (its metadata), or null. */
export function clientMetadata(record: OidcClientRecord | null): Record<string, unknown> | null {
	if (!record) return null;
	return {
		client_id: record._id,
		client_name: record.name,
		...(record.secretHash ? { client_secret: record.secretHash } : {}),
		redirect_uris: record.redirectUris,
		post_logout_redirect_uris: record.postLogoutRedirectUris,
		grant_types: ["authorization_code", "refresh_token"],
		response_types: ["code"],
		token_endpoint_auth_method: record.type === "public" ? "none" : "client_secret_basic"
	};
}

export async function createOidcClient(kit: AuthKit, caller: AuthUser, input: NewOidcClient): Promise<OidcClientView & { clientSecret?: string }> {
	ensureRedirectUris("redirectUris", input.redirectUris);
	ensureRedirectUris("postLogoutRedirectUris", input.postLogoutRedirectUris ?? []);
	const secret = input.type === "confidential" ? randomBytes(32).toString("base64url") : null;
	const record = await kit.stores.oidcClients.insert({
		_id: randomUUID(),
		name: input.name,
		type: input.type,
		redirectUris: input.redirectUris,
		postLogoutRedirectUris: input.postLogoutRedirectUris ?? [],
		secretHash: secret ? hashClientSecret(secret) : null,
		createdAt: new Date(kit.clock.now())
	});
	await kit.audit.record({ type: "oidc.client.create", actorId: caller.id, details: { clientId: record._id, name: record.name, clientType: record.type } });
	return { ...toView(record), ...(secret ? { clientSecret: secret } : {}) };
}

export async function listOidcClients(kit: AuthKit, { page, pageSize }: { page: number; pageSize: number }): Promise<Page<OidcClientView>> {
	const total = await kit.stores.oidcClients.count({});
	const rows = await kit.stores.oidcClients.find({}, { sort: ["-createdAt"], offset: (page - 1) * pageSize, limit: pageSize });
	return { rows: rows.map(toView), total, page, pageSize, totalPages: Math.ceil(total / pageSize) };
}

/** The client goes, and with it every grant, code and token issued to it. */
export async function deleteOidcClient(kit: AuthKit, caller: AuthUser, { clientId }: { clientId: string }): Promise<null> {
	const client = await kit.stores.oidcClients.findById(clientId);
	if (!client) throw apiError("NOT_FOUND", "Client not found");
	await kit.stores.oidcClients.removeById(clientId);
	const ended = await kit.stores.oidcRecords.removeMany({ clientId });
	await kit.audit.record({ type: "oidc.client.delete", actorId: caller.id, details: { clientId, records: ended } });
	return null;
}

/** The apps the caller granted access to, one row per app. */
export async function listConnectedApps(kit: AuthKit, caller: AuthUser): Promise<ConnectedApp[]> {
	const grants = await kit.stores.oidcRecords.find({ model: "Grant", accountId: caller.id, expiresAt: { $gt: new Date(kit.clock.now()) } });
	const apps = new Map<string, ConnectedApp>();
	for (const { payload, clientId } of grants) {
		if (!clientId) continue;
		const scopes = String((payload.openid as { scope?: string } | undefined)?.scope ?? "").split(" ").filter(Boolean);
		const grantedAt = new Date(Number(payload.iat ?? 0) * 1000).toISOString();
		const known = apps.get(clientId);
		apps.set(clientId, { clientId, name: "", scopes: [...new Set([...(known?.scopes ?? []), ...scopes])], grantedAt: known && known.grantedAt < grantedAt ? known.grantedAt : grantedAt });
	}
	const clients = await kit.stores.oidcClients.find({ _id: { $in: [...apps.keys()] } });
	return clients.map(c => ({ ...apps.get(c._id)!, name: c.name })).sort((a, b) => a.grantedAt.localeCompare(b.grantedAt));
}

/** The caller takes an app's access away: its grants and tokens stop working at once. */
export async function revokeConnectedApp(kit: AuthKit, caller: AuthUser, { clientId }: { clientId: string }): Promise<null> {
	if ((await endOidcAccess(kit, caller.id, clientId)) === 0) throw apiError("NOT_FOUND", "No such connected app");
	await kit.audit.record({ type: "oidc.app.revoke", subjectId: caller.id, details: { clientId } });
	return null;
}

/** A user went on to an app from the interaction page (services/api/oidc/interaction.ts): audited with how they signed in. */
export async function recordAppSignIn(kit: AuthKit, { accountId, clientId, amr }: { accountId: string; clientId: string; amr: Amr[] }): Promise<null> {
	await kit.audit.record({ type: "oidc.sign-in", subjectId: accountId, actorId: accountId, details: { clientId, amr } });
	return null;
}
