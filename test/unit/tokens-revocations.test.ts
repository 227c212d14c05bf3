import { RevocationSet } from "../../lib/tokens/revocations";

const NOW = 1_700_000_000_000;

describe("RevocationSet", () => {
	it("refuses a revoked session until its `until`", () => {
		const set = new RevocationSet();
		set.add([{ id: "s1", until: NOW + 1000 }]);
		expect(set.has("s1", NOW)).toBe(true);
		expect(set.has("s1", NOW + 999)).toBe(true);
		expect(set.has("s1", NOW + 1000)).toBe(false);
		expect(set.has("s2", NOW)).toBe(false);
	});

	it("adds many at once and keeps the later `until` of duplicates", () => {
		const set = new RevocationSet();
		set.add([
			{ id: "a", until: NOW + 5000 },
			{ id: "b", until: NOW + 1000 }
		]);
		set.add([{ id: "a", until: NOW + 100 }]); // earlier: ignored
		set.add([{ id: "b", until: NOW + 9000 }]); // later: extends
		expect(set.size).toBe(2);
		expect(set.has("a", NOW + 4000)).toBe(true);
		expect(set.has("b", NOW + 8000)).toBe(true);
	});

	it("accepts any iterable", () => {
		const set = new RevocationSet();
		set.add(new Set([{ id: "x", until: NOW + 1 }]));
		expect(set.has("x", NOW)).toBe(true);
	});

	it("prunes only entries that have expired", () => {
		const set = new RevocationSet();
		set.add([
			{ id: "old", until: NOW - 1 },
			{ id: "edge", until: NOW },
			{ id: "live", until: NOW + 1 }
		]);
		expect(set.size).toBe(3);
		set.prune(NOW);
		expect(set.size).toBe(1);
		expect(set.has("live", NOW)).toBe(true);
		expect(set.has("old", NOW - 10)).toBe(false);
	});

	it("judges by the time it is given (the gateway's clock), not the system's", () => {
		const set = new RevocationSet();
		const future = Date.now() + 3_600_000;
		set.add([
			{ id: "ends-later", until: future + 60_000 },
			{ id: "ended", until: future - 60_000 }
		]);
		expect(set.has("ends-later", future)).toBe(true);
		expect(set.has("ended", future)).toBe(false);
		set.prune(future);
		expect(set.size).toBe(1);
	});
});
