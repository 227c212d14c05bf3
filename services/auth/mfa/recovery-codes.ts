import { createHash, randomInt } from "node:crypto";
import type { Clock } from "../../../lib/clock";
import type { Collection } from "../../../lib/collection";

/**
 * Recovery codes: 10 single-use codes handed out when the first second factor is enrolled.
 *
 * Format: `xxxx-xxxx-xxxx`, 12 symbols from Crockford's base32 alphabet (no I, L, O, U: nothing to confuse),
 * shown lower-case: 60 random bits per code. On input, case, spaces and dashes do not matter, and the
 * look-alikes Crockford decodes (o → 0, i and l → 1) are accepted.
 *
 * Stored only as SHA-256(userId, code). Not bcrypt: a slow hash protects low-entropy secrets (passwords)
 * against guessing, but 60 random bits already cost ~2^59 hashes per code to find offline, and online
 * guesses are limited by the mfaToken's 5 attempts and the login throttle. A deterministic hash (salted with
 * the user's id) also finds a code by its hash, an index look-up, where bcrypt would compare the input with
 * each of ten stored hashes on every attempt and make wrong codes a cheap way to burn the server's CPU.
 */

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const GROUPS = 3;
const GROUP_LENGTH = 4;
const CODE_LENGTH = GROUPS * GROUP_LENGTH;

export interface RecoveryCodeRecord {
	_id: string; // hashRecoveryCode(userId, code)
	userId: string;
	createdAt: Date;
	usedAt: Date | null;
}

function generateRecoveryCode(): string {
	const symbols = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]);
	const groups: string[] = [];
	for (let i = 0; i < CODE_LENGTH; i += GROUP_LENGTH) groups.push(symbols.slice(i, i + GROUP_LENGTH).join(""));
	return groups.join("-");
}

/** The code's 12 symbols, or null when the input cannot be a recovery code. */
export function normaliseRecoveryCode(input: string): string | null {
	if (input.length > 64) return null;
	const symbols = input
		.toLowerCase()
		.replace(/[\s-]/g, "")
		.replace(/o/g, "0")
		.replace(/[il]/g, "1");
	if (symbols.length !== CODE_LENGTH || [...symbols].some(s => !ALPHABET.includes(s))) return null;
	return symbols;
}

/** The user's id is hashed in: the same code of two users are two records, and a hash names one user's code. */
export function hashRecoveryCode(userId: string, normalisedCode: string): string {
	return createHash("sha256").update(`${userId}\n${normalisedCode}`, "utf8").digest("base64url");
}

export class RecoveryCodes {
	constructor(
		private readonly codes: Collection<RecoveryCodeRecord>,
		private readonly clock: Clock
	) {}

	/**
	 * A new set of codes for the user; the previous ones stop working. The plain codes are returned to be
	 * shown once and exist nowhere else. Callers serialise this per user (two at once would leave both sets).
	 */
	async regenerate(userId: string): Promise<string[]> {
		const plain = new Set<string>();
		while (plain.size < RECOVERY_CODE_COUNT) plain.add(generateRecoveryCode());
		const createdAt = new Date(this.clock.now());
		await this.codes.removeMany({ userId });
		for (const code of plain) {
			await this.codes.insert({ _id: hashRecoveryCode(userId, normaliseRecoveryCode(code) as string), userId, createdAt, usedAt: null });
		}
		return [...plain];
	}

	/**
	 * Spends a code: true once for each issued code. The update is a compare-and-set on `usedAt`, so two
	 * requests presenting the same code at once see exactly one success.
	 */
	async use(userId: string, input: string): Promise<boolean> {
		const code = normaliseRecoveryCode(input);
		if (code === null) return false;
		const spent = await this.codes.updateMany({ _id: hashRecoveryCode(userId, code), userId, usedAt: null }, { $set: { usedAt: new Date(this.clock.now()) } });
		return spent === 1;
	}

	remaining(userId: string): Promise<number> {
		return this.codes.count({ userId, usedAt: null });
	}

	/** When the last second factor goes (or an admin resets a user), the codes go with it. */
	async removeAll(userId: string): Promise<void> {
		await this.codes.removeMany({ userId });
	}
}
