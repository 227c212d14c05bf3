import { createHash, createHmac, type KeyObject } from "node:crypto";

/** What the caller stores of a passkey, and hands back to check a sign-in with it (services/auth/mfa/webauthn.ts). */
export interface PasskeyCredential {
	/** base64url, as the browser names it. */
	credentialId: string;
	/** The COSE public key, base64url. */
	publicKey: string;
	/** The authenticator's signature counter; 0 for authenticators that do not count. */
	counter: number;
	transports: string[];
}

export interface StoredPasskey extends PasskeyCredential {
	userId: string;
}

export interface PasskeyUser {
	userId: string;
	email: string;
	displayName: string;
}

export interface VerifiedSignIn {
	userId: string;
	credentialId: string;
	/** To store, with a compare-and-set on the old value (two sign-ins must not both move it). */
	newCounter: number;
}

/** The user handle is the user's id: random, no personal data, and it names the account in a discoverable sign-in. */
export function userHandleOf(userId: string): Uint8Array<ArrayBuffer> {
	return new Uint8Array(Buffer.from(userId, "utf8"));
}

/** How options name a credential (allowCredentials, excludeCredentials). */
export function descriptorOf(c: Pick<PasskeyCredential, "credentialId" | "transports">): { id: string; transports: string[] } {
	return { id: c.credentialId, transports: c.transports };
}

/** A passkey as `auth` stores it (PasskeyModel); `_id` is the id clients use, credential IDs are long. */
export interface PasskeyRecord extends StoredPasskey {
	_id: string;
	name: string;
	createdAt: Date;
	lastUsedAt: Date | null;
}

/** A passkey as its owner sees it (CONTRACT §4): never the key or the credential ID. */
export interface PasskeyView {
	id: string;
	name: string;
	createdAt: string;
	lastUsedAt: string | null;
}

export function toPasskeyView(p: PasskeyRecord): PasskeyView {
	return { id: p._id, name: p.name, createdAt: new Date(p.createdAt).toISOString(), lastUsedAt: p.lastUsedAt ? new Date(p.lastUsedAt).toISOString() : null };
}

/**
 * A decoy credential ID for an address: HMAC of the address under a deployment-wide key, 32 bytes like the
 * IDs platform authenticators make, so it is stable across requests and replicas and tells nothing.
 */
export function decoyCredentialId(key: string | Buffer, address: string): string {
	return createHmac("sha256", key).update(`passkey-decoy\n${address}`, "utf8").digest("base64url");
}

/** Decoys keyed by the access-token signing key, which every auth replica holds (a new key, new decoys). */
export function passkeyDecoysFor(signingKey: KeyObject): { credentialIdFor(address: string): string } {
	const key = createHash("sha256").update("passkey-decoys\n").update(signingKey.export({ format: "der", type: "pkcs8" })).digest();
	return { credentialIdFor: address => decoyCredentialId(key, address) };
}
