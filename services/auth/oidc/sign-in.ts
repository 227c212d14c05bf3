/**
 * Signing in on the OpenID Provider's interaction page: the same checks as a password login (throttling,
 * disabled and unverified accounts), but the session is oidc-provider's, not one of ours.
 */
import type { Amr } from "../../../lib/enums";
import { apiError } from "../../../lib/errors";
import { checkCredentials, type Credentials } from "../flows/login";
import { SIGN_IN_FACTORS } from "../flows/sign-in";
import { amrFor } from "../mfa/amr";
import type { AuthKit } from "../ports";
import { enrolmentOnly } from "../sessions";

export interface OidcSignIn {
	accountId: string;
	amr: Amr[];
}

/**
 * Said on the interaction page to an account with a second factor (or whose role needs one, MFA_REQUIRED_ROLES):
 * the page has no second-factor step yet, and the password alone must not be enough.
 */
export const OIDC_SECOND_FACTOR_UNSUPPORTED = "This account needs a second factor, which signing in to other apps does not support yet.";

export async function oidcSignIn(kit: AuthKit, credentials: Credentials & { clientId: string }): Promise<OidcSignIn> {
	const { user, methods } = await checkCredentials(kit, credentials);
	const amr = amrFor(SIGN_IN_FACTORS.password);
	if (methods.length > 0 || enrolmentOnly(user.roles, amr, kit.settings.mfaRequiredRoles)) {
		kit.metrics.count("logins", { result: "mfa_required" });
		await kit.audit.record({ type: "login", outcome: "failure", subjectId: user.id, details: { reason: "second_factor_unsupported", method: "oidc", clientId: credentials.clientId } });
		throw apiError("MFA_REQUIRED", OIDC_SECOND_FACTOR_UNSUPPORTED);
	}
	await kit.users.recordLogin(user.id);
	kit.metrics.count("logins", { result: "success" });
	await kit.audit.record({ type: "login", subjectId: user.id, actorId: user.id, details: { method: "oidc", clientId: credentials.clientId } });
	return { accountId: user.id, amr };
}
