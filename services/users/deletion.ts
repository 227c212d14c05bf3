/** Deleting an account: by its owner (with the password) or by an admin. */
import { apiError } from "../../lib/errors";
import { requireUser } from "./accounts";
import { recordAudit, underAdminGuard } from "./admin-change";
import type { Peers, UsersCore } from "./ports";

/** Sessions and credentials go first: a half-deleted account can no longer sign in. */
export async function deleteAccount(core: UsersCore, peers: Peers, userId: string): Promise<void> {
	const user = await underAdminGuard(core, userId, { deleted: true }, async target => {
		await peers.purgeCredentials(target._id);
		await core.store.remove(target._id);
		return target;
	});
	try {
		await peers.purgeNotices({ userId: user._id, email: user.email, displayName: user.displayName });
	} catch (err) {
		// The account is gone either way; its notices are removed when `notifications` sees `user.deleted`.
		core.logger.warn("Could not reach notifications after deleting an account:", (err as Error).message);
	}
	peers.announceDeleted(user._id);
	await recordAudit(core, peers, { type: "user.delete", subjectId: user._id, details: { email: user.email } });
}

/** The signed-in user deletes their own account: only with their password (and, with TOTP on, a current code). */
export async function deleteOwnAccount(core: UsersCore, peers: Peers, userId: string, password: string, code?: string): Promise<void> {
	const user = await requireUser(core.store, userId);
	if (!(await peers.checkPassword(user._id, password, code))) throw apiError("INVALID_CREDENTIALS", "The password is wrong");
	await deleteAccount(core, peers, user._id);
}
