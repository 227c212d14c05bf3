/**
 * Signing in on the OpenID Provider's interaction page: the same checks as a password login (throttling,
 * disabled and unverified accounts), but the session is oidc-provider's, not one of ours.
 */
import type { Amr } from "../../../lib/enums";
import { checkCredentials, type Credentials } from "../flows/login";
import { amrFor } from "../mfa/amr";
import type { AuthKit } from "../ports";

export interface OidcSignIn {
	accountId: string;
	amr: Amr[];
}

export async function oidcSignIn(kit: AuthKit, credentials: Credentials & { clientId: string }): Promise<OidcSignIn> {
	const user = await checkCredentials(kit, credentials);
	await kit.users.recordLogin(user.id);
	kit.metrics.count("logins", { result: "success" });
	await kit.audit.record({ type: "login", subjectId: user.id, actorId: user.id, details: { method: "oidc", clientId: credentials.clientId } });
	return { accountId: user.id, amr: amrFor(["password"]) };
}
