import type { AuthKit } from "./ports";

/** An address change waiting for confirmation from the new address (one per user). */
export interface EmailChangeRecord {
	_id: string; // the user's id
	newEmail: string;
	/** The session that asked: it survives the change, the others end. */
	sessionId: string | null;
	expiresAt: Date;
}

/** The user's change waiting for confirmation, if any and not expired. */
export async function pendingEmailChange(kit: Pick<AuthKit, "stores" | "clock">, userId: string): Promise<EmailChangeRecord | null> {
	const change = await kit.stores.emailChanges.findById(userId);
	return change && new Date(change.expiresAt).getTime() > kit.clock.now() ? change : null;
}
