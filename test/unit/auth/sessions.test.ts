import { isLive, revocation, toRevoked, toSessionView, type SessionRecord } from "../../../services/auth/sessions";

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

function session(overrides: Partial<SessionRecord> = {}): SessionRecord {
	return {
		_id: "s1",
		userId: "u1",
		tokenHash: "hash-current",
		createdAt: new Date(NOW - 3_600_000),
		lastUsedAt: new Date(NOW - 60_000),
		expiresAt: new Date(NOW + 86_400_000),
		userAgent: "Mozilla/5.0",
		ip: "203.0.113.9",
		revokedAt: null,
		revokedUntil: null,
		...overrides
	};
}

describe("isLive", () => {
	it("is true for an unexpired, unrevoked session", () => {
		expect(isLive(session(), NOW)).toBe(true);
	});

	it("is false once expired (at the expiry instant too)", () => {
		expect(isLive(session({ expiresAt: new Date(NOW) }), NOW)).toBe(false);
		expect(isLive(session({ expiresAt: new Date(NOW - 1) }), NOW)).toBe(false);
		expect(isLive(session({ expiresAt: new Date(NOW + 1) }), NOW)).toBe(true);
	});

	it("is false once revoked, even before expiry", () => {
		expect(isLive(session({ revokedAt: new Date(NOW - 1000) }), NOW)).toBe(false);
	});

	it("accepts dates stored as strings (as a JSON store returns them)", () => {
		const s = session({ expiresAt: new Date(NOW + 1000).toISOString() as unknown as Date });
		expect(isLive(s, NOW)).toBe(true);
		expect(isLive(s, NOW + 2000)).toBe(false);
	});

	it("is judged at the time it is given, not the system's", () => {
		const s = session({ expiresAt: new Date(Date.now() + 60_000) });
		expect(isLive(s, Date.now() + 120_000)).toBe(false);
	});
});

describe("toSessionView", () => {
	it("has exactly the contract's fields, with ISO times and no hashes", () => {
		const view = toSessionView(session(), "other");
		expect(view).toEqual({
			id: "s1",
			createdAt: new Date(NOW - 3_600_000).toISOString(),
			lastUsedAt: new Date(NOW - 60_000).toISOString(),
			expiresAt: new Date(NOW + 86_400_000).toISOString(),
			userAgent: "Mozilla/5.0",
			ip: "203.0.113.9",
			current: false
		});
		const json = JSON.stringify(view);
		expect(json).not.toContain("hash");
		expect(json).not.toContain("u1");
	});

	it("marks the current session", () => {
		expect(toSessionView(session(), "s1").current).toBe(true);
		expect(toSessionView(session(), undefined).current).toBe(false);
	});

	it("keeps null user agent and ip", () => {
		const view = toSessionView(session({ userAgent: null, ip: null }), "s1");
		expect(view.userAgent).toBeNull();
		expect(view.ip).toBeNull();
	});
});

describe("revocation / toRevoked", () => {
	it("revokes now, and keeps access tokens refused until the last one would expire (+1 s)", () => {
		const r = revocation(NOW, 900);
		expect(r.revokedAt.getTime()).toBe(NOW);
		expect(r.revokedUntil.getTime()).toBe(NOW + 900_000 + 1000);
	});

	it("turns a revoked session into the broadcast entry", () => {
		const r = revocation(NOW, 900);
		expect(toRevoked({ _id: "s1", revokedUntil: r.revokedUntil })).toEqual({ id: "s1", until: NOW + 901_000 });
		expect(toRevoked({ _id: "s2", revokedUntil: new Date(NOW).toISOString() as unknown as Date })).toEqual({ id: "s2", until: NOW });
		expect(toRevoked({ _id: "s3", revokedUntil: null })).toEqual({ id: "s3", until: 0 });
	});
});
