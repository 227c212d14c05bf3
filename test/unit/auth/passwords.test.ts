import type { TokenResponse } from "../../../lib/types";
import { issueLink, linkEmailFor } from "../../../services/auth/flows/links";
import { logIn } from "../../../services/auth/flows/login";
import { changePassword, checkPassword, forgotPassword, resetPassword } from "../../../services/auth/flows/passwords";
import { setPassword } from "../../../services/auth/password/credentials";
import { startSession } from "../../../services/auth/sessions";
import { testKit, type TestKit } from "./fakes";

const OLD = "correct horse battery";
const NEW = "tremendous purple giraffe";

let t: TestKit;
let userId: string;
beforeEach(async () => {
	t = await testKit();
	userId = t.users.add({ email: "ada@example.com", displayName: "Ada" }).id;
	await setPassword(t.kit, userId, OLD);
});

describe("forgotPassword", () => {
	it("writes the same link request for a known and an unknown address before answering", async () => {
		expect(await forgotPassword(t.kit, { email: "ada@example.com" })).toBeNull();
		expect(await forgotPassword(t.kit, { email: "nobody@example.com" })).toBeNull();
		expect(t.linkRequests).toEqual([
			{ kind: "password-reset", address: "ada@example.com" },
			{ kind: "password-reset", address: "nobody@example.com" }
		]);
		expect(t.emails).toEqual([]);
	});

	it("comes to a reset e-mail for a known address only, as the relay resolves it", async () => {
		expect(await linkEmailFor(t.kit, "password-reset", "ada@example.com")).toEqual({ to: "ada@example.com", template: "password-reset", data: { displayName: "Ada" }, userId, link: "password-reset" });
		expect(await linkEmailFor(t.kit, "password-reset", "nobody@example.com")).toBeNull();
	});

	it("audits whether the address was known, behind the answer", async () => {
		await forgotPassword(t.kit, { email: "nobody@example.com" });
		await t.background();
		expect(t.audit).toEqual([{ type: "password.forgot", subjectId: null, details: { address: "nobody@example.com", known: false } }]);
	});
});

describe("resetPassword", () => {
	it("sets the new password, ends every session and lifts the login lock", async () => {
		const { session } = await startSession(t.kit, userId, {});
		for (let i = 0; i < 5; i++) await logIn(t.kit, { email: "ada@example.com", password: "wrong password" }, {}).catch(() => undefined);
		const token = await issueLink(t.kit, "password-reset", userId);
		await resetPassword(t.kit, { token, password: NEW });
		expect(t.revoked.map(r => r.id)).toEqual([session._id]);
		expect(((await logIn(t.kit, { email: "ada@example.com", password: NEW }, {})) as TokenResponse).tokenType).toBe("Bearer");
		expect(t.notices.map(n => n.type)).toEqual(["password-changed"]);
	});

	it("refuses a weak password before spending the link", async () => {
		const token = await issueLink(t.kit, "password-reset", userId);
		await expect(resetPassword(t.kit, { token, password: "password" })).rejects.toMatchObject({ type: "WEAK_PASSWORD", code: 422 });
		await resetPassword(t.kit, { token, password: NEW });
		expect(await checkPassword(t.kit, { userId, password: NEW })).toBe(true);
	});
});

describe("changePassword", () => {
	it("needs the current password", async () => {
		await expect(changePassword(t.kit, { id: userId, sid: "s", roles: ["user"] }, { currentPassword: "wrong password", newPassword: NEW })).rejects.toMatchObject({
			type: "INVALID_CREDENTIALS",
			code: 401
		});
	});

	it("keeps the caller's session and ends the others", async () => {
		const mine = (await startSession(t.kit, userId, {})).session;
		const other = (await startSession(t.kit, userId, {})).session;
		await changePassword(t.kit, { id: userId, sid: mine._id, roles: ["user"] }, { currentPassword: OLD, newPassword: NEW });
		expect(t.revoked.map(r => r.id)).toEqual([other._id]);
		expect([await checkPassword(t.kit, { userId, password: OLD }), await checkPassword(t.kit, { userId, password: NEW })]).toEqual([false, true]);
		expect(t.emails.map(e => e.template)).toEqual(["password-changed"]);
	});
});
