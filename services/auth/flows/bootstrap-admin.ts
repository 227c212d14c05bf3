/** ADMIN_EMAIL / ADMIN_PASSWORD: that verified admin account is created once, when the address has none. */
import { backoffDelay } from "../../../lib/backoff";
import { ConfigError } from "../../../lib/config";
import { PASSWORD_PROBLEM_MESSAGES, passwordProblem } from "../password/policy";
import { setPassword } from "../password/credentials";
import type { AuthKit, AuthSettings } from "../ports";

export const BOOTSTRAP_AUDIT_TYPE = "admin.bootstrap";

/** What the bootstrap did: nothing was configured (null), it made the account, or it left things alone. */
export type BootstrapOutcome = null | { email: string; created: boolean };

/** Checked as the node starts, so that a refused password stops it at once (exit 78), before any call. */
export function checkAdminSettings(settings: Pick<AuthSettings, "adminEmail" | "adminPassword">): void {
	const problem = settings.adminPassword ? passwordProblem(settings.adminPassword) : null;
	if (problem) throw new ConfigError(`ADMIN_PASSWORD is refused: ${PASSWORD_PROBLEM_MESSAGES[problem]}`);
}

/**
 * Creates the admin when the address has no account and never touched it before; does nothing to an existing
 * account (a demoted, disabled or re-passworded admin stays so) nor to one it made and someone deleted (the
 * audit trail remembers). Safe on several nodes at once: the unique address decides which one creates it.
 */
export async function bootstrapAdmin(kit: AuthKit): Promise<BootstrapOutcome> {
	const { adminEmail, adminPassword } = kit.settings;
	if (!adminEmail || !adminPassword) return null;
	checkAdminSettings(kit.settings);
	const address = adminEmail.trim().toLowerCase();
	const untouched = { email: adminEmail, created: false };
	if (await kit.audit.recorded(BOOTSTRAP_AUDIT_TYPE, { address })) return untouched;
	if (await kit.users.findByEmail(adminEmail)) return untouched;
	let userId: string;
	try {
		userId = (await kit.users.create({ email: adminEmail, roles: ["user", "admin"], emailVerified: true, displayName: "Admin" })).id;
	} catch (err) {
		// Another node created it a moment ago: it also sets the password and writes the audit entry.
		if ((err as { type?: string }).type === "EMAIL_TAKEN") return untouched;
		throw err;
	}
	await setPassword(kit, userId, adminPassword);
	await kit.audit.record({ type: BOOTSTRAP_AUDIT_TYPE, actorId: null, subjectId: userId, details: { address } });
	return { email: adminEmail, created: true };
}

/** What the retries need of the node: whether it is stopping, a wait, where to say why it waits. */
export interface RetryPort {
	stopping(): boolean;
	sleep(ms: number): Promise<void>;
	warn(message: string): void;
}

/**
 * Runs in the background once the broker has started (never holding up the start: `users` may be this very
 * node, whose subscriptions exist only then), and retries until `users` answers or the node stops.
 */
export async function bootstrapAdminUntilDone(kit: () => AuthKit, usersReady: () => Promise<void>, retry: RetryPort): Promise<BootstrapOutcome> {
	for (let attempt = 1; !retry.stopping(); attempt++) {
		try {
			await usersReady();
			if (retry.stopping()) break;
			return await bootstrapAdmin(kit());
		} catch (err) {
			if (err instanceof ConfigError || retry.stopping()) throw err;
			retry.warn(`Could not set up the admin account yet (attempt ${attempt}): ${(err as Error).message}`);
			await retry.sleep(backoffDelay(attempt, 500, 10_000));
		}
	}
	return null;
}
