import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/**
 * AES-256-GCM for secrets kept at rest (TOTP secrets). Each sealed value names the key that sealed it, so
 * keys can be rotated: the box seals with its current key and opens with any key it was given. GCM's tag
 * makes a changed ciphertext, key or context fail to open instead of yielding garbage.
 */

export const ENCRYPTION_KEY_BYTES = 32;
const IV_BYTES = 12; // GCM's standard nonce size; random per seal (2^-32 collision bound far off at our volume)
const TAG_BYTES = 16;

export interface EncryptionKey {
	/** Derived from the key itself, so every node names a key alike without configuration. */
	id: string;
	key: Buffer;
}

/** What is stored: the key id next to the ciphertext (base64url of iv ‖ tag ‖ ciphertext). */
export interface SealedSecret {
	keyId: string;
	ciphertext: string;
}

/** A short, stable, non-reversible name for a key (a hash of a 256-bit random key reveals nothing of it). */
export function encryptionKeyId(key: Buffer): string {
	return createHash("sha256").update("mfa-encryption-key-id:").update(key).digest("base64url").slice(0, 12);
}

/** A 32-byte key written as 64 hex digits or as base64 / base64url; null for anything else. */
export function decodeEncryptionKey(text: string): Buffer | null {
	const trimmed = text.trim();
	if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, "hex");
	if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) return null;
	const key = Buffer.from(trimmed, "base64");
	return key.length === ENCRYPTION_KEY_BYTES ? key : null;
}

export function toEncryptionKey(key: Buffer): EncryptionKey {
	return { id: encryptionKeyId(key), key };
}

/** A sealed value that cannot be opened: unknown key, tampered data or another context. */
export class SecretBoxError extends Error {
	override name = "SecretBoxError";
}

export class SecretBox {
	private readonly byId: Map<string, Buffer>;

	/** `current` seals; `previous` (rotated-out keys) only open. */
	constructor(
		private readonly current: EncryptionKey,
		previous: EncryptionKey[] = []
	) {
		this.byId = new Map([...previous, current].map(k => [k.id, k.key]));
	}

	get currentKeyId(): string {
		return this.current.id;
	}

	/** True when a value was sealed with an older key and should be sealed again (on its next use). */
	needsResealing(sealed: SealedSecret): boolean {
		return sealed.keyId !== this.current.id;
	}

	/**
	 * `context` (e.g. the owner's id) is authenticated with the value: a ciphertext copied onto another
	 * user's record does not open there.
	 */
	seal(plaintext: string, context: string): SealedSecret {
		const iv = randomBytes(IV_BYTES);
		const cipher = createCipheriv("aes-256-gcm", this.current.key, iv, { authTagLength: TAG_BYTES });
		cipher.setAAD(Buffer.from(context, "utf8"));
		const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
		return { keyId: this.current.id, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url") };
	}

	open(sealed: SealedSecret, context: string): string {
		const key = this.byId.get(sealed.keyId);
		if (!key) throw new SecretBoxError(`No encryption key with id ${sealed.keyId} is configured (MFA_ENCRYPTION_KEY / MFA_ENCRYPTION_KEYS)`);
		const raw = Buffer.from(sealed.ciphertext, "base64url");
		if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError("The sealed secret is truncated");
		try {
			const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
			decipher.setAAD(Buffer.from(context, "utf8"));
			decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
			return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
		} catch {
			throw new SecretBoxError("The sealed secret does not open with its key (altered, or sealed for another context)");
		}
	}
}
