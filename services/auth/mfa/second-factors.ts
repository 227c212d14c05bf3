/**
 * A user's second factors as one thing: the TOTP factor, recovery codes, passkeys, and logins waiting for a
 * second factor. The service builds it once over its stores (`secondFactorsOver`); the flows read and change
 * factors only through it, so "which factors does this user have" is answered in one place.
 */
import type { Clock } from "../../../lib/clock";
import type { Collection } from "../../../lib/collection";
import type { MfaMethod } from "../../../lib/enums";
import { MfaTokens, type MfaChallengeRecord } from "./mfa-token";
import type { PasskeyRecord, PasskeyView } from "./passkey-credential";
import { RecoveryCodes, type RecoveryCodeRecord } from "./recovery-codes";
import type { SecretBox } from "./secret-box";
import { TotpFactors, type MfaFactorRecord } from "./totp-factors";

/** `GET /mfa` (flows/mfa-enrolment.ts showFactors): which factors are on; never a secret. */
export interface MfaStatus {
	totp: boolean;
	recoveryCodesRemaining: number;
	passkeys: PasskeyView[];
}

export interface SecondFactors {
	totp: TotpFactors;
	recoveryCodes: RecoveryCodes;
	mfaTokens: MfaTokens;
	passkeys: Collection<PasskeyRecord>;
}

export interface SecondFactorStores {
	totp: Collection<MfaFactorRecord>;
	recoveryCodes: Collection<RecoveryCodeRecord>;
	mfaChallenges: Collection<MfaChallengeRecord>;
	passkeys: Collection<PasskeyRecord>;
}

export function secondFactorsOver(stores: SecondFactorStores, box: SecretBox, clock: Clock): SecondFactors {
	return {
		totp: new TotpFactors(stores.totp, box, clock),
		recoveryCodes: new RecoveryCodes(stores.recoveryCodes, clock),
		mfaTokens: new MfaTokens(stores.mfaChallenges, clock),
		passkeys: stores.passkeys
	};
}

/**
 * The second factors a login may be finished with, in CONTRACT order; empty when the user has none (then a
 * password alone signs in). Recovery codes count only beside a real factor.
 */
export async function loginMethods(factors: SecondFactors, userId: string): Promise<MfaMethod[]> {
	const [totp, recoveryCodesRemaining, passkeys] = await Promise.all([factors.totp.isOn(userId), factors.recoveryCodes.remaining(userId), factors.passkeys.count({ userId })]);
	if (!totp && passkeys === 0) return [];
	const methods: MfaMethod[] = [];
	if (totp) methods.push("totp");
	if (recoveryCodesRemaining > 0) methods.push("recovery");
	if (passkeys > 0) methods.push("passkey");
	return methods;
}

/** True while the user has any second factor (TOTP or a passkey). */
export async function hasSecondFactor(factors: SecondFactors, userId: string): Promise<boolean> {
	return (await factors.totp.isOn(userId)) || (await factors.passkeys.count({ userId })) > 0;
}

/** Every second factor of the user goes (admin reset, account deletion); answers what there was. */
export async function removeAllFactors(factors: SecondFactors, userId: string): Promise<{ totp: boolean; passkeys: number; recoveryCodes: number }> {
	const before = { totp: await factors.totp.isOn(userId), passkeys: await factors.passkeys.count({ userId }), recoveryCodes: await factors.recoveryCodes.remaining(userId) };
	await factors.totp.remove(userId);
	await factors.passkeys.removeMany({ userId });
	await factors.recoveryCodes.removeAll(userId);
	return before;
}
