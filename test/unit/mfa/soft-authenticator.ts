import { createHash, createSign, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";

/**
 * A software WebAuthn authenticator for unit tests: it answers creation and request options the way a
 * browser plus a passkey would (attestation "none", ES256), so the relying party's checks can be exercised
 * without a browser. Origin, RP ID, flags and counter can be set wrong on purpose.
 */

/** Just enough CBOR (RFC 8949) for attestation objects and COSE keys: maps, byte and text strings, integers. */
function cbor(value: unknown): Buffer {
	const head = (major: number, n: number): Buffer => {
		if (n < 24) return Buffer.from([(major << 5) | n]);
		if (n < 256) return Buffer.from([(major << 5) | 24, n]);
		const b = Buffer.alloc(3);
		b[0] = (major << 5) | 25;
		b.writeUInt16BE(n, 1);
		return b;
	};
	if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
	if (typeof value === "string") return Buffer.concat([head(3, Buffer.byteLength(value)), Buffer.from(value)]);
	if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
	if (value instanceof Map) return Buffer.concat([head(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)])]);
	throw new Error(`cbor: unsupported ${typeof value}`);
}

const sha256 = (data: Buffer | string): Buffer => createHash("sha256").update(data).digest();

export interface Ceremony {
	origin?: string;
	rpId?: string;
	/** User verified (UV) flag. */
	userVerified?: boolean;
	challenge?: string;
}

export class SoftAuthenticator {
	readonly credentialId = randomBytes(16).toString("base64url");
	private readonly privateKey: KeyObject;
	private readonly cosePublicKey: Buffer;
	counter = 0;
	userHandle = "";

	constructor(
		readonly origin: string,
		readonly rpId: string
	) {
		const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
		this.privateKey = privateKey;
		const jwk = publicKey.export({ format: "jwk" });
		// COSE_Key: kty EC2 (2), alg ES256 (-7), crv P-256 (1), x, y.
		this.cosePublicKey = cbor(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x as string, "base64url")], [-3, Buffer.from(jwk.y as string, "base64url")]]));
	}

	private authData(rpId: string, userVerified: boolean, attested: boolean): Buffer {
		const flags = 0x01 | (userVerified ? 0x04 : 0) | (attested ? 0x40 : 0); // UP, UV, AT
		const counter = Buffer.alloc(4);
		counter.writeUInt32BE(this.counter);
		const parts = [sha256(rpId), Buffer.from([flags]), counter];
		if (attested) {
			const id = Buffer.from(this.credentialId, "base64url");
			const idLength = Buffer.alloc(2);
			idLength.writeUInt16BE(id.length);
			parts.push(Buffer.alloc(16), idLength, id, this.cosePublicKey); // AAGUID zero: "none" attestation
		}
		return Buffer.concat(parts);
	}

	private clientData(type: string, challenge: string, origin: string): Buffer {
		return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
	}

	/** Answers creation options (navigator.credentials.create). */
	register(options: { challenge: string; user: { id: string } }, ceremony: Ceremony = {}): Record<string, unknown> {
		this.userHandle = options.user.id;
		const clientDataJSON = this.clientData("webauthn.create", ceremony.challenge ?? options.challenge, ceremony.origin ?? this.origin);
		const authData = this.authData(ceremony.rpId ?? this.rpId, ceremony.userVerified ?? true, true);
		const attestationObject = cbor(new Map<string, unknown>([["fmt", "none"], ["attStmt", new Map()], ["authData", authData]]));
		return {
			id: this.credentialId,
			rawId: this.credentialId,
			type: "public-key",
			clientExtensionResults: {},
			response: { clientDataJSON: clientDataJSON.toString("base64url"), attestationObject: attestationObject.toString("base64url"), transports: ["internal"] }
		};
	}

	/** Answers request options (navigator.credentials.get); each assertion counts up unless told otherwise. */
	assert(options: { challenge: string }, ceremony: Ceremony & { counter?: number } = {}): Record<string, unknown> {
		this.counter = ceremony.counter ?? this.counter + 1;
		const clientDataJSON = this.clientData("webauthn.get", ceremony.challenge ?? options.challenge, ceremony.origin ?? this.origin);
		const authenticatorData = this.authData(ceremony.rpId ?? this.rpId, ceremony.userVerified ?? true, false);
		const signature = createSign("sha256").update(Buffer.concat([authenticatorData, sha256(clientDataJSON)])).sign(this.privateKey);
		return {
			id: this.credentialId,
			rawId: this.credentialId,
			type: "public-key",
			clientExtensionResults: {},
			response: {
				clientDataJSON: clientDataJSON.toString("base64url"),
				authenticatorData: authenticatorData.toString("base64url"),
				signature: signature.toString("base64url"),
				userHandle: this.userHandle
			}
		};
	}
}
