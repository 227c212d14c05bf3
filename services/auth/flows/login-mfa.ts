/**
 * `POST /login/mfa`: finishes a login the password began (./login.ts handed out the mfaToken) with a TOTP
 * code or a recovery code. `finishMfaLogin` is the one way to finish, whatever the second factor: the passkey
 * routes call it with their own check.
 */
import { emailKey } from "../../../lib/email";
import type { AuthFactor, MfaMethod } from "../../../lib/enums";
import { apiError, invalidMfaCode, throttled } from "../../../lib/errors";
import type { TokenResponse } from "../../../lib/types";
import type { PublicUser } from "../../../lib/user-schema";
import { DEFAULT_LOCK, lockRemaining, recordLoginFailure } from "../login-throttle";
import { sendMfaNotice } from "../mfa/notices";
import type { AuthKit, ClientInfo } from "../ports";
import { completeSignIn } from "./sign-in";
import { countChallenge } from "./step-up";

export interface MfaLoginInput {
	mfaToken: string;
	code?: string;
	recoveryCode?: string;
}

/** What each method adds to the factors the password showed. */
const FACTOR_OF: Record<MfaMethod, AuthFactor> = { totp: "totp", recovery: "recovery-code", passkey: "passkey" };

/** A spent, expired, exhausted, foreign or unknown mfaToken: 401, whatever the reason. */
export function deadMfaToken() {
	return apiError("INVALID_TOKEN", "The sign-in has expired or is no longer valid; sign in with your password again");
}

/**
 * Checks the second factor of a pending login and, when it is right, spends the mfaToken and signs in.
 * - the token must be live (5 minutes, fewer than 5 wrong answers, not spent): else 401 INVALID_TOKEN;
 * - a locked address is refused (429) before any check, like `POST /login`;
 * - a wrong answer counts against the token and the address's throttle: 401 INVALID_MFA_CODE;
 * - `check` answers whether the factor is right for the token's user (a method the login did not offer is wrong).
 */
export async function finishMfaLogin(kit: AuthKit, mfaToken: string, method: MfaMethod, check: (userId: string) => Promise<boolean>, client: ClientInfo): Promise<{ tokens: TokenResponse; user: PublicUser }> {
	const challenge = await kit.factors.mfaTokens.find(mfaToken);
	if (!challenge) throw deadMfaToken();
	const user = await kit.users.getById(challenge.userId);
	if (!user) throw deadMfaToken();
	const key = emailKey(user.email);
	const wait = lockRemaining(await kit.stores.throttles.findById(key), kit.clock.now());
	if (wait > 0) {
		kit.metrics.count("throttled", { kind: "address" });
		await kit.audit.record({ type: "login.throttled", outcome: "failure", subjectId: user.id, details: { address: key } });
		throw throttled("TOO_MANY_ATTEMPTS", wait);
	}

	const passed = challenge.methods.includes(method) && (await check(user.id));
	if (method !== "passkey") countChallenge(kit, method, "login", passed);
	if (!passed) {
		await kit.factors.mfaTokens.recordFailure(mfaToken);
		await recordLoginFailure(kit.stores.throttles, key, { maxFailures: kit.settings.loginMaxFailures, ...DEFAULT_LOCK }, kit.clock.now());
		kit.metrics.count("logins", { result: "invalid_mfa_code" });
		await kit.audit.record({ type: "login.mfa", outcome: "failure", subjectId: user.id, details: { method } });
		throw invalidMfaCode(true);
	}
	// Of two requests with right answers, one spends the token; the other finds it dead.
	if (!(await kit.factors.mfaTokens.spend(mfaToken))) throw deadMfaToken();
	if (user.status !== "active") throw apiError("ACCOUNT_DISABLED");
	await kit.stores.throttles.removeById(key);
	const tokens = await completeSignIn(kit, user, [...challenge.factors, FACTOR_OF[method]], client);
	return { tokens, user };
}

/** `{mfaToken, code}` or `{mfaToken, recoveryCode}`: exactly one of the two. */
export async function logInWithCode(kit: AuthKit, { mfaToken, code, recoveryCode }: MfaLoginInput, client: ClientInfo): Promise<TokenResponse> {
	if ((code === undefined) === (recoveryCode === undefined)) {
		const message = "Give either code or recoveryCode";
		throw apiError("VALIDATION_ERROR", message, [{ field: "code", type: "oneOf", message }]);
	}
	if (code !== undefined) {
		return (await finishMfaLogin(kit, mfaToken, "totp", userId => kit.factors.totp.verify(userId, code), client)).tokens;
	}
	const { tokens, user } = await finishMfaLogin(kit, mfaToken, "recovery", userId => kit.factors.recoveryCodes.use(userId, recoveryCode as string), client);
	const remaining = await kit.factors.recoveryCodes.remaining(user.id);
	await kit.audit.record({ type: "mfa.recovery_code.use", subjectId: user.id, actorId: user.id, details: { remaining } });
	await sendMfaNotice(kit.mail, user, { template: "recovery-code-used", remaining });
	return tokens;
}
