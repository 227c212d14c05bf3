import { generateTotpSecret, otpauthUrl, totpCode, totpStep, verifyTotp } from "../../../services/auth/mfa/totp";
import { movableClock } from "./memory-collection";

/** RFC 6238 Appendix B's SHA-1 seed, "12345678901234567890", in base32. */
const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const at = (seconds: number) => movableClock(seconds * 1000);

describe("TOTP (RFC 6238, SHA-1, 6 digits, 30 s)", () => {
	// Appendix B's 8-digit values; a 6-digit code is their last six digits (RFC 4226 §5.3 takes the value mod 10^digits).
	it.each([
		[59, "287082"],
		[1111111109, "081804"],
		[1111111111, "050471"],
		[1234567890, "005924"],
		[2000000000, "279037"],
		[20000000000, "353130"]
	])("at %i s the code is %s", (seconds, code) => {
		expect(totpCode(RFC_SECRET, at(seconds))).toBe(code);
	});

	it("accepts the current code and answers its step", () => {
		expect(verifyTotp(RFC_SECRET, "050471", at(1111111111))).toEqual({ step: totpStep(1111111111 * 1000) });
	});

	it("accepts a code one step old or one step ahead (clock drift), answering that step", () => {
		const now = at(1111111111);
		const step = totpStep(now.now());
		expect([verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, at(1111111111 - 30)), now), verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, at(1111111111 + 30)), now)]).toEqual([
			{ step: step - 1 },
			{ step: step + 1 }
		]);
	});

	it("refuses a code two steps away", () => {
		expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, at(1111111111 - 60)), at(1111111111))).toBeNull();
	});

	it("refuses a code of the last used step: a code works once", () => {
		const now = at(1111111111);
		const match = verifyTotp(RFC_SECRET, "050471", now);
		expect(verifyTotp(RFC_SECRET, "050471", now, match?.step ?? null)).toBeNull();
	});

	it("refuses an older code once a newer one was used", () => {
		const now = at(1111111111);
		expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, at(1111111111 - 30)), now, totpStep(now.now()))).toBeNull();
	});

	it("accepts the next step's code after the current one was used", () => {
		const now = at(1111111111);
		const step = totpStep(now.now());
		expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, at(1111111111 + 30)), now, step)).toEqual({ step: step + 1 });
	});

	it("ignores spaces and dashes between digits", () => {
		expect(verifyTotp(RFC_SECRET, "050 471", at(1111111111))).not.toBeNull();
	});

	it.each([["a wrong code", "123456"], ["five digits", "05047"], ["letters", "05O471"], ["an empty code", ""]])("refuses %s", (_, code) => {
		expect(verifyTotp(RFC_SECRET, code, at(1111111111))).toBeNull();
	});

	it("generates 160-bit base32 secrets, different each time", () => {
		const [a, b] = [generateTotpSecret(), generateTotpSecret()];
		expect([/^[A-Z2-7]{32}$/.test(a), a === b]).toEqual([true, false]);
	});

	it("builds the otpauth URL with the issuer and the account's e-mail", () => {
		expect(otpauthUrl(RFC_SECRET, { issuer: "User backend", email: "ada@example.com" })).toBe(
			`otpauth://totp/User%20backend:ada%40example.com?issuer=User%20backend&secret=${RFC_SECRET}&algorithm=SHA1&digits=6&period=30`
		);
	});
});
