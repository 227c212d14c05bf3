import { Inbox } from "../../../services/notifications/inbox";
import { MemoryInboxStore, MovableClock } from "./fakes";

function setup() {
	const store = new MemoryInboxStore();
	const clock = new MovableClock();
	return { inbox: new Inbox(store, clock), store, clock };
}

const notice = (userId: string, title: string) => ({ userId, type: "security", title, body: "…" });

describe("Inbox", () => {
	it("keeps a notice handed over again with the same key once", async () => {
		const { inbox, store } = setup();
		expect(await inbox.add(notice("u1", "one"), "outbox-1")).toEqual({ id: "outbox-1" });
		expect(await inbox.add(notice("u1", "one"), "outbox-1")).toEqual({ id: "outbox-1" });
		expect(store.rows.map(n => [n._id, n.title])).toEqual([["outbox-1", "one"]]);
	});

	it("lists a user's notices newest first, paged, with the unread count", async () => {
		const { inbox, clock } = setup();
		for (const title of ["one", "two", "three"]) {
			await inbox.add(notice("u1", title));
			clock.advance(1_000);
		}
		await inbox.add(notice("u2", "other's"));
		const page = await inbox.list("u1", 1, 2);
		expect(page).toMatchObject({ total: 3, page: 1, pageSize: 2, totalPages: 2, unread: 3 });
		expect(page.rows.map(r => r.title)).toEqual(["three", "two"]);
		expect(page.rows[0]).toMatchObject({ type: "security", read: false, createdAt: new Date(clock.now() - 1_000).toISOString() });
		expect((await inbox.list("u1", 2, 2)).rows.map(r => r.title)).toEqual(["one"]);
	});

	it("lists only the unread or only the read notices when asked, the unread count unchanged", async () => {
		const { inbox, clock } = setup();
		const ids: string[] = [];
		for (const title of ["one", "two", "three"]) {
			ids.push((await inbox.add(notice("u1", title))).id);
			clock.advance(1_000);
		}
		await inbox.markRead("u1", ids[1]);
		const unread = await inbox.list("u1", 1, 20, "unread");
		expect({ titles: unread.rows.map(r => r.title), total: unread.total, unread: unread.unread }).toEqual({ titles: ["three", "one"], total: 2, unread: 2 });
		const read = await inbox.list("u1", 1, 20, "read");
		expect({ titles: read.rows.map(r => r.title), total: read.total, unread: read.unread }).toEqual({ titles: ["two"], total: 1, unread: 2 });
		expect((await inbox.list("u1", 1, 20)).total).toBe(3);
	});

	it("marks one read, keeping the time it was first read", async () => {
		const { inbox, store, clock } = setup();
		const { id } = await inbox.add(notice("u1", "one"));
		clock.advance(5_000);
		await inbox.markRead("u1", id);
		const firstRead = clock.now();
		clock.advance(5_000);
		await inbox.markRead("u1", id);
		expect(store.rows[0].readAt).toEqual(new Date(firstRead));
		expect((await inbox.list("u1", 1, 20)).unread).toBe(0);
	});

	it("answers NOT_FOUND for another user's notice, and leaves it unread", async () => {
		const { inbox, store } = setup();
		const { id } = await inbox.add(notice("u1", "one"));
		await expect(inbox.markRead("u2", id)).rejects.toMatchObject({ type: "NOT_FOUND", code: 404 });
		expect(store.rows[0].readAt).toBeNull();
	});

	it("marks all of one user's notices read, and removes them with the account", async () => {
		const { inbox } = setup();
		await inbox.add(notice("u1", "one"));
		await inbox.add(notice("u1", "two"));
		await inbox.add(notice("u2", "other's"));
		await inbox.markAllRead("u1");
		expect((await inbox.list("u1", 1, 20)).unread).toBe(0);
		expect((await inbox.list("u2", 1, 20)).unread).toBe(1);
		await inbox.removeAll("u1");
		expect((await inbox.list("u1", 1, 20)).total).toBe(0);
		expect((await inbox.list("u2", 1, 20)).total).toBe(1);
	});
});
