/**
 * A user's second factors as one thing: the TOTP factor, recovery codes, passkeys, and logins waiting for a
 * second factor. The service builds it once over its stores (`secondFactorsOver`); the flows read and change
 * factors only through it, so "which factors does this user have" is answered in one place.
 */
import type { Clock } from "../../../lib/clock";
import type { Collection } from "../../../lib/collection";
import type { MfaMethod } from "../../../lib/enums";
import { MfaTokens, type MfaChallengeRecord } from "./mfa-token";
import { RecoveryCodes, type RecoveryCodeRecord } from "./recovery-codes";
import type { SecretBox } from "./secret-box";
import { TotpFactors, type MfaFactorRecord } from "./totp-factors";

/** A passkey as stored (models/index.ts PasskeyModel). */
export interface PasskeyRecord {
	_id: string;
	credentialId: string;
	userId: string;
	publicKey: string;
	counter: number;
	transports: string[];
	name: string;
	createdAt: Date;
	lastUsedAt: Date | null;
}

/** A passkey as the API shows it (CONTRACT §4): nothing of the key itself. */
export interface PasskeyView {
	id: string;
	name: string;
	createdAt: string;
	lastUsedAt: string | null;
}

/** `GET /mfa`: which factors are on; never a secret. */
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

export function toPasskeyView(passkey: PasskeyRecord): PasskeyView {
	return {
		id: passkey._id,
		name: passkey.name,
		createdAt: new Date(passkey.createdAt).toISOString(),
		lastUsedAt: passkey.lastUsedAt ? new Date(passkey.lastUsedAt).toISOString() : null
	};
}

export async function mfaStatus(factors: SecondFactors, userId: string): Promise<MfaStatus> {
	const [totp, recoveryCodesRemaining, passkeys] = await Promise.all([
		factors.totp.isOn(userId),
		factors.recoveryCodes.remaining(userId),
		factors.passkeys.find({ userId }, { sort: ["createdAt"] })
	]);
	return { totp, recoveryCodesRemaining, passkeys: passkeys.map(toPasskeyView) };
}

/**
 * The second factors a login may be finished with, in CONTRACT order; empty when the user has none (then a
 * password alone signs in). Recovery codes count only beside a real factor.
 */
export async function loginMethods(factors: SecondFactors, userId: string): Promise<MfaMethod[]> {
	const { totp, recoveryCodesRemaining, passkeys } = await mfaStatus(factors, userId);
	if (!totp && passkeys.length === 0) return [];
	const methods: MfaMethod[] = [];
	if (totp) methods.push("totp");
	if (recoveryCodesRemaining > 0) methods.push("recovery");
	if (passkeys.length > 0) methods.push("passkey");
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
