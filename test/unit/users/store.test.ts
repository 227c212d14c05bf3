/**
 * The users store on NeDB (the embedded store's engine): every write that sets the address or the name sets
 * the search keys, and users stored before the keys get them once (backfill), in batches, idempotently.
 */
import type { UserRecord } from "../../../lib/types";
import { backfillSearchKeys, collectionUserStore } from "../../../services/users/store";
import { sampleUserRecord } from "../../helpers/users";
import { memoryCollection } from "../auth/fakes";

function record(i: number, over: Partial<UserRecord> = {}): UserRecord {
	return sampleUserRecord({ _id: `user-${String(i).padStart(5, "0")}`, email: `User${i}@Example.com`, displayName: `Person Number${i}`, ...over }, new Date(1_700_000_000_000 + i));
}

describe("users store: search keys", () => {
	it("insert and update set the keys of the fields they set, and only those", async () => {
		const users = await memoryCollection<UserRecord>("users", ["emailKey"]);
		const changed: string[] = [];
		const store = collectionUserStore(users, id => changed.push(id));
		await store.insert(record(1, { displayName: "Ada Lovelace" }));
		expect(await users.findById("user-00001")).toMatchObject({ displayNameKey: "ada lovelace", nameWords: ["ada", "lovelace"], emailDomain: "example.com" });
		await store.update("user-00001", { displayName: "Ada  King-Noel" });
		expect(await users.findById("user-00001")).toMatchObject({ displayNameKey: "ada king-noel", nameWords: ["ada", "king", "noel"], emailDomain: "example.com" });
		await store.update("user-00001", { email: "ada@Math.Example.org", emailKey: "ada@math.example.org" });
		expect(await users.findById("user-00001")).toMatchObject({ displayNameKey: "ada king-noel", emailDomain: "math.example.org" });
		await store.update("user-00001", { status: "disabled" });
		expect(await users.findById("user-00001")).toMatchObject({ displayNameKey: "ada king-noel", emailDomain: "math.example.org" });
		expect(changed).toEqual(Array(4).fill("user-00001"));
		const page = await store.page({ page: 1, pageSize: 20, search: "KING" });
		expect(page.rows.map(r => r._id)).toEqual(["user-00001"]);
		expect((await store.page({ page: 1, pageSize: 20, search: "@math.ex" })).total).toBe(1);
		expect((await store.page({ page: 1, pageSize: 20, search: "ing" })).total).toBe(0);
	});

	it("backfill gives the keys to every user without them, across batches, and then finds nothing to do", async () => {
		const users = await memoryCollection<UserRecord>("users", ["emailKey"]);
		const count = 1_203; // more than two batches
		for (let i = 0; i < count; i++) await users.insert(record(i));
		const fresh = collectionUserStore(users, () => undefined);
		await fresh.insert(record(99_999, { displayName: "Already Keyed" }));
		expect(await backfillSearchKeys(users)).toBe(count);
		expect(await users.count({ displayNameKey: { $exists: false } })).toBe(0);
		expect(await users.findById("user-00042")).toMatchObject({ displayNameKey: "person number42", nameWords: ["person", "number42"], emailDomain: "example.com" });
		expect(await backfillSearchKeys(users)).toBe(0);
		const page = await fresh.page({ page: 1, pageSize: 20, search: "number120" });
		expect(page.rows.map(r => r._id).sort()).toEqual(["user-00120", "user-01200", "user-01201", "user-01202"]);
	});
});
