/** Passkeys (CONTRACT §4): enrolling one, renaming and removing it; signing in with one is ./passkey-sign-in.ts. */
import { randomUUID } from "node:crypto";
import type { PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/server";
import { isDuplicateKeyError } from "../../../lib/collection";
import { apiError } from "../../../lib/errors";
import type { AuthUser } from "../../../lib/types";
import type { PublicUser } from "../../../lib/user-schema";
import { toPasskeyView, type PasskeyView } from "../mfa/passkey-credential";
import { sendMfaNotice } from "../mfa/notices";
import { hasSecondFactor } from "../mfa/second-factors";
import { RelyingParty } from "../mfa/webauthn";
import { WebAuthnChallenges } from "../mfa/webauthn-challenges";
import type { AuthKit } from "../ports";
import { addSessionFactor } from "../sessions";

/** A passkey named by nobody gets this name; its owner can rename it. */
export const DEFAULT_PASSKEY_NAME = "Passkey";

/** The relying party over the shared challenge store: any replica finishes what another began. */
export function relyingParty(kit: AuthKit): RelyingParty {
	return new RelyingParty(kit.settings.webauthn, new WebAuthnChallenges(kit.stores.webauthnChallenges, kit.clock));
}

async function account(kit: AuthKit, userId: string): Promise<PublicUser> {
	const user = await kit.users.getById(userId);
	if (!user) throw apiError("NOT_FOUND");
	return user;
}

/** The signed-in user's passkeys, oldest first (also for `GET /mfa`). */
export async function listPasskeys(kit: AuthKit, userId: string): Promise<PasskeyView[]> {
	return (await kit.factors.passkeys.find({ userId }, { sort: ["createdAt"] })).map(toPasskeyView);
}

export async function passkeyRegistrationOptions(kit: AuthKit, caller: AuthUser): Promise<PublicKeyCredentialCreationOptionsJSON> {
	const user = await account(kit, caller.id);
	const existing = await kit.factors.passkeys.find({ userId: user.id });
	return relyingParty(kit).registrationOptions({ userId: user.id, email: user.email, displayName: user.displayName }, existing);
}

export interface NewPasskey {
	name?: string;
	response: unknown;
}

/** The new passkey; on the user's first second factor also the 10 recovery codes, shown this once. */
export type EnrolledPasskey = PasskeyView & { recoveryCodes?: string[] };

/**
 * Stores the passkey the browser made for `passkeyRegistrationOptions`. If it is the user's first second
 * factor, recovery codes are handed out with it (CONTRACT §4: the first enrolment hands them out). The
 * session that made it now counts as two factors (MFA_REQUIRED_ROLES), like one that confirmed TOTP.
 */
export async function registerPasskey(kit: AuthKit, caller: AuthUser, { name, response }: NewPasskey): Promise<EnrolledPasskey> {
	const user = await account(kit, caller.id);
	const credential = await relyingParty(kit).verifyRegistration(user.id, response);
	const first = !(await hasSecondFactor(kit.factors, user.id));
	const label = name?.trim() || DEFAULT_PASSKEY_NAME;
	const now = new Date(kit.clock.now());
	let record;
	try {
		record = await kit.factors.passkeys.insert({ _id: randomUUID(), userId: user.id, ...credential, name: label, createdAt: now, lastUsedAt: null });
	} catch (err) {
		if (!isDuplicateKeyError(err)) throw err;
		const message = "This passkey is already registered";
		throw apiError("VALIDATION_ERROR", message, [{ field: "response", type: "webauthn", message }]);
	}
	const recoveryCodes = first ? await kit.factors.recoveryCodes.regenerate(user.id) : undefined;
	await addSessionFactor(kit, caller.sid, user.id, "hwk");
	await kit.audit.record({ type: "passkey.add", subjectId: user.id, actorId: user.id, details: { passkeyId: record._id, name: label, recoveryCodesIssued: first } });
	await sendMfaNotice(kit.mail, user, { template: "mfa-passkey-added", passkeyName: label });
	return { ...toPasskeyView(record), ...(recoveryCodes ? { recoveryCodes } : {}) };
}

/** Only the owner's passkeys: another user's id is NOT_FOUND, as if it did not exist. */
export async function renamePasskey(kit: AuthKit, caller: AuthUser, { id, name }: { id: string; name: string }): Promise<PasskeyView> {
	const label = name.trim();
	if (!label) throw apiError("VALIDATION_ERROR", "The name is empty", [{ field: "name", type: "required", message: "The name is empty" }]);
	const renamed = await kit.factors.passkeys.updateMany({ _id: id, userId: caller.id }, { $set: { name: label } });
	const passkey = renamed === 1 ? await kit.factors.passkeys.findOne({ _id: id, userId: caller.id }) : null;
	if (!passkey) throw apiError("NOT_FOUND", "Passkey not found");
	return toPasskeyView(passkey);
}

/** Removes one of the owner's passkeys; with the last second factor gone, the recovery codes go too. */
export async function removePasskey(kit: AuthKit, caller: AuthUser, { id }: { id: string }): Promise<null> {
	const passkey = await kit.factors.passkeys.findOne({ _id: id, userId: caller.id });
	if (!passkey || (await kit.factors.passkeys.removeMany({ _id: id, userId: caller.id })) !== 1) throw apiError("NOT_FOUND", "Passkey not found");
	const last = !(await hasSecondFactor(kit.factors, caller.id));
	if (last) await kit.factors.recoveryCodes.removeAll(caller.id);
	await kit.audit.record({ type: "passkey.remove", subjectId: caller.id, actorId: caller.id, details: { passkeyId: id, name: passkey.name, recoveryCodesRemoved: last } });
	const user = await kit.users.getById(caller.id);
	if (user) await sendMfaNotice(kit.mail, user, { template: "mfa-passkey-removed", passkeyName: passkey.name });
	return null;
}
