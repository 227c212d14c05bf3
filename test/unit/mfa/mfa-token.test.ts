import { MFA_TOKEN_MAX_FAILURES, MFA_TOKEN_TTL_MS, MfaTokens, type MfaChallengeRecord } from "../../../services/auth/mfa/mfa-token";
import { hashToken } from "../../../services/auth/tokens/opaque";
import { memoryCollection, movableClock } from "./memory-collection";

async function setup() {
	const clock = movableClock(1_700_000_000_000);
	const store = await memoryCollection<MfaChallengeRecord>("mfa_challenges");
	const tokens = new MfaTokens(store, clock);
	const { mfaToken, expiresAt } = await tokens.issue("u1", ["totp", "recovery"], ["password"]);
	return { clock, store, tokens, mfaToken, expiresAt };
}

describe("MfaTokens", () => {
	it("finds the challenge behind a fresh token", async () => {
		const { tokens, mfaToken } = await setup();
		expect(await tokens.find(mfaToken)).toEqual({ userId: "u1", methods: ["totp", "recovery"], factors: ["password"], attempts: 0 });
	});

	it("stores only the token's hash", async () => {
		const { store, mfaToken } = await setup();
		expect((await store.find({})).map(r => r._id)).toEqual([hashToken(mfaToken)]);
	});

	it("expires after 5 minutes", async () => {
		const { tokens, mfaToken, clock, expiresAt } = await setup();
		clock.advance(MFA_TOKEN_TTL_MS);
		expect({ expiresAt: expiresAt.getTime(), found: await tokens.find(mfaToken) }).toEqual({ expiresAt: 1_700_000_000_000 + MFA_TOKEN_TTL_MS, found: null });
	});

	it("is spent by the first success", async () => {
		const { tokens, mfaToken } = await setup();
		expect([await tokens.spend(mfaToken), await tokens.spend(mfaToken), await tokens.find(mfaToken)]).toEqual([true, false, null]);
	});

	it("lets exactly one of two simultaneous successes win", async () => {
		const { tokens, mfaToken } = await setup();
		expect((await Promise.all([tokens.spend(mfaToken), tokens.spend(mfaToken)])).sort()).toEqual([false, true]);
	});

	it("dies after 5 wrong codes", async () => {
		const { tokens, mfaToken } = await setup();
		const counted: boolean[] = [];
		for (let i = 0; i < MFA_TOKEN_MAX_FAILURES + 1; i++) counted.push(await tokens.recordFailure(mfaToken));
		expect({ counted, found: await tokens.find(mfaToken), spend: await tokens.spend(mfaToken) }).toEqual({ counted: [true, true, true, true, true, false], found: null, spend: false });
	});

	it("counts wrong codes sent at once without going past the limit", async () => {
		const { tokens, mfaToken, store } = await setup();
		await Promise.all(Array.from({ length: 8 }, () => tokens.recordFailure(mfaToken)));
		expect((await store.findById(hashToken(mfaToken)))?.attempts).toBe(MFA_TOKEN_MAX_FAILURES);
	});

	it("still works after fewer than 5 wrong codes", async () => {
		const { tokens, mfaToken } = await setup();
		for (let i = 0; i < MFA_TOKEN_MAX_FAILURES - 1; i++) await tokens.recordFailure(mfaToken);
		expect(await tokens.spend(mfaToken)).toBe(true);
	});

	it("knows nothing of an unknown, empty or oversized token", async () => {
		const { tokens } = await setup();
		expect([await tokens.find("nope"), await tokens.find(""), await tokens.find("x".repeat(5000))]).toEqual([null, null, null]);
	});
});
