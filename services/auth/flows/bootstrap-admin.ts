/** ADMIN_EMAIL / ADMIN_PASSWORD: that verified admin account exists after start. */
import { ConfigError } from "../../../lib/config";
import { PASSWORD_PROBLEM_MESSAGES, passwordProblem } from "../password/policy";
import { setPassword } from "../password/credentials";
import type { AuthKit } from "../ports";

/**
 * Answers the admin's address, or null when none is configured. `usersReady` settles when `users` can be
 * called; a refused password stops the start before waiting for it.
 */
export async function bootstrapAdmin(kit: AuthKit, usersReady: () => Promise<void>): Promise<string | null> {
	const { adminEmail, adminPassword } = kit.settings;
	if (!adminEmail || !adminPassword) return null;
	const problem = passwordProblem(adminPassword);
	if (problem) throw new ConfigError(`ADMIN_PASSWORD is refused: ${PASSWORD_PROBLEM_MESSAGES[problem]}`);
	await usersReady();
	const user = (await kit.users.findByEmail(adminEmail)) ?? (await kit.users.create({ email: adminEmail, roles: ["admin"], emailVerified: true, displayName: "Admin" }));
	await kit.users.promoteAdmin(user.id);
	// An existing password is kept: the operator may have changed it since.
	if (!(await kit.stores.credentials.findById(user.id))) await setPassword(kit, user.id, adminPassword);
	return user.email;
}
