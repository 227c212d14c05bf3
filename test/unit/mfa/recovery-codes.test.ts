import { hashRecoveryCode, normaliseRecoveryCode, RECOVERY_CODE_COUNT, RecoveryCodes, type RecoveryCodeRecord } from "../../../services/auth/mfa/recovery-codes";
import { memoryCollection, movableClock } from "./memory-collection";

async function setup() {
	const store = await memoryCollection<RecoveryCodeRecord>("recovery_codes");
	return { store, codes: new RecoveryCodes(store, movableClock(1_700_000_000_000)) };
}

describe("RecoveryCodes", () => {
	it("hands out 10 distinct codes of three groups of four unambiguous symbols", async () => {
		const { codes } = await setup();
		const plain = await codes.regenerate("u1");
		expect({ count: new Set(plain).size, allWellFormed: plain.every(c => /^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){2}$/.test(c)) }).toEqual({ count: RECOVERY_CODE_COUNT, allWellFormed: true });
	});

	it("stores only hashes", async () => {
		const { codes, store } = await setup();
		const plain = await codes.regenerate("u1");
		const stored = JSON.stringify(await store.find({}));
		expect(plain.some(c => stored.includes(c) || stored.includes(c.replace(/-/g, "")))).toBe(false);
	});

	it("accepts each code once", async () => {
		const { codes } = await setup();
		const [code] = await codes.regenerate("u1");
		expect([await codes.use("u1", code), await codes.use("u1", code)]).toEqual([true, false]);
	});

	it("counts the codes that remain", async () => {
		const { codes } = await setup();
		const [a, b] = await codes.regenerate("u1");
		await codes.use("u1", a);
		await codes.use("u1", b);
		expect(await codes.remaining("u1")).toBe(8);
	});

	it("ignores case, spaces and dashes, and reads o as 0 and i or l as 1", async () => {
		const { codes } = await setup();
		const [code] = await codes.regenerate("u1");
		const typed = ` ${code.toUpperCase().replace(/-/g, " ").replace(/0/g, "O").replace(/1/g, "l")} `;
		expect(await codes.use("u1", typed)).toBe(true);
	});

	it("lets exactly one of two simultaneous uses of a code succeed", async () => {
		const { codes } = await setup();
		const [code] = await codes.regenerate("u1");
		expect((await Promise.all([codes.use("u1", code), codes.use("u1", code)])).sort()).toEqual([false, true]);
	});

	it("refuses another user's code", async () => {
		const { codes } = await setup();
		const [code] = await codes.regenerate("u1");
		await codes.regenerate("u2");
		expect(await codes.use("u2", code)).toBe(false);
	});

	it("regenerating replaces every previous code", async () => {
		const { codes } = await setup();
		const old = await codes.regenerate("u1");
		await codes.regenerate("u1");
		expect({ oldWorks: await codes.use("u1", old[1]), remaining: await codes.remaining("u1") }).toEqual({ oldWorks: false, remaining: 10 });
	});

	it("removes all of a user's codes", async () => {
		const { codes } = await setup();
		await codes.regenerate("u1");
		await codes.removeAll("u1");
		expect(await codes.remaining("u1")).toBe(0);
	});

	it.each([["too short", "abcd-efgh"], ["a symbol outside the alphabet", "abcd-efgh-jkmu"], ["a very long input", "a".repeat(1000)]])("refuses %s without a look-up", (_, input) => {
		expect(normaliseRecoveryCode(input)).toBeNull();
	});

	it("hashes the user's id in: one code hashes differently for two users", () => {
		expect(hashRecoveryCode("u1", "abcdefghjkmn") === hashRecoveryCode("u2", "abcdefghjkmn")).toBe(false);
	});
});
