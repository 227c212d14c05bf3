import { bcryptRounds, PasswordHasher } from "../../../services/auth/password/hasher";

describe("bcryptRounds", () => {
	it("reads the cost of a bcrypt hash", () => {
		expect(bcryptRounds("$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234")).toBe(12);
		expect(bcryptRounds("$2a$04$abcdefghijklmnopqrstuu")).toBe(4);
		expect(bcryptRounds("$2y$10$abc")).toBe(10);
	});

	it("answers 0 for something that is not a bcrypt hash", () => {
		expect(bcryptRounds("")).toBe(0);
		expect(bcryptRounds("plaintext")).toBe(0);
		expect(bcryptRounds("$argon2id$v=19$m=65536")).toBe(0);
	});
});

describe("PasswordHasher", () => {
	const hasher = new PasswordHasher(4, 2);

	afterAll(async () => {
		await hasher.destroy();
	});

	it("hashes with the configured cost and verifies the right password", async () => {
		const hash = await hasher.hash("correct horse battery");
		expect(hash).toMatch(/^\$2[aby]\$04\$/);
		expect(hash).not.toContain("correct horse battery");
		await expect(hasher.verify("correct horse battery", hash)).resolves.toBe(true);
	});

	it("refuses a wrong password", async () => {
		const hash = await hasher.hash("correct horse battery");
		await expect(hasher.verify("correct horse batterY", hash)).resolves.toBe(false);
		await expect(hasher.verify("", hash)).resolves.toBe(false);
	});

	it("salts: the same password gives different hashes that both verify", async () => {
		const [a, b] = await Promise.all([hasher.hash("same password"), hasher.hash("same password")]);
		expect(a).not.toBe(b);
		await expect(hasher.verify("same password", a)).resolves.toBe(true);
		await expect(hasher.verify("same password", b)).resolves.toBe(true);
	});

	it("makes every character count: passwords differing only after byte 72 do not match", async () => {
		const prefix = "x".repeat(99);
		const a = `${prefix}a`;
		const b = `${prefix}b`;
		expect(a).toHaveLength(100);
		const hashA = await hasher.hash(a);
		await expect(hasher.verify(a, hashA)).resolves.toBe(true);
		await expect(hasher.verify(b, hashA)).resolves.toBe(false);
		// Also when the difference is at byte 73 exactly.
		const c = "y".repeat(72) + "1" + "z".repeat(27);
		const d = "y".repeat(72) + "2" + "z".repeat(27);
		await expect(hasher.verify(d, await hasher.hash(c))).resolves.toBe(false);
	});

	it("makes multi-byte characters count beyond 72 bytes", async () => {
		const base = "é".repeat(40); // 80 bytes
		const hash = await hasher.hash(`${base}A`);
		await expect(hasher.verify(`${base}B`, hash)).resolves.toBe(false);
		await expect(hasher.verify(`${base}A`, hash)).resolves.toBe(true);
	});

	it("does not stop at a NUL character", async () => {
		const hash = await hasher.hash("abc\u0000defghijk");
		await expect(hasher.verify("abc\u0000XXXXXXXX", hash)).resolves.toBe(false);
	});

	it("answers false with no stored hash (null, undefined, empty), after a dummy compare", async () => {
		await expect(hasher.verify("anything at all", null)).resolves.toBe(false);
		await expect(hasher.verify("anything at all", undefined)).resolves.toBe(false);
		await expect(hasher.verify("anything at all", "")).resolves.toBe(false);
	});

	it("a malformed stored hash never verifies", async () => {
		await expect(hasher.verify("a", "garbage")).resolves.toBe(false);
		await expect(hasher.verify("password", "password")).resolves.toBe(false);
	});

	it("still runs a bcrypt compare against a dummy hash of the same cost when there is no stored hash", async () => {
		const fresh = new PasswordHasher(4, 1);
		try {
			const hashSpy = jest.spyOn(fresh, "hash");
			const pool = (fresh as any).pool as { run: (task: unknown) => Promise<unknown> };
			const runSpy = jest.spyOn(pool, "run");
			await expect(fresh.verify("guess one", null)).resolves.toBe(false);
			await expect(fresh.verify("guess two", undefined)).resolves.toBe(false);
			// One dummy hash, made once and reused.
			expect(hashSpy).toHaveBeenCalledTimes(1);
			const dummy = (await hashSpy.mock.results[0].value) as string;
			expect(bcryptRounds(dummy)).toBe(4);
			const verifies = runSpy.mock.calls.map(c => c[0] as { op: string; hash?: string }).filter(t => t.op === "verify");
			expect(verifies).toHaveLength(2);
			expect(verifies.every(t => t.hash === dummy)).toBe(true);
		} finally {
			await fresh.destroy();
		}
	});

	it("needs a rehash only when the stored cost is lower than configured", async () => {
		const strong = new PasswordHasher(5, 1);
		try {
			const weakHash = await hasher.hash("some password"); // cost 4
			const strongHash = await strong.hash("some password"); // cost 5
			expect(strong.needsRehash(weakHash)).toBe(true);
			expect(strong.needsRehash(strongHash)).toBe(false);
			expect(hasher.needsRehash(strongHash)).toBe(false);
			expect(hasher.needsRehash(weakHash)).toBe(false);
			expect(hasher.needsRehash("not a hash")).toBe(true);
			// A higher-cost hash still verifies with a lower-cost hasher.
			await expect(hasher.verify("some password", strongHash)).resolves.toBe(true);
		} finally {
			await strong.destroy();
		}
	});
});
