import type { Clock } from "../../../lib/clock";
import type { Collection } from "../../../lib/collection";
import type { WebAuthnCeremony } from "../../../lib/enums";

/**
 * WebAuthn challenges live in the store, not in a replica's memory, so any auth replica can finish a
 * ceremony another began. Each is keyed by the challenge itself (random, 32 bytes from @simplewebauthn), lives
 * a few minutes and is taken, i.e. removed, by the first attempt to finish the ceremony, right or wrong: a
 * replayed response finds nothing.
 */

export const WEBAUTHN_CHALLENGE_TTL_MS = 5 * 60 * 1000;

export interface WebAuthnChallengeRecord {
	_id: string; // the challenge (base64url)
	ceremony: WebAuthnCeremony;
	/** Registration: the signed-in user; sign-in: the user named by e-mail, or null for discoverable credentials. */
	userId: string | null;
	createdAt: Date;
	expiresAt: Date;
}

export type TakenChallenge = Pick<WebAuthnChallengeRecord, "userId"> & { challenge: string };

export class WebAuthnChallenges {
	constructor(
		private readonly challenges: Collection<WebAuthnChallengeRecord>,
		private readonly clock: Clock
	) {}

	async remember(challenge: string, ceremony: WebAuthnCeremony, userId: string | null): Promise<void> {
		const now = this.clock.now();
		await this.challenges.insert({ _id: challenge, ceremony, userId, createdAt: new Date(now), expiresAt: new Date(now + WEBAUTHN_CHALLENGE_TTL_MS) });
	}

	/**
	 * The challenge, removed so that nobody else can use it; null when it is unknown, of the other ceremony,
	 * expired or already taken. Of two concurrent takers, only the one whose removal counted gets it.
	 */
	async take(challenge: string, ceremony: WebAuthnCeremony): Promise<TakenChallenge | null> {
		if (challenge.length === 0 || challenge.length > 200) return null;
		const record = await this.challenges.findOne({ _id: challenge, ceremony });
		if (!record) return null;
		const removed = await this.challenges.removeMany({ _id: challenge, ceremony });
		if (removed !== 1 || new Date(record.expiresAt).getTime() <= this.clock.now()) return null;
		return { challenge, userId: record.userId };
	}
}
