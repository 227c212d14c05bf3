import { endUserSessions, listSessions, logout, logoutAll, purgeUser, removeSession, revokedSessions } from "../../../services/auth/flows/sessions";
import { setPassword } from "../../../services/auth/password/credentials";
import { startSession } from "../../../services/auth/sessions";
import type { AuthUser } from "../../../lib/types";
import { testKit, type TestKit } from "./fakes";

let t: TestKit;
let caller: AuthUser;
let other: string;
beforeEach(async () => {
	t = await testKit({ accessTokenTtl: 900 });
	const userId = t.users.add({ email: "ada@example.com", displayName: "Ada" }).id;
	caller = { id: userId, sid: (await startSession(t.kit, userId, { ip: "203.0.113.9", userAgent: "jest" })).session._id, roles: ["user"] };
	t.clock.advance(1000);
	other = (await startSession(t.kit, userId, {})).session._id;
});

describe("sessions", () => {
	it("logout ends this session, broadcasting until when its access tokens must be refused", async () => {
		await logout(t.kit, caller);
		expect(t.revoked).toEqual([{ id: caller.sid, until: t.clock.now() + 901_000 }]);
		expect((await listSessions(t.kit, caller)).map(s => s.id)).toEqual([other]);
	});

	it("logoutAll ends every session and tells the user", async () => {
		await logoutAll(t.kit, caller);
		expect(t.revoked.map(r => r.id).sort()).toEqual([caller.sid, other].sort());
		expect([t.emails.map(e => e.template), t.notices.map(n => n.type)]).toEqual([["sessions-ended"], ["sessions-ended"]]);
	});

	it("lists the live sessions, most recently used first, marking the current one", async () => {
		expect((await listSessions(t.kit, caller)).map(s => [s.id, s.current])).toEqual([
			[other, false],
			[caller.sid, true]
		]);
	});

	it("removes one session of the caller's, and no one else's", async () => {
		await removeSession(t.kit, caller, { id: other });
		expect(t.revoked.map(r => r.id)).toEqual([other]);
		const stranger = { ...caller, id: "someone-else" };
		await expect(removeSession(t.kit, stranger, { id: caller.sid })).rejects.toMatchObject({ type: "NOT_FOUND", code: 404 });
	});

	it("endUserSessions ends them all and says how many", async () => {
		expect(await endUserSessions(t.kit, { userId: caller.id })).toBe(2);
		expect(await endUserSessions(t.kit, { userId: caller.id })).toBe(0);
	});

	it("revokedSessions lists ended sessions until their access tokens expire", async () => {
		await logout(t.kit, caller);
		expect((await revokedSessions(t.kit)).map(r => r.id)).toEqual([caller.sid]);
		t.clock.advance(901_000);
		expect(await revokedSessions(t.kit)).toEqual([]);
	});

	it("purgeUser forgets the credential, the devices and the links", async () => {
		await setPassword(t.kit, caller.id, "correct horse battery");
		await purgeUser(t.kit, { userId: caller.id });
		expect(await t.kit.stores.credentials.findById(caller.id)).toBeNull();
		expect((await t.kit.stores.sessions.find({ userId: caller.id })).map(s => [s.ip, s.userAgent, !!s.revokedAt])).toEqual([
			[null, null, true],
			[null, null, true]
		]);
	});
});
