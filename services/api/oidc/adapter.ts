/**
 * oidc-provider's storage adapter: every operation goes to `auth.oidcStore` (services/auth/oidc/store.ts),
 * which keeps the records in the project's store, so a flow begun on one gateway replica continues on any.
 */
import type { Adapter, AdapterPayload } from "oidc-provider";

export type StoreCall = (params: { op: string; model: string; id: string; payload?: AdapterPayload; expiresIn?: number }) => Promise<AdapterPayload | null>;

export function brokerAdapter(model: string, call: StoreCall): Adapter {
	const read = async (op: string, id: string) => (await call({ op, model, id })) ?? undefined;
	return {
		upsert: async (id, payload, expiresIn) => void (await call({ op: "upsert", model, id, payload, ...(typeof expiresIn === "number" ? { expiresIn } : {}) })),
		find: id => read("find", id),
		findByUid: uid => read("findByUid", uid),
		findByUserCode: userCode => read("findByUserCode", userCode),
		consume: async id => void (await call({ op: "consume", model, id })),
		destroy: async id => void (await call({ op: "destroy", model, id })),
		revokeByGrantId: async grantId => void (await call({ op: "revokeByGrantId", model, id: grantId }))
	};
}
