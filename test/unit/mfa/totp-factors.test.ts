import { randomBytes } from "node:crypto";
import { SecretBox, toEncryptionKey } from "../../../services/auth/mfa/secret-box";
import { totpCode, TOTP_PERIOD_SECONDS } from "../../../services/auth/mfa/totp";
import { TotpFactors, type MfaFactorRecord } from "../../../services/auth/mfa/totp-factors";
import { memoryCollection, movableClock } from "./memory-collection";

const oldKey = toEncryptionKey(randomBytes(32));

async function setup(box = new SecretBox(oldKey)) {
	const clock = movableClock(1_700_000_010_000);
	const store = await memoryCollection<MfaFactorRecord>("mfa_factors");
	return { clock, store, factors: new TotpFactors(store, box, clock), box };
}

describe("TotpFactors", () => {
	it("is off until the first code confirms the secret", async () => {
		const { factors, clock } = await setup();
		const secret = (await factors.begin("u1")) as string;
		const before = await factors.isOn("u1");
		expect({ before, confirmed: await factors.confirm("u1", totpCode(secret, clock)), after: await factors.isOn("u1") }).toEqual({ before: false, confirmed: true, after: true });
	});

	it("keeps the secret only sealed", async () => {
		const { factors, store } = await setup();
		const secret = (await factors.begin("u1")) as string;
		expect(JSON.stringify(await store.find({})).includes(secret)).toBe(false);
	});

	it("accepts a code once, then the next step's code", async () => {
		const { factors, clock } = await setup();
		const secret = (await factors.begin("u1")) as string;
		await factors.confirm("u1", totpCode(secret, clock));
		const reused = await factors.verify("u1", totpCode(secret, clock));
		clock.advance(TOTP_PERIOD_SECONDS * 1000);
		expect({ reused, next: await factors.verify("u1", totpCode(secret, clock)) }).toEqual({ reused: false, next: true });
	});

	it("accepts one of two simultaneous uses of the same code", async () => {
		const { factors, clock } = await setup();
		const secret = (await factors.begin("u1")) as string;
		await factors.confirm("u1", totpCode(secret, clock));
		clock.advance(TOTP_PERIOD_SECONDS * 1000);
		const code = totpCode(secret, clock);
		expect((await Promise.all([factors.verify("u1", code), factors.verify("u1", code)])).sort()).toEqual([false, true]);
	});

	it("will not begin again while TOTP is on", async () => {
		const { factors, clock } = await setup();
		const secret = (await factors.begin("u1")) as string;
		await factors.confirm("u1", totpCode(secret, clock));
		expect(await factors.begin("u1")).toBeNull();
	});

	it("refuses codes once removed", async () => {
		const { factors, clock } = await setup();
		const secret = (await factors.begin("u1")) as string;
		await factors.confirm("u1", totpCode(secret, clock));
		await factors.remove("u1");
		clock.advance(TOTP_PERIOD_SECONDS * 1000);
		expect(await factors.verify("u1", totpCode(secret, clock))).toBe(false);
	});

	it("re-seals a secret under the current key when a code is accepted after a rotation", async () => {
		const { factors, store, clock } = await setup();
		const secret = (await factors.begin("u1")) as string;
		await factors.confirm("u1", totpCode(secret, clock));
		const newKey = toEncryptionKey(randomBytes(32));
		const rotated = new TotpFactors(store, new SecretBox(newKey, [oldKey]), clock);
		clock.advance(TOTP_PERIOD_SECONDS * 1000);
		expect({ accepted: await rotated.verify("u1", totpCode(secret, clock)), keyId: (await store.findById("u1"))?.keyId }).toEqual({ accepted: true, keyId: newKey.id });
	});
});
