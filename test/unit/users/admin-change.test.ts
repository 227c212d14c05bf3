import { createUser } from "../../../services/users/accounts";
import { changeByAdmin } from "../../../services/users/admin-change";
import { deleteAccount, deleteOwnAccount } from "../../../services/users/deletion";
import { FakePeers, fakeCore } from "./fakes";

async function withAdmins(count: number) {
	const core = fakeCore();
	const admins = [];
	for (let i = 0; i < count; i++) admins.push(await createUser(core, { email: `admin${i}@example.com`, roles: ["admin"] }));
	const user = await createUser(core, { email: "user@example.com" });
	return { core, admins, user, peers: new FakePeers() };
}

describe("changeByAdmin", () => {
	it("demotes an admin while another remains: audited, sessions ended, under the lock", async () => {
		const { core, admins, peers } = await withAdmins(2);
		const changed = await changeByAdmin(core, peers, { id: admins[0].id, roles: ["user"] });
		expect(changed.roles).toEqual(["user"]);
		expect(peers.audits).toEqual([{ type: "user.roles", subjectId: admins[0].id, details: { from: ["user", "admin"], to: ["user"] } }]);
		expect(peers.calls).toEqual(["audit user.roles", `endSessions ${admins[0].id}`]);
		expect(core.mutex.taken).toBe(1);
	});

	it("refuses to demote or disable the last active admin (LAST_ADMIN), changing nothing", async () => {
		const { core, admins, peers } = await withAdmins(1);
		await expect(changeByAdmin(core, peers, { id: admins[0].id, roles: ["user"] })).rejects.toMatchObject({ type: "LAST_ADMIN", code: 409 });
		await expect(changeByAdmin(core, peers, { id: admins[0].id, status: "disabled" })).rejects.toMatchObject({ type: "LAST_ADMIN" });
		expect(core.store.users.get(admins[0].id)).toMatchObject({ roles: ["user", "admin"], status: "active" });
		expect(peers.calls).toEqual([]);
	});

	it("lets only one of two admins demoting each other at once succeed", async () => {
		const { core, admins, peers } = await withAdmins(2);
		const results = await Promise.allSettled([
			changeByAdmin(core, peers, { id: admins[0].id, roles: ["user"] }),
			changeByAdmin(core, peers, { id: admins[1].id, roles: ["user"] })
		]);
		expect(results.map(r => r.status).sort()).toEqual(["fulfilled", "rejected"]);
		expect(await core.store.countActiveAdmins()).toBe(1);
	});

	it("disabling ends the sessions; enabling again does not", async () => {
		const { core, user, peers } = await withAdmins(1);
		await changeByAdmin(core, peers, { id: user.id, status: "disabled" });
		await changeByAdmin(core, peers, { id: user.id, status: "active" });
		expect(peers.calls).toEqual(["audit user.status", `endSessions ${user.id}`, "audit user.status"]);
	});

	it("a name change takes no lock, audits nothing and ends no session", async () => {
		const { core, user, peers } = await withAdmins(1);
		core.clock.advance(10);
		const changed = await changeByAdmin(core, peers, { id: user.id, displayName: "Renamed" });
		expect(changed).toMatchObject({ displayName: "Renamed", updatedAt: new Date(core.clock.now()).toISOString() });
		expect(core.mutex.taken).toBe(0);
		expect(peers.calls).toEqual([]);
	});

	it("an audit entry that cannot be written is logged, and the change stands", async () => {
		const { core, user, peers } = await withAdmins(1);
		peers.auditDown = true;
		await changeByAdmin(core, peers, { id: user.id, roles: ["admin"] });
		expect(core.store.users.get(user.id)?.roles).toEqual(["user", "admin"]);
		expect(core.logger.lines).toEqual(["error Could not record the 'user.roles' audit event: auth unreachable"]);
	});

	it("answers NOT_FOUND for an unknown user", async () => {
		const { core, peers } = await withAdmins(1);
		await expect(changeByAdmin(core, peers, { id: "nobody", status: "disabled" })).rejects.toMatchObject({ type: "NOT_FOUND" });
	});
});

describe("deleteAccount", () => {
	it("purges credentials first, then removes, purges notices, announces and audits", async () => {
		const { core, user, peers } = await withAdmins(1);
		await deleteAccount(core, peers, user.id);
		expect(core.store.users.has(user.id)).toBe(false);
		expect(peers.calls).toEqual([`purgeCredentials ${user.id}`, `purgeNotices ${user.id} user@example.com`, `announceDeleted ${user.id}`, "audit user.delete"]);
		expect(peers.audits[0]).toEqual({ type: "user.delete", subjectId: user.id, details: { email: "user@example.com" } });
	});

	it("refuses the last active admin (LAST_ADMIN) before touching anything", async () => {
		const { core, admins, peers } = await withAdmins(1);
		await expect(deleteAccount(core, peers, admins[0].id)).rejects.toMatchObject({ type: "LAST_ADMIN" });
		expect(core.store.users.has(admins[0].id)).toBe(true);
		expect(peers.calls).toEqual([]);
	});

	it("still deletes when notifications cannot be reached, and says so in the log", async () => {
		const { core, user, peers } = await withAdmins(1);
		peers.noticesDown = true;
		await deleteAccount(core, peers, user.id);
		expect(core.store.users.has(user.id)).toBe(false);
		expect(peers.calls).toContain(`announceDeleted ${user.id}`);
		expect(core.logger.lines).toEqual(["warn Could not reach notifications after deleting an account: notifications unreachable"]);
	});
});

describe("deleteOwnAccount", () => {
	it("refuses a wrong password with INVALID_CREDENTIALS and keeps the account", async () => {
		const { core, user, peers } = await withAdmins(1);
		await expect(deleteOwnAccount(core, peers, user.id, "wrong")).rejects.toMatchObject({ type: "INVALID_CREDENTIALS", code: 401 });
		expect(core.store.users.has(user.id)).toBe(true);
		expect(peers.calls).toEqual([`checkPassword ${user.id}`]);
	});

	it("deletes the account with the right password", async () => {
		const { core, user, peers } = await withAdmins(1);
		await deleteOwnAccount(core, peers, user.id, peers.password);
		expect(core.store.users.has(user.id)).toBe(false);
	});
});
