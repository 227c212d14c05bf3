import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import type { WebAuthnConfig } from "../../../lib/config";
import { ApiError } from "../../../lib/errors";
import { descriptorOf, userHandleOf, type PasskeyCredential, type PasskeyUser, type StoredPasskey, type VerifiedSignIn } from "./passkey-credential";
import { WEBAUTHN_CHALLENGE_TTL_MS, type WebAuthnChallenges } from "./webauthn-challenges";
import { challengeOf, parseAuthenticationResponse, parseRegistrationResponse } from "./webauthn-json";

/**
 * The relying party's side of both WebAuthn ceremonies, over @simplewebauthn/server. Passkeys only: resident
 * (discoverable) keys and user verification are required, so a passkey alone signs a user in as two factors
 * (amr.ts). The RP ID and accepted origins come from the configuration (WEBAUTHN_*), never from the request.
 */

const TIMEOUT_MS = WEBAUTHN_CHALLENGE_TTL_MS;

type WebAuthnLibrary = typeof import("@simplewebauthn/server");
let library: WebAuthnLibrary | undefined;

/** @simplewebauthn/server (and its ASN.1 tree, ~15 MiB) is loaded at the first passkey ceremony, not at start. */
function webauthn(): WebAuthnLibrary {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	return (library ??= require("@simplewebauthn/server") as WebAuthnLibrary);
}

function challengeRefused(): ApiError {
	return new ApiError("INVALID_TOKEN", "The passkey challenge is unknown, already used or expired; start again", undefined, 400);
}

export class RelyingParty {
	constructor(
		private readonly config: WebAuthnConfig,
		private readonly challenges: WebAuthnChallenges
	) {}

	/** Creation options for a new passkey; the user's existing ones are excluded (no second copy of a key). */
	async registrationOptions(user: PasskeyUser, existing: PasskeyCredential[]): Promise<PublicKeyCredentialCreationOptionsJSON> {
		const options = await webauthn().generateRegistrationOptions({
			rpName: this.config.rpName,
			rpID: this.config.rpId,
			userName: user.email,
			userID: userHandleOf(user.userId),
			userDisplayName: user.displayName || user.email,
			timeout: TIMEOUT_MS,
			attestationType: "none",
			excludeCredentials: existing.map(descriptorOf),
			authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "required" }
		});
		await this.challenges.remember(options.challenge, "registration", user.userId);
		return options;
	}

	/** Checks the browser's answer to `registrationOptions` for this user: the new passkey, or a 4xx. */
	async verifyRegistration(userId: string, input: unknown): Promise<PasskeyCredential> {
		const response = parseRegistrationResponse(input);
		const taken = await this.challenges.take(challengeOf(response), "registration");
		if (!taken || taken.userId !== userId) throw challengeRefused();
		let credential;
		try {
			const result = await webauthn().verifyRegistrationResponse({
				response,
				expectedChallenge: taken.challenge,
				expectedOrigin: this.config.origins,
				expectedRPID: this.config.rpId,
				requireUserVerification: true
			});
			if (!result.verified) throw new Error("not verified");
			credential = result.registrationInfo.credential;
		} catch (err) {
			throw new ApiError("VALIDATION_ERROR", `The passkey could not be registered: ${(err as Error).message}`);
		}
		return {
			credentialId: credential.id,
			publicKey: Buffer.from(credential.publicKey).toString("base64url"),
			counter: credential.counter,
			transports: credential.transports ?? []
		};
	}

	/**
	 * Request options for a sign-in. With the user's passkeys (sign-in by e-mail) they are offered by ID;
	 * without (`user` null), the browser offers the discoverable credentials it holds for this RP.
	 */
	async authenticationOptions(user: { userId: string; passkeys: PasskeyCredential[] } | null): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
		const options = await webauthn().generateAuthenticationOptions({
			rpID: this.config.rpId,
			timeout: TIMEOUT_MS,
			userVerification: "required",
			...(user ? { allowCredentials: user.passkeys.map(descriptorOf) } : {})
		});
		await this.challenges.remember(options.challenge, "authentication", user?.userId ?? null);
		return { challengeId: options.challenge, options };
	}

	/**
	 * Checks a sign-in: the challenge (single use), the passkey (`findPasskey` by credential ID), that it
	 * belongs to the user the challenge was for and to the user handle the authenticator names, the
	 * signature, origin, RP ID, user verification and counter (a counting authenticator whose counter does not
	 * grow is a clone). Any failure is 401 INVALID_CREDENTIALS, alike, after the challenge is spent.
	 */
	async verifyAuthentication(challengeId: string, input: unknown, findPasskey: (credentialId: string) => Promise<StoredPasskey | null>): Promise<VerifiedSignIn> {
		const response = parseAuthenticationResponse(input);
		const taken = await this.challenges.take(challengeId, "authentication");
		if (!taken) throw challengeRefused();
		const refused = (reason: string) => new ApiError("INVALID_CREDENTIALS", `The passkey was not accepted: ${reason}`);
		const passkey = await findPasskey(response.id);
		if (!passkey) throw refused("unknown credential");
		if (taken.userId !== null && taken.userId !== passkey.userId) throw refused("the credential belongs to another account");
		const handle = response.response.userHandle;
		// A discoverable sign-in learns the account from the authenticator: it must name it (WebAuthn §7.2).
		if (taken.userId === null && handle === undefined) throw refused("the authenticator named no user");
		if (handle !== undefined && handle !== Buffer.from(userHandleOf(passkey.userId)).toString("base64url")) throw refused("the user handle does not match");
		let newCounter: number;
		try {
			// The counter is checked below, once the signature is known to be the authenticator's own: only then
			// does a counter that went back say "clone" rather than "forgery".
			const result = await webauthn().verifyAuthenticationResponse({
				response,
				expectedChallenge: taken.challenge,
				expectedOrigin: this.config.origins,
				expectedRPID: this.config.rpId,
				requireUserVerification: true,
				credential: { id: passkey.credentialId, publicKey: new Uint8Array(Buffer.from(passkey.publicKey, "base64url")), counter: 0, transports: passkey.transports }
			});
			if (!result.verified) throw new Error("the signature does not verify");
			newCounter = result.authenticationInfo.newCounter;
		} catch (err) {
			throw refused((err as Error).message);
		}
		// WebAuthn §6.1.1: a counting authenticator's counter only grows; one that did not is likely a clone.
		if ((passkey.counter > 0 || newCounter > 0) && newCounter <= passkey.counter) throw new CounterWentBack(passkey, newCounter);
		return { userId: passkey.userId, credentialId: passkey.credentialId, newCounter };
	}
}

/** A validly signed assertion whose signature counter did not grow: refused (401) like any other, and audited. */
export class CounterWentBack extends ApiError {
	constructor(
		readonly passkey: StoredPasskey,
		readonly presentedCounter: number
	) {
		super("INVALID_CREDENTIALS", "The passkey was not accepted: its signature counter went back (a cloned authenticator?)");
	}
}
