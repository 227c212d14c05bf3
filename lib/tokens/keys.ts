import fs from "node:fs";
import path from "node:path";
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { ConfigError, type Config } from "../config";

export type SigningAlgorithm = "PS256" | "ES256";

export interface VerificationKey {
	kid: string;
	alg: SigningAlgorithm;
	key: KeyObject;
}

export interface SigningKey extends VerificationKey {
	privateKey: KeyObject;
}

export interface Jwk {
	kid: string;
	alg: SigningAlgorithm;
	use: "sig";
	kty: string;
	[member: string]: string;
}

/**
 * ES256 for P-256 keys (the generated development key: signing is ~13× cheaper than PS256, and login and
 * refresh sign every time), PS256 for RSA keys (an operator's JWT_PRIVATE_KEY may be either).
 */
function algorithmOf(key: KeyObject): SigningAlgorithm {
	if (key.asymmetricKeyType === "rsa") return "PS256";
	if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return "ES256";
	throw new ConfigError(`JWT keys must be RSA (PS256) or EC P-256 (ES256) in PKCS#8/SPKI PEM, got ${key.asymmetricKeyType}`);
}

/** RFC 7638 thumbprint: a key ID every node derives alike from the key itself. */
export function thumbprint(key: KeyObject): string {
	const jwk = key.export({ format: "jwk" });
	const members = jwk.kty === "EC" ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { e: jwk.e, kty: jwk.kty, n: jwk.n };
	return createHash("sha256").update(JSON.stringify(members)).digest("base64url");
}

function verificationKey(key: KeyObject): VerificationKey {
	const alg = algorithmOf(key);
	return { kid: thumbprint(key), alg, key };
}

/** Splits a bundle of PEM blocks (`JWT_PUBLIC_KEYS` may hold several, for rotation). */
export function splitPem(bundle: string): string[] {
	return bundle.replace(/\\n/g, "\n").match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
}

const DEV_KEY_FILE = "jwt-private.pem";

/**
 * Outside production, one key is generated once under DATA_DIR/keys and shared by every local node: EC P-256
 * (ES256). A key file written by an earlier version (RSA) is kept and goes on signing PS256.
 */
function devPrivateKeyPem(dataDir: string): string {
	const dir = path.join(dataDir, "keys");
	const file = path.join(dir, DEV_KEY_FILE);
	if (!fs.existsSync(file)) {
		fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
		const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
		const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
		try {
			// `wx`: when two nodes start at once, the first file wins and both read it.
			fs.writeFileSync(file, pem, { flag: "wx", mode: 0o600 });
		} catch (err) {
			if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
		}
	}
	return fs.readFileSync(file, "utf8");
}

function privateKeyPem(config: Config): string {
	if (config.jwtPrivateKey) return config.jwtPrivateKey.replace(/\\n/g, "\n");
	if (config.production) {
		throw new ConfigError("JWT_PRIVATE_KEY is required when NODE_ENV=production (a PEM private key, RSA or EC P-256)");
	}
	return devPrivateKeyPem(config.dataDir);
}

function parsePrivateKey(pem: string): KeyObject {
	try {
		return createPrivateKey(pem);
	} catch {
		throw new ConfigError("JWT_PRIVATE_KEY is not a valid PEM private key");
	}
}

/** The key `auth` signs access tokens with. */
export function loadSigningKey(config: Config): SigningKey {
	const privateKey = parsePrivateKey(privateKeyPem(config));
	return { ...verificationKey(createPublicKey(privateKey)), privateKey };
}

/**
 * The keys access tokens are accepted with: every key of `JWT_PUBLIC_KEYS` plus the signing key's own
 * public half. A gateway needs no private key when `JWT_PUBLIC_KEYS` is set.
 */
export function loadVerificationKeys(config: Config): VerificationKey[] {
	const keys: VerificationKey[] = [];
	if (config.jwtPublicKeys) {
		for (const pem of splitPem(config.jwtPublicKeys)) {
			try {
				keys.push(verificationKey(createPublicKey(pem)));
			} catch {
				throw new ConfigError("JWT_PUBLIC_KEYS holds a block that is not a valid PEM public key");
			}
		}
		if (keys.length === 0) throw new ConfigError("JWT_PUBLIC_KEYS holds no PEM public key");
	}
	if (config.jwtPrivateKey || !config.jwtPublicKeys) {
		const signing = verificationKey(createPublicKey(parsePrivateKey(privateKeyPem(config))));
		if (!keys.some(k => k.kid === signing.kid)) keys.push(signing);
	}
	return keys;
}

/** The JWKS document (`/.well-known/jwks.json`). */
export function toJwks(keys: VerificationKey[]): { keys: Jwk[] } {
	return {
		keys: keys.map(({ kid, alg, key }) => ({ ...(key.export({ format: "jwk" }) as Record<string, string>), kid, alg, use: "sig" }) as Jwk)
	};
}
