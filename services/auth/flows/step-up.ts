/**
 * Step-up (CONTRACT §4): while TOTP is on, changing the password or the e-mail address and deleting the
 * account also need a current code. Every code checked anywhere is counted here (metrics: passed/failed).
 */
import type { MfaMethod } from "../../../lib/enums";
import { apiError, invalidMfaCode } from "../../../lib/errors";
import type { AuthKit } from "../ports";

/** Where a code was checked: finishing a login, a step-up, or an enrolment (confirming or removing TOTP). */
export type ChallengeStage = "login" | "step_up" | "enrolment";

export function countChallenge(kit: Pick<AuthKit, "metrics">, method: Exclude<MfaMethod, "passkey">, stage: ChallengeStage, passed: boolean): void {
	kit.metrics.count("mfaChallenges", { method, stage, result: passed ? "passed" : "failed" });
}

/** Checks a TOTP code of the user's confirmed factor (used once): 422 INVALID_MFA_CODE when wrong or reused. */
export async function checkTotpCode(kit: AuthKit, userId: string, code: string, stage: Exclude<ChallengeStage, "login">, action: string): Promise<void> {
	const passed = await kit.factors.totp.verify(userId, code);
	countChallenge(kit, "totp", stage, passed);
	if (passed) return;
	await kit.audit.record({ type: "mfa.challenge", outcome: "failure", subjectId: userId, details: { method: "totp", action } });
	throw invalidMfaCode(false);
}

/** Nothing to do while TOTP is off; otherwise `code` must be a current code: 403 MFA_REQUIRED without one. */
export async function requireStepUp(kit: AuthKit, userId: string, code: string | undefined, action: string): Promise<void> {
	if (!(await kit.factors.totp.isOn(userId))) return;
	if (code === undefined) throw apiError("MFA_REQUIRED");
	await checkTotpCode(kit, userId, code, "step_up", action);
}
