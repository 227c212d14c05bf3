import { confirmEmailChange, requestEmailChange } from "../../../services/auth/flows/email-change";
import { linkTokenFor } from "../../../services/auth/flows/links";
import { setPassword } from "../../../services/auth/password/credentials";
import { startSession } from "../../../services/auth/sessions";
import type { AuthUser } from "../../../lib/types";
import { testKit, type TestKit } from "./fakes";

const PASSWORD = "correct horse battery";

let t: TestKit;
let caller: AuthUser;
beforeEach(async () => {
	t = await testKit();
	const user = t.users.add({ email: "ada@example.com", displayName: "Ada" });
	await setPassword(t.kit, user.id, PASSWORD);
	caller = { id: user.id, sid: (await startSession(t.kit, user.id, {})).session._id, roles: ["user"] };
});

describe("e-mail change", () => {
	it("sends a link to the new address and a notice to the old one", async () => {
		await requestEmailChange(t.kit, caller, { newEmail: "ada@new.example", password: PASSWORD });
		expect(t.emails.map(e => [e.to, e.template])).toEqual([
			["ada@new.example", "email-change"],
			["ada@example.com", "email-change-notice"]
		]);
	});

	it("changes the address on confirmation and ends the other sessions", async () => {
		const other = (await startSession(t.kit, caller.id, {})).session;
		await requestEmailChange(t.kit, caller, { newEmail: "ada@new.example", password: PASSWORD });
		const token = await linkTokenFor(t.kit, { kind: "email-change", userId: caller.id });
		const user = await confirmEmailChange(t.kit, { token: token! });
		expect(user.email).toBe("ada@new.example");
		expect(t.revoked.map(r => r.id)).toEqual([other._id]);
		await expect(confirmEmailChange(t.kit, { token: token! })).rejects.toMatchObject({ type: "INVALID_TOKEN", code: 400 });
	});

	it("needs the password", async () => {
		await expect(requestEmailChange(t.kit, caller, { newEmail: "ada@new.example", password: "wrong password" })).rejects.toMatchObject({ type: "INVALID_CREDENTIALS" });
	});

	it("refuses an address another account has", async () => {
		t.users.add({ email: "grace@example.com" });
		await expect(requestEmailChange(t.kit, caller, { newEmail: "grace@example.com", password: PASSWORD })).rejects.toMatchObject({ type: "EMAIL_TAKEN", code: 409 });
	});

	it("refuses the current address", async () => {
		await expect(requestEmailChange(t.kit, caller, { newEmail: "ADA@example.com", password: PASSWORD })).rejects.toMatchObject({ type: "VALIDATION_ERROR", code: 422 });
	});

	it("expires after 24 hours", async () => {
		await requestEmailChange(t.kit, caller, { newEmail: "ada@new.example", password: PASSWORD });
		const token = await linkTokenFor(t.kit, { kind: "email-change", userId: caller.id });
		t.clock.advance(24 * 3600_000);
		await expect(confirmEmailChange(t.kit, { token: token! })).rejects.toMatchObject({ type: "INVALID_TOKEN", code: 400 });
	});
});
