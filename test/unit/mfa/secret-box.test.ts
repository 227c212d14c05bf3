import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { ConfigError } from "../../../lib/config";
import { loadSecretBox } from "../../../services/auth/mfa/encryption-keys";
import { decodeEncryptionKey, SecretBox, SecretBoxError, toEncryptionKey } from "../../../services/auth/mfa/secret-box";

const key = () => toEncryptionKey(randomBytes(32));
const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "mfa-keys-"));
const keyConfig = (over: Partial<Parameters<typeof loadSecretBox>[0]> = {}) => ({ production: false, dataDir: tempDir(), mfaEncryptionKey: undefined, mfaEncryptionKeys: [], ...over });

describe("SecretBox (AES-256-GCM)", () => {
	it("opens what it sealed, for the same context", () => {
		const box = new SecretBox(key());
		expect(box.open(box.seal("JBSWY3DPEHPK3PXP", "user-1"), "user-1")).toBe("JBSWY3DPEHPK3PXP");
	});

	it("never stores the plaintext, and seals the same value differently each time", () => {
		const box = new SecretBox(key());
		const [a, b] = [box.seal("JBSWY3DPEHPK3PXP", "u"), box.seal("JBSWY3DPEHPK3PXP", "u")];
		expect([a.ciphertext.includes("JBSWY3DP"), a.ciphertext === b.ciphertext]).toEqual([false, false]);
	});

	it("refuses to open a value sealed for another context (copied onto another user)", () => {
		const box = new SecretBox(key());
		expect(() => box.open(box.seal("secret", "user-1"), "user-2")).toThrow(SecretBoxError);
	});

	it("refuses an altered ciphertext", () => {
		const box = new SecretBox(key());
		const sealed = box.seal("secret", "u");
		const raw = Buffer.from(sealed.ciphertext, "base64url");
		raw[raw.length - 1] ^= 1;
		expect(() => box.open({ ...sealed, ciphertext: raw.toString("base64url") }, "u")).toThrow(SecretBoxError);
	});

	it("after a rotation, opens values sealed with the previous key and asks for them to be sealed again", () => {
		const [oldKey, newKey] = [key(), key()];
		const sealed = new SecretBox(oldKey).seal("secret", "u");
		const rotated = new SecretBox(newKey, [oldKey]);
		expect([rotated.open(sealed, "u"), rotated.needsResealing(sealed), rotated.needsResealing(rotated.seal("secret", "u"))]).toEqual(["secret", true, false]);
	});

	it("says which key is missing when a value names a key it does not have", () => {
		const oldKey = key();
		const sealed = new SecretBox(oldKey).seal("secret", "u");
		expect(() => new SecretBox(key()).open(sealed, "u")).toThrow(`No encryption key with id ${oldKey.id} is configured (MFA_ENCRYPTION_KEY / MFA_ENCRYPTION_KEYS)`);
	});
});

describe("decodeEncryptionKey", () => {
	const bytes = randomBytes(32);
	it.each([
		["hex", bytes.toString("hex")],
		["base64", bytes.toString("base64")],
		["base64url", bytes.toString("base64url")]
	])("reads a 32-byte key written as %s", (_, text) => expect(decodeEncryptionKey(text)).toEqual(bytes));

	it.each([["16 bytes", randomBytes(16).toString("base64")], ["a passphrase", "correct horse battery staple"], ["64 bytes of hex", randomBytes(64).toString("hex")]])("refuses %s", (_, text) => {
		expect(decodeEncryptionKey(text)).toBeNull();
	});
});

describe("loadSecretBox", () => {
	it("uses MFA_ENCRYPTION_KEY when set", () => {
		const text = randomBytes(32).toString("base64");
		expect(loadSecretBox(keyConfig({ mfaEncryptionKey: text })).currentKeyId).toBe(toEncryptionKey(Buffer.from(text, "base64")).id);
	});

	it("refuses to start in production without MFA_ENCRYPTION_KEY", () => {
		expect(() => loadSecretBox(keyConfig({ production: true }))).toThrow(
			new ConfigError("MFA_ENCRYPTION_KEY is required when NODE_ENV=production (32 random bytes as base64 or hex, e.g. openssl rand -base64 32)")
		);
	});

	it("refuses a malformed key without repeating it", () => {
		const attempt = () => loadSecretBox(keyConfig({ mfaEncryptionKey: "hunter2-is-my-key" }));
		expect(attempt).toThrow(new ConfigError("MFA_ENCRYPTION_KEY must hold 32-byte keys written as base64 or 64 hex digits (e.g. openssl rand -base64 32)"));
	});

	it("refuses a malformed previous key", () => {
		const attempt = () => loadSecretBox(keyConfig({ mfaEncryptionKey: randomBytes(32).toString("hex"), mfaEncryptionKeys: ["short"] }));
		expect(attempt).toThrow(new ConfigError("MFA_ENCRYPTION_KEYS must hold 32-byte keys written as base64 or 64 hex digits (e.g. openssl rand -base64 32)"));
	});

	it("outside production, generates a key once into DATA_DIR/keys, readable by its owner only", () => {
		const dataDir = tempDir();
		const first = loadSecretBox(keyConfig({ dataDir }));
		const second = loadSecretBox(keyConfig({ dataDir }));
		const mode = fs.statSync(path.join(dataDir, "keys", "mfa-encryption.key")).mode & 0o777;
		expect({ sameKey: first.currentKeyId === second.currentKeyId, mode: mode.toString(8) }).toEqual({ sameKey: true, mode: "600" });
	});

	it("opens with the previous keys of MFA_ENCRYPTION_KEYS", () => {
		const [oldText, newText] = [randomBytes(32).toString("base64"), randomBytes(32).toString("hex")];
		const sealed = loadSecretBox(keyConfig({ mfaEncryptionKey: oldText })).seal("secret", "u");
		expect(loadSecretBox(keyConfig({ mfaEncryptionKey: newText, mfaEncryptionKeys: [oldText] })).open(sealed, "u")).toBe("secret");
	});
});
