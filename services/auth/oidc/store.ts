/**
 * The OpenID Provider's storage (oidc-provider's adapter interface), kept in auth's store so that any gateway
 * replica can continue a flow another began. The gateway's adapter (services/api/oidc/adapter.ts) calls
 * `auth.oidcStore` with one of these operations. Expiry is judged by the services' clock, so a record past
 * its time is gone whether or not the store has removed it yet.
 */
import { isDuplicateKeyError, type Filter } from "../../../lib/collection";
import type { AuthKit } from "../ports";
import { clientMetadata } from "./clients";

export interface OidcRecord {
	_id: string;
	model: string;
	payload: Record<string, unknown>;
	grantId: string | null;
	uid: string | null;
	userCode: string | null;
	accountId: string | null;
	clientId: string | null;
	expiresAt: Date | null;
}

export const OIDC_STORE_OPS = ["upsert", "find", "findByUid", "findByUserCode", "consume", "destroy", "revokeByGrantId"] as const;
export type OidcStoreOp = (typeof OIDC_STORE_OPS)[number];

export interface OidcStoreRequest {
	op: OidcStoreOp;
	model: string;
	/** The record's id, uid, user code or grant id, as the operation says. */
	id: string;
	payload?: Record<string, unknown>;
	expiresIn?: number;
}

const text = (value: unknown): string | null => (typeof value === "string" ? value : null);

async function findLive(kit: AuthKit, filter: Filter): Promise<Record<string, unknown> | undefined> {
	const record = await kit.stores.oidcRecords.findOne(filter);
	if (!record || (record.expiresAt && new Date(record.expiresAt).getTime() <= kit.clock.now())) return undefined;
	return record.payload;
}

/** A grant saved for the first time is a newly connected app: audited and told to the user. */
async function announceGrant(kit: AuthKit, payload: Record<string, unknown>): Promise<void> {
	const accountId = text(payload.accountId);
	const clientId = text(payload.clientId);
	if (!accountId || !clientId) return;
	const client = await kit.stores.oidcClients.findById(clientId);
	await kit.audit.record({ type: "oidc.app.connect", subjectId: accountId, actorId: accountId, details: { clientId } });
	await kit.mail.notifyInApp({ userId: accountId, type: "oidc-app-connected", title: "A new app was connected", body: `${client?.name ?? clientId} can now sign you in and read your profile and e-mail address.` });
}

export async function oidcStore(kit: AuthKit, { op, model, id, payload, expiresIn }: OidcStoreRequest): Promise<Record<string, unknown> | null> {
	const key = `${model}:${id}`;
	switch (op) {
		case "find":
			if (model === "Client") return clientMetadata(await kit.stores.oidcClients.findById(id));
			return (await findLive(kit, { _id: key })) ?? null;
		case "findByUid":
			return (await findLive(kit, { model, uid: id })) ?? null;
		case "findByUserCode":
			return (await findLive(kit, { model, userCode: id })) ?? null;
		case "upsert": {
			const data = payload ?? {};
			const record: OidcRecord = {
				_id: key,
				model,
				payload: data,
				grantId: text(data.grantId),
				uid: text(data.uid),
				userCode: text(data.userCode),
				accountId: text(data.accountId),
				clientId: text(data.clientId),
				expiresAt: typeof expiresIn === "number" ? new Date(kit.clock.now() + expiresIn * 1000) : null
			};
			const { _id, ...fields } = record;
			if ((await kit.stores.oidcRecords.updateMany({ _id }, { $set: fields })) > 0) return null;
			try {
				await kit.stores.oidcRecords.insert(record);
			} catch (err) {
				// Saved at the same moment by another request: this one's payload is the newer.
				if (!isDuplicateKeyError(err)) throw err;
				await kit.stores.oidcRecords.updateMany({ _id }, { $set: fields });
				return null;
			}
			if (model === "Grant") await announceGrant(kit, data);
			return null;
		}
		case "consume":
			await kit.stores.oidcRecords.updateMany({ _id: key }, { $set: { "payload.consumed": Math.floor(kit.clock.now() / 1000) } });
			return null;
		case "destroy":
			await kit.stores.oidcRecords.removeById(key);
			return null;
		case "revokeByGrantId":
			await kit.stores.oidcRecords.removeMany({ grantId: id });
			return null;
	}
}

/** Ending every session of a user (logout-all, disabling, deletion) ends their OpenID grants, tokens and sessions too. */
export async function endOidcAccess(kit: AuthKit, accountId: string, clientId?: string): Promise<number> {
	return kit.stores.oidcRecords.removeMany(clientId ? { accountId, clientId } : { accountId });
}
