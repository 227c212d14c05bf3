import type { Role, UserStatus } from "../lib/enums";
import type { PublicUser } from "../lib/user-schema";
import { randomBytes } from "node:crypto";
import { call, command, CommandError, OPERATOR, type Caller, type CommandOutput } from "./command";

/** Operator commands on accounts: look-up, create, verify, reset, delete, disable/enable, admin role, sessions. */

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

/** A password nobody knows: the new user chooses theirs from the reset e-mail. */
function unknowablePassword(): string {
	return randomBytes(32).toString("base64url");
}

/**
 * `create-user <email> [--name <displayName>] [--admin]`: an account through auth.register (the password
 * policy, the audit trail and the verification e-mail as for a sign-up), with a password nobody knows; a
 * password-reset e-mail then lets the user choose theirs. No password is ever typed into the console.
 */
export function createUser(caller: Caller, email: unknown, opts: { name?: unknown; admin?: unknown } = {}): Promise<CommandOutput> {
	return command(async () => {
		const address = cleanEmail(email);
		const displayName = typeof opts.name === "string" && opts.name.trim() ? opts.name.trim() : undefined;
		let user = await call<PublicUser>(caller, "auth.register", { email: address, password: unknowablePassword(), ...(displayName ? { displayName } : {}) }, OPERATOR);
		if (opts.admin === true) user = await call<PublicUser>(caller, "users.adminUpdate", { id: user.id, roles: ADMIN_ROLES }, OPERATOR);
		await call(caller, "auth.forgotPassword", { email: user.email }, OPERATOR);
		return `Created ${user.email} (id ${user.id}, roles: ${user.roles.join(", ")}). E-mails sent to them: a link to choose a password, and one to confirm the address (or run verify-user ${user.email}).`;
	});
}

/** `verify-user <email>`: marks the address confirmed, as the verification link would (audited as the operator). */
export function verifyUser(caller: Caller, email: unknown): Promise<CommandOutput> {
	return command(async () => {
		const user = await findUser(caller, email);
		if (user.emailVerified) return `${user.email} is already verified; nothing changed.`;
		await call(caller, "users.markVerified", { id: user.id }, OPERATOR);
		await call(caller, "auth.recordAudit", { type: "email.verify", subjectId: user.id }, OPERATOR);
		return `Verified ${user.email}: they can sign in.`;
	});
}

/** `send-reset <email>`: sends the password-reset e-mail, as "forgot password" would. */
export function sendReset(caller: Caller, email: unknown): Promise<CommandOutput> {
	return command(async () => {
		const user = await findUser(caller, email);
		await call(caller, "auth.forgotPassword", { email: user.email }, OPERATOR);
		return `A password-reset link was sent to ${user.email} (valid for 30 minutes, once).`;
	});
}

/** `delete-user <email>`: deletes the account as an admin would (never the last admin; sessions and notifications go too). */
export function deleteUser(caller: Caller, email: unknown): Promise<CommandOutput> {
	return command(async () => {
		const user = await findUser(caller, email);
		await call(caller, "users.remove", { id: user.id }, OPERATOR);
		return `Deleted ${user.email} (id ${user.id}): the account, its sessions and its notifications are gone.`;
	});
}
