import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PASSWORD_PROBLEM_MESSAGES, passwordProblem } from "../../../services/auth/password/policy";

describe("passwordProblem", () => {
	it("uses the contract's bounds: 8 to 128 characters", () => {
		expect(PASSWORD_MIN_LENGTH).toBe(8);
		expect(PASSWORD_MAX_LENGTH).toBe(128);
	});

	it("refuses fewer than 8 characters", () => {
		expect(passwordProblem("")).toBe("too-short");
		expect(passwordProblem("Xq7#pL2")).toBe("too-short");
	});

	it("accepts exactly 8 and exactly 128 characters", () => {
		expect(passwordProblem("Xq7#pL2v")).toBeNull();
		const longest = "Zr8$kW3n".repeat(16);
		expect(longest).toHaveLength(128);
		expect(passwordProblem(longest)).toBeNull();
	});

	it("refuses more than 128 characters", () => {
		expect(passwordProblem("Zr8$kW3n".repeat(16) + "x")).toBe("too-long");
		expect(passwordProblem("a".repeat(1000))).toBe("too-long");
	});

	it.each(["password123", "PASSWORD123", "PassWord123", "12345678", "qwertyuiop", "iloveyou", "password"])(
		"refuses the common password %s (case-insensitive)",
		pw => {
			expect(passwordProblem(pw)).toBe("common");
		}
	);

	it("accepts a long random passphrase", () => {
		expect(passwordProblem("correct horse battery staple vortex 42")).toBeNull();
		expect(passwordProblem("vT9!mQ2#zL8@wK4$")).toBeNull();
	});

	it("counts characters, not UTF-16 units or bytes: an emoji counts as one", () => {
		// 7 emoji = 14 UTF-16 code units, 28 UTF-8 bytes, but 7 characters.
		expect(passwordProblem("🔒".repeat(7))).toBe("too-short");
		expect(passwordProblem("🔒".repeat(8))).toBeNull();
		// 128 emoji are 256 code units: still within the 128-character limit.
		expect(passwordProblem("🔒".repeat(128))).toBeNull();
		expect(passwordProblem("🔒".repeat(129))).toBe("too-long");
	});

	it("counts multi-byte letters as one character each", () => {
		expect(passwordProblem("ñçüéåøßð")).toBeNull();
		expect(passwordProblem("ñçüéåøß")).toBe("too-short");
	});

	it("has a message for every problem", () => {
		expect(PASSWORD_PROBLEM_MESSAGES["too-short"]).toContain("8");
		expect(PASSWORD_PROBLEM_MESSAGES["too-long"]).toContain("128");
		expect(PASSWORD_PROBLEM_MESSAGES.common).toMatch(/common/);
	});
});
