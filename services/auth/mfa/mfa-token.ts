import type { Clock } from "../../../lib/clock";
import type { Collection } from "../../../lib/collection";
import type { AuthFactor, MfaMethod } from "../../../lib/enums";
import { hashToken, randomToken } from "../tokens/opaque";

/**
 * The login challenge between the first factor and the second (CONTRACT §4): `POST /login` hands out an
 * opaque `mfaToken`, `POST /login/mfa` finishes with it. Only its hash is stored, so a leaked table holds no
 * usable token. It lives 5 minutes, dies after 5 wrong codes and is spent by the first success; every one of
 * those transitions is a single conditional update, so concurrent requests cannot both win or overdraw.
 */

export const MFA_TOKEN_TTL_MS = 5 * 60 * 1000;
export const MFA_TOKEN_MAX_FAILURES = 5;

export interface MfaChallengeRecord {
	_id: string; // the token's hash
	userId: string;
	/** The second factors the user may finish with. */
	methods: MfaMethod[];
	/** What the user has shown so far (the first factor): the access token's `amr` starts from it. */
	factors: AuthFactor[];
	createdAt: Date;
	expiresAt: Date;
	/** Wrong codes so far. */
	attempts: number;
	spentAt: Date | null;
}

export interface IssuedMfaToken {
	mfaToken: string;
	expiresAt: Date;
}

/** A live challenge, as `POST /login/mfa` needs it. */
export type PendingMfaChallenge = Pick<MfaChallengeRecord, "userId" | "methods" | "factors" | "attempts">;

export class MfaTokens {
	constructor(
		private readonly challenges: Collection<MfaChallengeRecord>,
		private readonly clock: Clock
	) {}

	async issue(userId: string, methods: MfaMethod[], factors: AuthFactor[]): Promise<IssuedMfaToken> {
		const mfaToken = randomToken();
		const now = this.clock.now();
		const expiresAt = new Date(now + MFA_TOKEN_TTL_MS);
		await this.challenges.insert({ _id: hashToken(mfaToken), userId, methods, factors, createdAt: new Date(now), expiresAt, attempts: 0, spentAt: null });
		return { mfaToken, expiresAt };
	}

	/** The condition a token must meet to be used at all: not spent, not expired, not out of attempts. */
	private live(mfaToken: string): Record<string, unknown> {
		return { _id: hashToken(mfaToken), spentAt: null, attempts: { $lt: MFA_TOKEN_MAX_FAILURES }, expiresAt: { $gt: new Date(this.clock.now()) } };
	}

	/** The challenge behind a live token; null for an unknown, expired, spent or exhausted one, alike. */
	async find(mfaToken: string): Promise<PendingMfaChallenge | null> {
		if (mfaToken.length === 0 || mfaToken.length > 100) return null;
		const record = await this.challenges.findOne(this.live(mfaToken));
		return record && { userId: record.userId, methods: record.methods, factors: record.factors, attempts: record.attempts };
	}

	/**
	 * Counts a wrong code. Answers false when the token was not live any more (the counting itself cannot
	 * push it past the limit: the update only matches below it).
	 */
	async recordFailure(mfaToken: string): Promise<boolean> {
		return (await this.challenges.updateMany(this.live(mfaToken), { $inc: { attempts: 1 } })) === 1;
	}

	/**
	 * Spends the token after a right code: true for exactly one caller, however many present it at once.
	 * Only that caller may issue tokens.
	 */
	async spend(mfaToken: string): Promise<boolean> {
		return (await this.challenges.updateMany(this.live(mfaToken), { $set: { spentAt: new Date(this.clock.now()) } })) === 1;
	}
}
