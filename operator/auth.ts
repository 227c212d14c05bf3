import type { PublicUser } from "../lib/user-schema";
import { call, command, CommandError, OPERATOR, type Caller, type CommandOutput } from "./command";
import { NO_USER } from "./users";

/** Operator commands answered by auth: lifting a throttle, checking the audit chain, removing second factors. */

/** `throttle-clear <email|ip>`: lifts an address's login lock or a client IP's request limit. */
export function clearThrottle(caller: Caller, target: unknown): Promise<CommandOutput> {
	return command(async () => {
		const value = typeof target === "string" ? target.trim() : "";
		if (!value) throw new CommandError("Give an e-mail address or an IP address");
		const byAddress = value.includes("@");
		const found = await call<{ addressLocked?: boolean | null; ipLimited?: boolean | null } | null>(caller, "auth.clearThrottle", byAddress ? { email: value } : { ip: value }, OPERATOR);
		if (byAddress) {
			return found?.addressLocked ? `Login lock of ${value} lifted: it was locked.` : `${value} was not locked; its count of failed sign-ins was reset.`;
		}
		return found?.ipLimited ? `Request limit of ${value} lifted: it was at its limit.` : `${value} was not at its request limit; its count was reset.`;
	});
}

/** `audit-verify`: checks the audit trail's hash chain end to end. */
export function verifyAudit(caller: Caller): Promise<CommandOutput> {
	return command(async () => {
		const verdict = await call<{ ok: boolean; checked: number; brokenAt?: number; reason?: string }>(caller, "auth.auditVerify", {}, OPERATOR);
		if (verdict.ok) return `Audit trail intact: ${verdict.checked} entr${verdict.checked === 1 ? "y" : "ies"} checked.`;
		throw new CommandError(`Audit trail BROKEN at entry ${verdict.brokenAt}: ${verdict.reason} (${verdict.checked} entries before it are intact)`);
	});
}

/**
 * `mfa-reset <email>`: removes every second factor of a locked-out user (TOTP, recovery codes, passkeys), as
 * `DELETE /api/v1/users/:id/mfa` does: audited with the operator as actor, and the user is told.
 */
export function resetMfa(caller: Caller, email: unknown): Promise<CommandOutput> {
	return command(async () => {
		const address = typeof email === "string" ? email.trim() : "";
		if (!address) throw new CommandError("Give an e-mail address, e.g. ada@example.com");
		const user = await call<PublicUser | null>(caller, "users.findByEmail", { email: address });
		if (!user) throw new CommandError(`${NO_USER}: ${address}`);
		await call(caller, "auth.resetMfa", { id: user.id }, OPERATOR);
		return `Every second factor of ${user.email} was removed (TOTP, recovery codes, passkeys); they were told by e-mail and in the app.`;
	});
}
