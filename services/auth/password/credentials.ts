import { apiError } from "../../../lib/errors";
import type { AuthKit } from "../ports";
import { PASSWORD_PROBLEM_MESSAGES, passwordProblem } from "./policy";

export interface CredentialRecord {
	_id: string; // the user's id
	passwordHash: string;
	updatedAt: Date;
}

type CredentialKit = Pick<AuthKit, "stores" | "hasher" | "clock">;

/** WEAK_PASSWORD (422) with the reason, for a new password the policy refuses. */
export function ensurePasswordPolicy(candidate: string): void {
	const problem = passwordProblem(candidate);
	if (problem) throw apiError("WEAK_PASSWORD", PASSWORD_PROBLEM_MESSAGES[problem], { reason: problem });
}

export async function setPassword(kit: CredentialKit, userId: string, newPassword: string): Promise<void> {
	const passwordHash = await kit.hasher.hash(newPassword);
	const updatedAt = new Date(kit.clock.now());
	const updated = await kit.stores.credentials.updateMany({ _id: userId }, { $set: { passwordHash, updatedAt } });
	if (updated === 0) await kit.stores.credentials.insert({ _id: userId, passwordHash, updatedAt });
}

/** Re-authentication of a signed-in user (password change, e-mail change, account deletion). */
export async function passwordMatches(kit: CredentialKit, userId: string, password: string): Promise<boolean> {
	const credential = await kit.stores.credentials.findById(userId);
	return kit.hasher.verify(password, credential?.passwordHash);
}
