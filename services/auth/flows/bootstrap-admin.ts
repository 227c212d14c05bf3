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
	const existing = await kit.users.findByEmail(adminEmail);
	if (existing) return (await ensureFinished(kit, existing)) ?? untouched;
	let userId: string;
	try {
		userId = (await kit.users.create({ email: adminEmail, roles: ["user", "admin"], emailVerified: true, displayName: "Admin" })).id;
	} catch (err) {
		// Another node created it a moment ago: it also sets the password and writes the audit entry.
		if ((err as { type?: string }).type !== "EMAIL_TAKEN") throw err;
		const other = await kit.users.findByEmail(adminEmail);
		return (other && (await ensureFinished(kit, other))) ?? untouched;
	}
	await setPassword(kit, userId, adminPassword);
	await kit.audit.record({ type: BOOTSTRAP_AUDIT_TYPE, actorId: null, subjectId: userId, details: { address } });
	return { email: adminEmail, created: true };
}

/** Another node's bootstrap made the account a moment ago and is still setting its password (a hash's time). */
export class AdminBeingCreated extends Error {
	constructor() {
		super("Another node is still setting up the admin account");
	}
}

/** How long after its creation an account without a password may still be another node's bootstrap at work. */
const HALF_MADE_MS = 60_000;

/**
 * Returns null once the existing account is whole. While it is another node's bootstrap half-way (just
 * created, no password yet), throws AdminBeingCreated: this node waits, so that when it says it is ready
 * the admin can sign in through it.
 */
async function ensureFinished(kit: AuthKit, user: { id: string; createdAt: string }): Promise<null> {
	if (kit.clock.now() - Date.parse(user.createdAt) > HALF_MADE_MS) return null;
	if (await kit.stores.credentials.findById(user.id)) return null;
	throw new AdminBeingCreated();
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
			// Not a failure: the other node finishes within a hash's time.
			if (err instanceof AdminBeingCreated) {
				await retry.sleep(200);
				continue;
			}
			retry.warn(`Could not set up the admin account yet (attempt ${attempt}): ${(err as Error).message}`);
			await retry.sleep(backoffDelay(attempt, 500, 10_000));
		}
	}
	return null;
}
