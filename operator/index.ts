import type { ReplOptions, ServiceBroker } from "moleculer";
import { clearThrottle, resetMfa, verifyAudit } from "./auth";
import { clusterHealth } from "./cluster";
import { describeError, type Caller, type CommandOutput } from "./command";
import { FAILED_LIMIT_MAX, listFailedMail, retryMail } from "./mail";
import { createUser, deleteUser, endSessions, sendReset, setAdmin, setUserStatus, showUser, verifyUser } from "./users";

/**
 * Operator commands for the REPL (`npm run repl`), by topic: users.ts, mail.ts, auth.ts, cluster.ts, on
 * command.ts. This file turns them into moleculer-repl custom commands.
 */

export * from "./auth";
export * from "./cluster";
export * from "./command";
export * from "./console";
export * from "./mail";
export * from "./users";

/** A moleculer-repl custom command (moleculer's ReplOptions["customCommands"] item). */
export type ReplCommand = NonNullable<ReplOptions["customCommands"]>[number];

/** What moleculer-repl passes as `args`: the named arguments and `options` (typed loosely upstream). */
interface ReplArgs {
	options?: Record<string, unknown>;
	[name: string]: unknown;
}

function replArgs(args: unknown): ReplArgs {
	return args !== null && typeof args === "object" ? (args as ReplArgs) : {};
}

export interface Printer {
	log(text: string): void;
	error(text: string): void;
}

/** Prints a command's output; anything unexpected still prints one line. */
export async function printOutput(run: () => Promise<CommandOutput>, out: Printer = console): Promise<void> {
	try {
		const result = await run();
		if (result.ok) out.log(result.text);
		else out.error(result.text);
	} catch (err) {
		out.error(describeError(err));
	}
}

function define(
	command: string,
	description: string,
	run: (broker: Caller, args: ReplArgs) => Promise<CommandOutput>,
	extra: Partial<Pick<ReplCommand, "options" | "alias">> = {},
	out?: Printer
): ReplCommand {
	return {
		command,
		description,
		...extra,
		action: (broker: ServiceBroker, args: unknown) => printOutput(() => run(broker, replArgs(args)), out)
	};
}

/** The operator commands, as moleculer-repl custom commands (`replOptions.customCommands`). */
export function replCommands(out?: Printer): ReplCommand[] {
	return [
		define("user <email>", "Show a user by e-mail address", (b, a) => showUser(b, a.email), {}, out),
		define(
			"create-user <email>",
			"Create an account: the user gets a link to choose a password (none is typed here) and one to confirm the address",
			(b, a) => createUser(b, a.email, { name: a.options?.name, admin: a.options?.admin }),
			{ options: [{ option: "-n, --name <displayName>", description: "Display name" }, { option: "-a, --admin", description: "Make the user an admin" }] },
			out
		),
		define("verify-user <email>", "Mark a user's e-mail address as confirmed", (b, a) => verifyUser(b, a.email), {}, out),
		define("send-reset <email>", "Send a user the password-reset e-mail", (b, a) => sendReset(b, a.email), {}, out),
		define("delete-user <email>", "Delete an account with its sessions and notifications (never the last admin)", (b, a) => deleteUser(b, a.email), {}, out),
		define("user-disable <email>", "Disable a user: sign-in refused, sessions ended (never the last admin)", (b, a) => setUserStatus(b, a.email, "disabled"), {}, out),
		define("user-enable <email>", "Enable a disabled user again", (b, a) => setUserStatus(b, a.email, "active"), {}, out),
		define("admin-grant <email>", "Make a user an admin (their sessions end; they sign in again)", (b, a) => setAdmin(b, a.email, true), {}, out),
		define("admin-revoke <email>", "Take the admin role from a user (never the last admin)", (b, a) => setAdmin(b, a.email, false), {}, out),
		define("sessions-end <email>", "End every session of a user at once", (b, a) => endSessions(b, a.email), {}, out),
		define(
			"mail-failed",
			"List e-mail deliveries that gave up, newest first",
			(b, a) => listFailedMail(b, a.options?.limit),
			{ options: [{ option: "-l, --limit <n>", description: `How many to list (1-${FAILED_LIMIT_MAX}, default 20)` }] },
			out
		),
		define("mail-retry [id]", "Send failed e-mails again: the one with this id, or all", (b, a) => retryMail(b, a.id), {}, out),
		define("throttle-clear <target>", "Lift the login lock of an e-mail address, or the request limit of an IP", (b, a) => clearThrottle(b, a.target), {}, out),
		define("mfa-reset <email>", "Remove every second factor of a locked-out user (TOTP, recovery codes, passkeys); audited, the user is told", (b, a) => resetMfa(b, a.email), {}, out),
		define("audit-verify", "Check the audit trail's hash chain: reports the first removed or altered entry", b => verifyAudit(b), {}, out),
		define("cluster", "Cluster health: nodes, services per node, store reachability of users/auth/notifications", b => clusterHealth(b), {}, out)
	];
}
