import type { Collection } from "../../../lib/collection";
import { GENESIS_HASH, type AuditRecord } from "../../../services/auth/audit/chain";
import { appendAudit, auditEvent, listAudit, verifyAudit } from "../../../services/auth/audit/trail";
import { FakeClock, memoryCollection } from "./fakes";

let log: Collection<AuditRecord>;
const clock = new FakeClock();
const errors: string[] = [];
const append = (type: string, over = {}) => appendAudit(log, clock, auditEvent({ type, ...over }, {}), m => errors.push(m));

beforeEach(async () => {
	log = await memoryCollection<AuditRecord>("audit_log", ["seq"]);
	errors.length = 0;
});

describe("auditEvent", () => {
	it("fills who, from where and the defaults from the request", () => {
		expect(auditEvent({ type: "login" }, { user: { id: "u1", sid: "s1", roles: ["user"] }, clientIp: "203.0.113.9", userAgent: "x".repeat(600) })).toEqual({
			type: "login",
			outcome: "success",
			actorId: "u1",
			subjectId: null,
			ip: "203.0.113.9",
			userAgent: "x".repeat(512),
			details: {}
		});
	});

	it("keeps an actor the caller names, null included", () => {
		expect(auditEvent({ type: "x", actorId: null }, { user: { id: "u1", sid: "s1", roles: ["user"] } }).actorId).toBeNull();
	});
});

describe("appendAudit", () => {
	it("chains entries from the genesis hash, at the clock's time", async () => {
		await append("register");
		clock.advance(1000);
		await append("login");
		const [first, second] = await log.find({}, { sort: ["seq"] });
		expect([first.seq, first.prevHash, second.seq, second.prevHash, new Date(second.at).getTime()]).toEqual([1, GENESIS_HASH, 2, first.hash, clock.now()]);
	});

	it("serialises concurrent appends into one unbroken chain", async () => {
		await Promise.all(Array.from({ length: 10 }, (_, i) => append(`event-${i}`)));
		expect(await verifyAudit(log)).toEqual({ ok: true, checked: 10 });
	});

	it("never throws: a store failure is reported to onError", async () => {
		log.insert = () => Promise.reject(new Error("disk full"));
		await append("login");
		expect(errors).toEqual(["Could not record the 'login' audit event: disk full"]);
	});
});

describe("listAudit and verifyAudit", () => {
	it("lists newest first, filtered by user as subject or actor", async () => {
		await append("a", { subjectId: "u1" });
		await append("b", { actorId: "u2" });
		await append("c", { actorId: "u1" });
		const page = await listAudit(log, { userId: "u1", page: 1, pageSize: 20 });
		expect([page.rows.map(r => r.type), page.total, page.totalPages]).toEqual([["c", "a"], 2, 1]);
	});

	it("finds an altered entry at its seq", async () => {
		for (const type of ["a", "b", "c"]) await append(type);
		await log.updateMany({ seq: 2 }, { $set: { type: "forged" } });
		expect(await verifyAudit(log)).toEqual({ ok: false, checked: 1, brokenAt: 2, reason: "entry 2 was altered" });
	});
});
