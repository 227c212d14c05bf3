/** A link waiting for its owner's e-mailed confirmation (one per account, 15 minutes). */
import type { AuthKit } from "../ports";
import type { OidcFlowRecord } from "./ports";

export const pendingLinkId = (userId: string): string => `link:${userId}`;

export async function pendingLink(kit: Pick<AuthKit, "stores" | "clock">, userId: string): Promise<OidcFlowRecord | null> {
	const record = await kit.stores.oidcFlows.findById(pendingLinkId(userId));
	if (!record || record.kind !== "confirm-link" || new Date(record.expiresAt).getTime() <= kit.clock.now()) return null;
	return record;
}
