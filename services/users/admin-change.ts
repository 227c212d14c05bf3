/** An admin's change to a user, under the last-admin guard. */
import type { Role, UserStatus } from "../../lib/enums";
import { apiError } from "../../lib/errors";
import type { UserRecord } from "../../lib/types";
import { toPublicUser, type PublicUser } from "../../lib/user-schema";
import { requireUser } from "./accounts";
import { checkProfile, normalizeRoles, removesLastAdmin, touchesAdmins, type AdminChange } from "./policy";
import type { Peers, UserAuditEvent, UsersCore } from "./ports";

export interface AdminPatch {
	id: string;
	displayName?: string;
	roles?: Role[];
	status?: UserStatus;
}

/** The audit trail is kept by `auth`; an entry that cannot be written is logged, not fatal. */
export async function recordAudit(core: UsersCore, peers: Peers, event: UserAuditEvent): Promise<void> {
	try {
		await peers.audit(event);
	} catch (err) {
		core.logger.error(`Could not record the '${event.type}' audit event:`, (err as Error).message);
	}
}

/**
 * Runs a change to a user under the last-admin guard. Changes that could remove an admin run one at a time
 * across the cluster (a lock in the database), so two admins demoting each other at once cannot both succeed.
 */
export function underAdminGuard<R>(core: UsersCore, userId: string, change: AdminChange, work: (target: UserRecord) => Promise<R>): Promise<R> {
	const run = async () => {
		const target = await requireUser(core.store, userId);
		if (removesLastAdmin(target, change, await core.store.countActiveAdmins())) throw apiError("LAST_ADMIN");
		return work(target);
	};
	return touchesAdmins(change) ? core.mutex.hold("admins", run) : run();
}

/** Name, roles or status of a user; disabling or a role change ends their sessions, and both are audited. */
export async function changeByAdmin(core: UsersCore, peers: Peers, patch: AdminPatch): Promise<PublicUser> {
	checkProfile({ displayName: patch.displayName });
	const roles = patch.roles ? normalizeRoles(patch.roles) : undefined;
	const status = patch.status;
	const set: Partial<UserRecord> = { updatedAt: new Date(core.clock.now()) };
	if (patch.displayName !== undefined) set.displayName = patch.displayName;
	if (roles) set.roles = roles;
	if (status) set.status = status;
	const { target, updated } = await underAdminGuard(core, patch.id, { roles, status }, async target => {
		const updated = await core.store.update(target._id, set);
		if (!updated) throw apiError("NOT_FOUND");
		return { target, updated };
	});

	// A disabled account, or one whose roles changed, must not go on with tokens issued before.
	const rolesChanged = roles !== undefined && roles.join() !== target.roles.join();
	if (rolesChanged) await recordAudit(core, peers, { type: "user.roles", subjectId: target._id, details: { from: target.roles, to: updated.roles } });
	if (status && status !== target.status) await recordAudit(core, peers, { type: "user.status", subjectId: target._id, details: { from: target.status, to: status } });
	if ((status === "disabled" && target.status !== "disabled") || rolesChanged) await peers.endSessions(target._id);
	return toPublicUser(updated);
}
