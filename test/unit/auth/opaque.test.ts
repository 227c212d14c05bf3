import { createHash } from "node:crypto";
import { formatRefreshToken, hashToken, parseRefreshToken, randomToken, sameHash } from "../../../services/auth/tokens/opaque";

describe("randomToken", () => {
	it("is 256 random bits, URL-safe", () => {
		const token = randomToken();
		expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(Buffer.from(token, "base64url")).toHaveLength(32);
	});

	it("never repeats", () => {
		const tokens = new Set(Array.from({ length: 1000 }, () => randomToken()));
		expect(tokens.size).toBe(1000);
	});
});

describe("hashToken", () => {
	it("is the SHA-256 of the token, base64url, deterministic", () => {
		const token = "some-token";
		expect(hashToken(token)).toBe(createHash("sha256").update(token).digest("base64url"));
		expect(hashToken(token)).toBe(hashToken(token));
		expect(hashToken(token)).not.toContain(token);
	});

	it("differs for different tokens", () => {
		expect(hashToken("a")).not.toBe(hashToken("b"));
		expect(hashToken("token")).not.toBe(hashToken("Token"));
	});
});

describe("sameHash", () => {
	it("compares equal and unequal values, including different lengths", () => {
		const h = hashToken("x");
		expect(sameHash(h, hashToken("x"))).toBe(true);
		expect(sameHash(h, hashToken("y"))).toBe(false);
		expect(sameHash(h, h.slice(0, -1))).toBe(false);
		expect(sameHash("", "")).toBe(true);
		expect(sameHash("", "a")).toBe(false);
	});
});

describe("refresh token format", () => {
	it("round-trips session id and secret", () => {
		const secret = randomToken();
		const token = formatRefreshToken("session-123", secret);
		expect(token).toBe(`session-123.${secret}`);
		expect(parseRefreshToken(token)).toEqual({ sessionId: "session-123", secret });
	});

	it("splits at the first dot only", () => {
		expect(parseRefreshToken("abc.def.ghi")).toEqual({ sessionId: "abc", secret: "def.ghi" });
	});

	it.each(["", "nodot", ".secret", "session.", "."])("refuses %p", token => {
		expect(parseRefreshToken(token)).toBeNull();
	});

	it("refuses over-long tokens", () => {
		expect(parseRefreshToken(`s.${"x".repeat(198)}`)).not.toBeNull(); // 200 characters
		expect(parseRefreshToken(`s.${"x".repeat(199)}`)).toBeNull(); // 201 characters
	});
});
