import { Collection, isDuplicateKeyError, type StoreAdapter } from "../../lib/collection";

interface Doc {
	_id: string;
	name: string;
}

/** A fake adapter: entities are wrapped, as both real adapters return store objects rather than plain ones. */
function fakeAdapter(): StoreAdapter & { calls: Array<[string, unknown[]]> } {
	const calls: Array<[string, unknown[]]> = [];
	const wrap = (doc: Doc | null) => (doc ? { wrapped: { ...doc } } : null);
	const store = new Map<string, Doc>([["1", { _id: "1", name: "one" }]]);
	const record =
		<A extends unknown[], R>(name: string, fn: (...args: A) => R) =>
		(...args: A): R => {
			calls.push([name, args]);
			return fn(...args);
		};
	return {
		calls,
		connect: record("connect", async () => undefined),
		disconnect: record("disconnect", async () => undefined),
		find: record("find", async () => [...store.values()].map(wrap)),
		findOne: record("findOne", async (q: Record<string, unknown>) => wrap([...store.values()].find(d => d.name === q.name) ?? null)),
		findById: record("findById", async (id: string) => wrap(store.get(id) ?? null)),
		count: record("count", async () => store.size),
		insert: record("insert", async (doc: object) => {
			store.set((doc as Doc)._id, doc as Doc);
			return wrap(doc as Doc);
		}),
		updateMany: record("updateMany", async () => 1),
		updateById: record("updateById", async (id: string, update: Record<string, unknown>) => {
			const doc = store.get(id);
			if (!doc) return null;
			Object.assign(doc, (update as { $set?: object }).$set);
			return wrap(doc);
		}),
		removeMany: record("removeMany", async () => 2),
		removeById: record("removeById", async (id: string) => {
			store.delete(id);
			return null;
		}),
		entityToObject: (entity: unknown) => (entity as { wrapped: Doc }).wrapped
	};
}

describe("Collection", () => {
	it("returns plain objects from every read and write", async () => {
		const adapter = fakeAdapter();
		const users = new Collection<Doc>("users", adapter);
		expect(users.name).toBe("users");
		expect(await users.insert({ _id: "2", name: "two" })).toEqual({ _id: "2", name: "two" });
		expect(await users.findById("1")).toEqual({ _id: "1", name: "one" });
		expect(await users.findOne({ name: "two" })).toEqual({ _id: "2", name: "two" });
		expect(await users.find({})).toEqual([
			{ _id: "1", name: "one" },
			{ _id: "2", name: "two" }
		]);
		expect(await users.updateById("1", { $set: { name: "uno" } })).toEqual({ _id: "1", name: "uno" });
	});

	it("answers null when nothing is found", async () => {
		const users = new Collection<Doc>("users", fakeAdapter());
		expect(await users.findById("missing")).toBeNull();
		expect(await users.findOne({ name: "missing" })).toBeNull();
		expect(await users.updateById("missing", { $set: { name: "x" } })).toBeNull();
	});

	it("passes the query and the find options to the adapter", async () => {
		const adapter = fakeAdapter();
		const users = new Collection<Doc>("users", adapter);
		await users.find({ status: "active" }, { sort: ["-createdAt"], limit: 10, offset: 20 });
		expect(adapter.calls.at(-1)).toEqual(["find", [{ query: { status: "active" }, sort: ["-createdAt"], limit: 10, offset: 20 }]]);
		await users.count({ status: "active" });
		expect(adapter.calls.at(-1)).toEqual(["count", [{ query: { status: "active" } }]]);
	});

	it("returns the adapter's counts for bulk writes", async () => {
		const users = new Collection<Doc>("users", fakeAdapter());
		expect(await users.updateMany({ a: 1 }, { $set: { b: 2 } })).toBe(1);
		expect(await users.removeMany({ a: 1 })).toBe(2);
		expect(await users.count({})).toBe(1);
		await expect(users.removeById("1")).resolves.toBeUndefined();
		expect(await users.findById("1")).toBeNull();
	});
});

describe("isDuplicateKeyError", () => {
	it("recognises NeDB's and MongoDB's unique-index violations", () => {
		expect(isDuplicateKeyError({ errorType: "uniqueViolated" })).toBe(true);
		expect(isDuplicateKeyError(Object.assign(new Error("E11000 duplicate key"), { code: 11000 }))).toBe(true);
		expect(isDuplicateKeyError({ code: 11001 })).toBe(true);
	});

	it("is false for anything else", () => {
		expect(isDuplicateKeyError(new Error("boom"))).toBe(false);
		expect(isDuplicateKeyError({ code: 11 })).toBe(false);
		expect(isDuplicateKeyError({ code: "11000" })).toBe(false);
		expect(isDuplicateKeyError(null)).toBe(false);
		expect(isDuplicateKeyError(undefined)).toBe(false);
		expect(isDuplicateKeyError("uniqueViolated")).toBe(false);
	});
});
