/**
 * Enrolling and removing second factors (CONTRACT §4): TOTP set up with the password and turned on by a first
 * code, removed with password and code; recovery codes handed out with the first factor and renewed with the
 * password; every factor removed by an admin. Each change is audited and told to the user.
 */
import { apiError, invalidMfaCode } from "../../../lib/errors";
import type { AuthUser } from "../../../lib/types";
import type { PublicUser } from "../../../lib/user-schema";
import { TOTP_FACTOR, sendMfaNotice } from "../mfa/notices";
import { hasSecondFactor, removeAllFactors, type MfaStatus } from "../mfa/second-factors";
import { otpauthUrl } from "../mfa/totp";
import { passwordMatches } from "../password/credentials";
import type { AuthKit } from "../ports";
import { addSessionFactor } from "../sessions";
import { listPasskeys } from "./passkeys";
import { checkTotpCode, countChallenge } from "./step-up";

async function signedInUser(kit: AuthKit, userId: string): Promise<PublicUser> {
	const user = await kit.users.getById(userId);
	if (!user) throw apiError("NOT_FOUND");
	return user;
}

/** Re-authentication for a factor change: the account's password, 401 INVALID_CREDENTIALS otherwise. */
async function requirePassword(kit: AuthKit, userId: string, password: string, action: string): Promise<void> {
	if (await passwordMatches(kit, userId, password)) return;
	await kit.audit.record({ type: action, outcome: "failure", subjectId: userId, details: { reason: "invalid_credentials" } });
	throw apiError("INVALID_CREDENTIALS", "The password is wrong");
}

function refused(field: string, type: string, message: string) {
	return apiError("VALIDATION_ERROR", message, [{ field, type, message }]);
}

export async function showFactors(kit: AuthKit, caller: AuthUser): Promise<MfaStatus> {
	const [totp, recoveryCodesRemaining, passkeys] = await Promise.all([kit.factors.totp.isOn(caller.id), kit.factors.recoveryCodes.remaining(caller.id), listPasskeys(kit, caller.id)]);
	return { totp, recoveryCodesRemaining, passkeys };
}

/** A new secret, shown this once; TOTP is on only after `confirmTotp`. Refused while TOTP is on. */
export async function setUpTotp(kit: AuthKit, caller: AuthUser, { password }: { password: string }): Promise<{ secret: string; otpauthUrl: string }> {
	await requirePassword(kit, caller.id, password, "mfa.totp.setup");
	const user = await signedInUser(kit, caller.id);
	const secret = await kit.factors.totp.begin(user.id);
	if (secret === null) throw refused("totp", "already_on", "TOTP is already on; turn it off first to set up a new authenticator");
	await kit.audit.record({ type: "mfa.totp.setup", subjectId: user.id });
	return { secret, otpauthUrl: otpauthUrl(secret, { issuer: kit.settings.appName, email: user.email }) };
}

/**
 * A first right code turns TOTP on. The first second factor of the account comes with 10 recovery codes
 * (shown this once); later ones answer an empty list. The session that proved the code now counts as two
 * factors.
 */
export async function confirmTotp(kit: AuthKit, caller: AuthUser, { code }: { code: string }): Promise<{ recoveryCodes: string[] }> {
	const user = await signedInUser(kit, caller.id);
	const first = !(await hasSecondFactor(kit.factors, user.id));
	const passed = await kit.factors.totp.confirm(user.id, code);
	countChallenge(kit, "totp", "enrolment", passed);
	if (!passed) {
		await kit.audit.record({ type: "mfa.totp.enable", outcome: "failure", subjectId: user.id, details: { reason: "invalid_code" } });
		throw invalidMfaCode(false);
	}
	const recoveryCodes = first ? await kit.factors.recoveryCodes.regenerate(user.id) : [];
	await addSessionFactor(kit, caller.sid, user.id, "otp");
	await kit.audit.record({ type: "mfa.totp.enable", subjectId: user.id, details: { recoveryCodes: recoveryCodes.length } });
	await sendMfaNotice(kit.mail, user, { template: "mfa-enabled", factor: TOTP_FACTOR });
	return { recoveryCodes };
}

/** TOTP off, with the password and a current code. The last second factor takes the recovery codes with it. */
export async function disableTotp(kit: AuthKit, caller: AuthUser, { password, code }: { password: string; code: string }): Promise<null> {
	await requirePassword(kit, caller.id, password, "mfa.totp.disable");
	const user = await signedInUser(kit, caller.id);
	if (!(await kit.factors.totp.isOn(user.id))) throw apiError("NOT_FOUND", "TOTP is not on");
	await checkTotpCode(kit, user.id, code, "enrolment", "mfa.totp.disable");
	await kit.factors.totp.remove(user.id);
	if (!(await hasSecondFactor(kit.factors, user.id))) await kit.factors.recoveryCodes.removeAll(user.id);
	await kit.audit.record({ type: "mfa.totp.disable", subjectId: user.id });
	await sendMfaNotice(kit.mail, user, { template: "mfa-disabled", factor: TOTP_FACTOR });
	return null;
}

/** Ten new recovery codes; the previous ones stop working. Only while a second factor is on. */
export async function renewRecoveryCodes(kit: AuthKit, caller: AuthUser, { password }: { password: string }): Promise<{ recoveryCodes: string[] }> {
	await requirePassword(kit, caller.id, password, "mfa.recovery_codes.renew");
	const user = await signedInUser(kit, caller.id);
	if (!(await hasSecondFactor(kit.factors, user.id))) throw refused("recoveryCodes", "no_second_factor", "Set up a second factor first: recovery codes stand in for one");
	const recoveryCodes = await kit.factors.recoveryCodes.regenerate(user.id);
	await kit.audit.record({ type: "mfa.recovery_codes.renew", subjectId: user.id });
	await sendMfaNotice(kit.mail, user, { template: "recovery-codes-renewed" });
	return { recoveryCodes };
}

/** An admin (or an operator at the REPL) removes every second factor of a locked-out user. */
export async function resetFactors(kit: AuthKit, { id }: { id: string }): Promise<null> {
	const user = await kit.users.getById(id);
	if (!user) throw apiError("NOT_FOUND", "User not found");
	const removed = await removeAllFactors(kit.factors, user.id);
	await kit.audit.record({ type: "mfa.reset", subjectId: user.id, details: removed });
	await sendMfaNotice(kit.mail, user, { template: "mfa-reset" });
	return null;
}
