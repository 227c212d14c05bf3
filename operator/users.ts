import type { Role, UserStatus } from "../lib/enums";
import type { PublicUser } from "../lib/user-schema";
import { call, command, CommandError, OPERATOR, type Caller, type CommandOutput } from "./command";

/** Operator commands on accounts: look-up, disable/enable, admin role, sessions. */

export const NO_USER = "No user with that e-mail";

const ADMIN_ROLES: Role[] = ["user", "admin"];
const USER_ROLES: Role[] = ["user"];

function cleanEmail(email: unknown): string {
	const value = typeof email === "string" ? email.trim() : "";
	if (!value) throw new CommandError("Give an e-mail address, e.g. ada@example.com");
	return value;
}

async function findUser(caller: Caller, email: unknown): Promise<PublicUser> {
	const address = cleanEmail(email);
	const user = await call<PublicUser | null>(caller, "users.findByEmail", { email: address });
	if (!user) throw new CommandError(`${NO_USER}: ${address}`);
	return user;
}

/** The public user as "field  value" lines: only the contract's fields, whatever else the object holds. */
export function formatUser(user: PublicUser): string {
	const fields: Array<[string, unknown]> = [
		["id", user.id],
		["email", user.email],
		["displayName", user.displayName],
		["roles", Array.isArray(user.roles) ? user.roles.join(", ") : user.roles],
		["status", user.status],
		["emailVerified", user.emailVerified],
		["locale", user.locale],
		["timezone", user.timezone],
		["bio", user.bio],
		["avatarUrl", user.avatarUrl],
		["createdAt", user.createdAt],
		["updatedAt", user.updatedAt],
		["lastLoginAt", user.lastLoginAt]
	];
	const width = Math.max(...fields.map(([k]) => k.length));
	return fields.map(([k, v]) => `${k.padEnd(width)}  ${v === null || v === undefined || v === "" ? "-" : String(v)}`).join("\n");
}

const isAdmin = (user: PublicUser) => Array.isArray(user.roles) && user.roles.includes("admin");

/** `user <email>`: the public user. */
export function showUser(caller: Caller, email: unknown): Promise<CommandOutput> {
	return command(async () => formatUser(await findUser(caller, email)));
}

/** `user-disable` / `user-enable`: through users.adminUpdate (last-admin guard; disabling ends the sessions). */
export function setUserStatus(caller: Caller, email: unknown, status: UserStatus): Promise<CommandOutput> {
	return command(async () => {
		const user = await findUser(caller, email);
		if (user.status === status) return `${user.email} is already ${status}; nothing changed.`;
		const updated = await call<PublicUser>(caller, "users.adminUpdate", { id: user.id, status }, OPERATOR);
		return status === "disabled"
			? `Disabled ${updated.email}: they can no longer sign in, and their sessions were ended.`
			: `Enabled ${updated.email}: they can sign in again.`;
	});
}

/** `admin-grant` / `admin-revoke`: roles through users.adminUpdate (last-admin guard; a role change ends the sessions). */
export function setAdmin(caller: Caller, email: unknown, grant: boolean): Promise<CommandOutput> {
	return command(async () => {
		const user = await findUser(caller, email);
		if (isAdmin(user) === grant) return `${user.email} ${grant ? "is already" : "is not"} an admin; nothing changed.`;
		const updated = await call<PublicUser>(caller, "users.adminUpdate", { id: user.id, roles: grant ? ADMIN_ROLES : USER_ROLES }, OPERATOR);
		return `${updated.email} ${grant ? "is now an admin" : "is no longer an admin"} (roles: ${updated.roles.join(", ")}); their sessions were ended, so the change applies when they sign in again.`;
	});
}

/** `sessions-end <email>`: every live session of the user, through auth.endUserSessions. */
export function endSessions(caller: Caller, email: unknown): Promise<CommandOutput> {
	return command(async () => {
		const user = await findUser(caller, email);
		const ended = await call<number>(caller, "auth.endUserSessions", { userId: user.id }, OPERATOR);
		const count = typeof ended === "number" ? ended : 0;
		return `Ended ${count} session${count === 1 ? "" : "s"} of ${user.email}.`;
	});
}
