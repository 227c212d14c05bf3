import type { Clock } from "../../../lib/clock";
import type { Collection } from "../../../lib/collection";
import type { SecretBox } from "./secret-box";
import { generateTotpSecret, verifyTotp } from "./totp";

/**
 * A user's TOTP factor in the store (`mfa_factors`, one per user): the secret sealed by the SecretBox with
 * the user's id as context, whether it is confirmed, and the last step accepted. Accepting a code moves that
 * step with a compare-and-set, so the same code presented twice at once is accepted once.
 */

export interface MfaFactorRecord {
	_id: string; // the user's id
	secretCiphertext: string;
	keyId: string;
	confirmedAt: Date | null;
	lastUsedStep: number | null;
	createdAt: Date;
	updatedAt: Date;
}

const context = (userId: string) => `totp:${userId}`;

export class TotpFactors {
	constructor(
		private readonly factors: Collection<MfaFactorRecord>,
		private readonly box: SecretBox,
		private readonly clock: Clock
	) {}

	/** True when the user has TOTP on (set up and confirmed). */
	async isOn(userId: string): Promise<boolean> {
		return (await this.factors.count({ _id: userId, confirmedAt: { $ne: null } })) === 1;
	}

	/**
	 * A new, unconfirmed secret (base32) for the user, replacing an earlier unconfirmed one. Null when TOTP is
	 * already on: it must be disabled first, so a stolen session cannot swap the secret.
	 */
	async begin(userId: string): Promise<string | null> {
		if (await this.isOn(userId)) return null;
		const secret = generateTotpSecret();
		const sealed = this.box.seal(secret, context(userId));
		const now = new Date(this.clock.now());
		await this.factors.removeMany({ _id: userId, confirmedAt: null });
		await this.factors.insert({ _id: userId, secretCiphertext: sealed.ciphertext, keyId: sealed.keyId, confirmedAt: null, lastUsedStep: null, createdAt: now, updatedAt: now });
		return secret;
	}

	/** Turns TOTP on with a first right code; false for a wrong code or nothing to confirm. */
	async confirm(userId: string, code: string): Promise<boolean> {
		return this.accept(userId, code, { confirmedAt: null }, { confirmedAt: new Date(this.clock.now()) });
	}

	/** Checks a code of a confirmed factor and uses it up; false for wrong, reused or when TOTP is off. */
	async verify(userId: string, code: string): Promise<boolean> {
		return this.accept(userId, code, { confirmedAt: { $ne: null } }, {});
	}

	async remove(userId: string): Promise<void> {
		await this.factors.removeMany({ _id: userId });
	}

	private async accept(userId: string, code: string, state: Record<string, unknown>, changes: Record<string, unknown>): Promise<boolean> {
		const factor = await this.factors.findOne({ _id: userId, ...state });
		if (!factor) return false;
		const sealed = { keyId: factor.keyId, ciphertext: factor.secretCiphertext };
		const secret = this.box.open(sealed, context(userId));
		const match = verifyTotp(secret, code, this.clock, factor.lastUsedStep);
		if (!match) return false;
		// A secret under a rotated-out key is sealed again with the current one while it is in hand.
		const resealed = this.box.needsResealing(sealed) ? this.box.seal(secret, context(userId)) : null;
		const set = { ...changes, lastUsedStep: match.step, updatedAt: new Date(this.clock.now()), ...(resealed ? { secretCiphertext: resealed.ciphertext, keyId: resealed.keyId } : {}) };
		const won = await this.factors.updateMany({ _id: userId, ...state, lastUsedStep: factor.lastUsedStep }, { $set: set });
		return won === 1;
	}
}
