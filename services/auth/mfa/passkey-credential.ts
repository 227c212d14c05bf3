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
