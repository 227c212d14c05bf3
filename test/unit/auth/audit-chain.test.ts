import { GENESIS_HASH, auditHash, toAuditView, verifyChain, type AuditRecord } from "../../../services/auth/audit/chain";

type Entry = Omit<AuditRecord, "_id">;
type Content = Omit<AuditRecord, "_id" | "hash">;

const BASE_TIME = Date.parse("2026-03-01T12:00:00.000Z");

function content(seq: number, prevHash: string, over: Partial<Content> = {}): Content {
	return {
		seq,
		at: new Date(BASE_TIME + seq * 1000),
		type: seq % 2 ? "login" : "logout",
		outcome: seq % 3 ? "success" : "failure",
		actorId: `actor-${seq}`,
		subjectId: `subject-${seq}`,
		ip: "10.0.0.1",
		userAgent: "jest/1.0",
		details: { sessionId: `s-${seq}`, count: seq, flag: true, none: null, roles: ["user", "admin"] },
		prevHash,
		...over
	};
}

/** A well-formed chain of `n` entries, continuing from `previous`. */
function chain(n: number, previous = { seq: 0, hash: GENESIS_HASH }): Entry[] {
	const out: Entry[] = [];
	let prev = previous;
	for (let i = 1; i <= n; i++) {
		const c = content(prev.seq + 1, prev.hash);
		const e = { ...c, hash: auditHash(c) };
		out.push(e);
		prev = { seq: e.seq, hash: e.hash };
	}
	return out;
}

describe("audit chain", () => {
	describe("auditHash", () => {
		const base = content(7, "a".repeat(64));

		it("is a deterministic SHA-256 hex digest", () => {
			const h = auditHash(base);
			expect(h).toMatch(/^[0-9a-f]{64}$/);
			expect(auditHash({ ...base, details: { ...base.details } })).toBe(h);
			// The same instant given as a string or a Date hashes alike.
			expect(auditHash({ ...base, at: new Date(base.at.toISOString()) })).toBe(h);
		});

		const changes: Array<[string, Partial<Content>]> = [
			["seq", { seq: 8 }],
			["at", { at: new Date(BASE_TIME + 7 * 1000 + 1) }],
			["type", { type: "login.throttled" }],
			["outcome", { outcome: "failure" === base.outcome ? "success" : "failure" }],
			["actorId", { actorId: "someone-else" }],
			["actorId → null", { actorId: null }],
			["subjectId", { subjectId: "another" }],
			["subjectId → null", { subjectId: null }],
			["ip", { ip: "10.0.0.2" }],
			["ip → null", { ip: null }],
			["userAgent", { userAgent: "curl/8" }],
			["userAgent → null", { userAgent: null }],
			["prevHash", { prevHash: "b".repeat(64) }]
		];
		it.each(changes)("changes with %s", (_name, change) => {
			expect(auditHash({ ...base, ...change })).not.toBe(auditHash(base));
		});

		it("changes when any detail value, key or entry changes", () => {
			const h = auditHash(base);
			const variants: Array<Content["details"]> = [
				{ ...base.details, sessionId: "s-other" },
				{ ...base.details, count: 8 },
				{ ...base.details, count: "7" }, // a type change, same text
				{ ...base.details, flag: false },
				{ ...base.details, none: "null" },
				{ ...base.details, roles: ["user"] },
				{ ...base.details, roles: ["admin", "user"] },
				{ ...base.details, extra: "x" },
				Object.fromEntries(Object.entries(base.details).filter(([k]) => k !== "flag")),
				// The same value under another key name.
				Object.fromEntries(Object.entries(base.details).map(([k, v]) => [k === "sessionId" ? "session" : k, v])),
				{}
			];
			const seen = new Set<string>([h]);
			for (const details of variants) {
				const other = auditHash({ ...base, details });
				expect(other).not.toBe(h);
				seen.add(other);
			}
			expect(seen.size).toBe(variants.length + 1);
		});

		it("does not depend on the order of the details' keys", () => {
			const reversed = Object.fromEntries(Object.entries(base.details).reverse());
			expect(Object.keys(reversed)).not.toEqual(Object.keys(base.details));
			expect(auditHash({ ...base, details: reversed })).toBe(auditHash(base));
		});

		it("does not depend on fields outside the entry's content (_id, hash)", () => {
			const withExtras = { ...base, _id: "x", hash: "y" } as unknown as Content;
			expect(auditHash(withExtras)).toBe(auditHash(base));
		});
	});

	describe("verifyChain", () => {
		it("accepts an empty chain and a good chain from genesis", () => {
			expect(verifyChain([])).toEqual({ ok: true, checked: 0 });
			const entries = chain(5);
			expect(entries[0].prevHash).toBe(GENESIS_HASH);
			expect(entries[0].seq).toBe(1);
			expect(verifyChain(entries)).toEqual({ ok: true, checked: 5 });
		});

		it("reports an altered entry (details changed, hash kept) at its seq", () => {
			const entries = chain(5);
			entries[2] = { ...entries[2], details: { ...entries[2].details, count: 999 } };
			const v = verifyChain(entries);
			expect(v.ok).toBe(false);
			expect(v.brokenAt).toBe(3);
			expect(v.checked).toBe(2);
			expect(v.reason).toMatch(/altered/);
		});

		it("reports an altered top-level field", () => {
			for (const field of ["type", "actorId", "ip", "userAgent"] as const) {
				const entries = chain(4);
				entries[1] = { ...entries[1], [field]: "tampered" };
				const v = verifyChain(entries);
				expect(v).toMatchObject({ ok: false, brokenAt: 2, checked: 1 });
			}
			const entries = chain(4);
			entries[3] = { ...entries[3], at: new Date(entries[3].at.getTime() + 1) };
			expect(verifyChain(entries)).toMatchObject({ ok: false, brokenAt: 4, checked: 3 });
		});

		it("reports an entry whose hash was recomputed after altering it: its successor no longer follows", () => {
			const entries = chain(5);
			const altered = { ...entries[1], type: "nothing.to.see" };
			entries[1] = { ...altered, hash: auditHash(altered) };
			const v = verifyChain(entries);
			expect(v).toMatchObject({ ok: false, brokenAt: 3, checked: 2 });
			expect(v.reason).toMatch(/does not follow/);
		});

		it("reports a removed entry as a gap at the missing seq", () => {
			const entries = chain(6);
			entries.splice(3, 1); // seq 4 gone
			const v = verifyChain(entries);
			expect(v).toMatchObject({ ok: false, brokenAt: 4, checked: 3 });
			expect(v.reason).toMatch(/missing/);
		});

		it("reports a removed first entry", () => {
			const entries = chain(3).slice(1);
			expect(verifyChain(entries)).toMatchObject({ ok: false, brokenAt: 1, checked: 0 });
		});

		it("reports reordered entries", () => {
			const entries = chain(5);
			[entries[1], entries[2]] = [entries[2], entries[1]];
			const v = verifyChain(entries);
			expect(v.ok).toBe(false);
			expect(v.brokenAt).toBe(2);
			expect(v.checked).toBe(1);
		});

		it("reports an entry renumbered and relinked into another place (its hash no longer matches)", () => {
			const entries = chain(5);
			// Remove seq 3, and move seq 4 and 5 down, relinking them: the numbering and links look right.
			const relinked: Entry[] = entries.slice(0, 2);
			for (const e of entries.slice(3)) {
				const prev = relinked[relinked.length - 1];
				relinked.push({ ...e, seq: prev.seq + 1, prevHash: prev.hash });
			}
			const v = verifyChain(relinked);
			expect(v).toMatchObject({ ok: false, brokenAt: 3, checked: 2 });
			expect(v.reason).toMatch(/altered/);
		});

		it("reports an entry linked to the wrong predecessor", () => {
			const entries = chain(4);
			const c = { ...entries[2], prevHash: entries[0].hash };
			entries[2] = { ...c, hash: auditHash(c) };
			expect(verifyChain(entries)).toMatchObject({ ok: false, brokenAt: 3, checked: 2 });
		});

		it("continues from a given previous entry", () => {
			const all = chain(8);
			const head = all.slice(0, 5);
			const tail = all.slice(5);
			const last = head[head.length - 1];
			expect(verifyChain(tail, { seq: last.seq, hash: last.hash })).toEqual({ ok: true, checked: 3 });
			// Against genesis the tail does not start at 1.
			expect(verifyChain(tail)).toMatchObject({ ok: false, brokenAt: 1, checked: 0 });
			// A wrong previous hash: the first entry does not follow.
			expect(verifyChain(tail, { seq: last.seq, hash: "f".repeat(64) })).toMatchObject({ ok: false, brokenAt: 6, checked: 0 });
			// A wrong previous seq: a gap.
			expect(verifyChain(tail, { seq: 3, hash: last.hash })).toMatchObject({ ok: false, brokenAt: 4, checked: 0 });
		});

		it("accepts a chain built from a custom starting point", () => {
			const entries = chain(3, { seq: 41, hash: "c".repeat(64) });
			expect(entries.map(e => e.seq)).toEqual([42, 43, 44]);
			expect(verifyChain(entries, { seq: 41, hash: "c".repeat(64) })).toEqual({ ok: true, checked: 3 });
		});
	});

	describe("toAuditView", () => {
		it("has exactly the public fields, with id and an ISO time, and no hashes", () => {
			const c = content(3, GENESIS_HASH);
			const record: AuditRecord = { _id: "entry-id", ...c, hash: auditHash(c) };
			const view = toAuditView(record);
			expect(Object.keys(view).sort()).toEqual(["actorId", "at", "details", "id", "ip", "outcome", "seq", "subjectId", "type", "userAgent"]);
			expect(view).toEqual({
				id: "entry-id",
				seq: 3,
				at: new Date(BASE_TIME + 3000).toISOString(),
				type: c.type,
				outcome: c.outcome,
				actorId: c.actorId,
				subjectId: c.subjectId,
				ip: c.ip,
				userAgent: c.userAgent,
				details: c.details
			});
		});

		it("turns a stored time given as a string into ISO-8601", () => {
			const c = content(1, GENESIS_HASH);
			const record = { _id: "x", ...c, at: "2026-03-01T12:00:01.000Z" as unknown as Date, hash: "h" };
			expect(toAuditView(record).at).toBe("2026-03-01T12:00:01.000Z");
		});
	});
});
