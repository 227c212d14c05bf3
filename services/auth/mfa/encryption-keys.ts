import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { ConfigError, type Config } from "../../../lib/config";
import { decodeEncryptionKey, ENCRYPTION_KEY_BYTES, SecretBox, toEncryptionKey } from "./secret-box";

/**
 * Where the key that encrypts TOTP secrets comes from:
 * - `MFA_ENCRYPTION_KEY`: 32 bytes, base64 or hex (`openssl rand -base64 32`). It seals and opens.
 * - `MFA_ENCRYPTION_KEYS`: comma-separated earlier keys; they only open.
 * - unset outside production: generated once into `DATA_DIR/keys/mfa-encryption.key` (mode 0600) and shared
 *   by every local node, like the development JWT key; unset in production: the node refuses to start.
 *
 * Rotation: put the new key in MFA_ENCRYPTION_KEY and the old one in MFA_ENCRYPTION_KEYS; every secret names
 * the key it was sealed with, and a secret under an old key is sealed again with the new one when next used
 * (SecretBox.needsResealing). Remove the old key once no record names it any more
 * (`mfa_factors.keyId`). Losing every key a record names means its user must enrol TOTP again.
 * Key values never appear in messages or logs.
 */

const DEV_KEY_FILE = "mfa-encryption.key";

function devKeyText(dataDir: string): string {
	const dir = path.join(dataDir, "keys");
	const file = path.join(dir, DEV_KEY_FILE);
	if (!fs.existsSync(file)) {
		fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
		try {
			// `wx`: when two nodes start at once, the first file wins and both read it.
			fs.writeFileSync(file, `${randomBytes(ENCRYPTION_KEY_BYTES).toString("base64")}\n`, { flag: "wx", mode: 0o600 });
		} catch (err) {
			if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
		}
	}
	return fs.readFileSync(file, "utf8");
}

function decodeOrRefuse(text: string, name: string): Buffer {
	const key = decodeEncryptionKey(text);
	if (!key) throw new ConfigError(`${name} must hold 32-byte keys written as base64 or 64 hex digits (e.g. openssl rand -base64 32)`);
	return key;
}

type KeyConfig = Pick<Config, "production" | "dataDir" | "mfaEncryptionKey" | "mfaEncryptionKeys">;

/** The box that seals TOTP secrets, from the configuration; throws ConfigError on a missing or malformed key. */
export function loadSecretBox(config: KeyConfig): SecretBox {
	let currentText = config.mfaEncryptionKey;
	if (currentText === undefined) {
		if (config.production) {
			throw new ConfigError("MFA_ENCRYPTION_KEY is required when NODE_ENV=production (32 random bytes as base64 or hex, e.g. openssl rand -base64 32)");
		}
		currentText = devKeyText(config.dataDir);
	}
	const current = toEncryptionKey(decodeOrRefuse(currentText, config.mfaEncryptionKey === undefined ? `${DEV_KEY_FILE} in DATA_DIR/keys` : "MFA_ENCRYPTION_KEY"));
	const previous = config.mfaEncryptionKeys.map(text => toEncryptionKey(decodeOrRefuse(text, "MFA_ENCRYPTION_KEYS")));
	return new SecretBox(current, previous);
}
