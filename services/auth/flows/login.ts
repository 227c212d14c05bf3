/** Signing in with address and password, throttled per address. */
import { isIP } from "node:net";
import { emailKey } from "../../../lib/email";
import { apiError, throttled } from "../../../lib/errors";
import type { MfaMethod } from "../../../lib/enums";
import type { MfaChallengeResponse, TokenResponse } from "../../../lib/types";
import type { PublicUser } from "../../../lib/user-schema";
import type { IpLimit } from "../ip-limit";
import { DEFAULT_LOCK, lockRemaining, recordLoginFailure } from "../login-throttle";
import { setPassword } from "../password/credentials";
import type { AuthKit, ClientInfo } from "../ports";
import { loginMethods } from "../mfa/second-factors";
import { SIGN_IN_FACTORS, signInOrChallenge } from "./sign-in";

export interface Credentials {
	email: string;
	password: string;
}

/**
 * INVALID_CREDENTIALS alike, in body and in time, for an unknown address and a wrong password; the account's
 * state (disabled, unverified) is only told to the right password. A locked address is refused before any
 * check, even with the right password; a success lifts the count. With a second factor enrolled, the right
 * password only earns an mfaToken (./login-mfa.ts finishes), and the count is lifted only by the whole login,
 * so a thief who knows the password cannot reset the count between guesses at the code.
 */
export async function logIn(kit: AuthKit, credentials: Credentials, client: ClientInfo): Promise<TokenResponse | MfaChallengeResponse> {
	const { user, methods } = await checkCredentials(kit, credentials);
	return signInOrChallenge(kit, user, SIGN_IN_FACTORS.password, methods, client);
}

/** The password's part of a login, without a session: the account that may go on, and its second factors. */
export async function checkCredentials(kit: AuthKit, { email, password }: Credentials): Promise<{ user: PublicUser; methods: MfaMethod[] }> {
	const key = emailKey(email);
	// Both reads at once: the account is looked up whether or not the address turns out to be locked.
	const [throttle, user] = await Promise.all([kit.stores.throttles.findById(key), kit.users.findByEmail(key)]);
	const wait = lockRemaining(throttle, kit.clock.now());
	if (wait > 0) {
		kit.metrics.count("logins", { result: "throttled" });
		kit.metrics.count("throttled", { kind: "address" });
		await kit.audit.record({ type: "login.throttled", outcome: "failure", details: { address: key } });
		throw throttled("TOO_MANY_ATTEMPTS", wait);
	}

	const credential = user ? await kit.stores.credentials.findById(user.id) : null;
	// An unknown address costs a hash compare too: the answer takes as long either way.
	const ok = await kit.hasher.verify(password, credential?.passwordHash);
	if (!user || !credential || !ok) {
		kit.metrics.count("logins", { result: "invalid_credentials" });
		await kit.audit.record({ type: "login", outcome: "failure", subjectId: user?.id ?? null, details: { reason: "invalid_credentials", address: key } });
		await recordLoginFailure(kit.stores.throttles, key, { maxFailures: kit.settings.loginMaxFailures, ...DEFAULT_LOCK }, kit.clock.now());
		throw apiError("INVALID_CREDENTIALS");
	}
	const methods = await loginMethods(kit.factors, user.id);
	if (throttle && methods.length === 0) await kit.stores.throttles.removeById(key);
	const refusal = user.status !== "active" ? "ACCOUNT_DISABLED" : kit.settings.emailVerificationRequired && !user.emailVerified ? "EMAIL_NOT_VERIFIED" : null;
	if (refusal) {
		const reason = refusal.toLowerCase();
		kit.metrics.count("logins", { result: reason });
		await kit.audit.record({ type: "login", outcome: "failure", subjectId: user.id, details: { reason } });
		throw apiError(refusal);
	}

	if (kit.hasher.needsRehash(credential.passwordHash)) await setPassword(kit, user.id, password);
	return { user, methods };
}

/** Lifts the login lock of an address and/or the request limit of a client IP (admin). */
/** What a clearing found: whether the address was locked, whether the IP was at its limit (null: not asked). */
export interface ThrottleClearing {
	addressLocked: boolean | null;
	ipLimited: boolean | null;
}

const NEED_TARGET = "Give an email, an ip or both";
const BAD_IP = "The 'ip' field must be an IPv4 or IPv6 address";

export async function clearThrottle(kit: AuthKit, ipLimit: IpLimit, { email, ip }: { email?: string; ip?: string }): Promise<ThrottleClearing> {
	if (!email && !ip) throw apiError("VALIDATION_ERROR", NEED_TARGET, [{ field: "email", type: "required", message: NEED_TARGET }]);
	if (ip !== undefined && isIP(ip) === 0) throw apiError("VALIDATION_ERROR", BAD_IP, [{ field: "ip", type: "ip", message: BAD_IP }]);
	let addressLocked: boolean | null = null;
	if (email) {
		addressLocked = lockRemaining(await kit.stores.throttles.findById(emailKey(email)), kit.clock.now()) > 0;
		await kit.stores.throttles.removeById(emailKey(email));
	}
	const ipLimited = ip ? await ipLimit.clear(ip) : null;
	await kit.audit.record({ type: "throttle.clear", details: { address: email ? emailKey(email) : null, ip: ip ?? null } });
	return { addressLocked, ipLimited };
}
