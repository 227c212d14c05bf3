import { issueLink, linkEmailFor } from "../../../services/auth/flows/links";
import { register, resendVerification, verifyEmail } from "../../../services/auth/flows/registration";
import { checkPassword } from "../../../services/auth/flows/passwords";
import { testKit, type TestKit } from "./fakes";

const PASSWORD = "correct horse battery";

let t: TestKit;
beforeEach(async () => {
	t = await testKit();
});

describe("register", () => {
	it("creates the account with its password and sends the verification e-mail", async () => {
		const user = await register(t.kit, { email: "ada@example.com", password: PASSWORD, displayName: "Ada" });
		expect(await checkPassword(t.kit, { userId: user.id, password: PASSWORD })).toBe(true);
		expect(t.emails).toEqual([{ to: "ada@example.com", template: "verify-email", data: { displayName: "Ada" }, userId: user.id, link: "verify-email" }]);
		expect(t.metrics).toEqual([["registrations", { result: "created" }]]);
	});

	it("refuses a weak password before creating anything", async () => {
		await expect(register(t.kit, { email: "ada@example.com", password: "password" })).rejects.toMatchObject({ type: "WEAK_PASSWORD", code: 422, data: { reason: "common" } });
		expect(t.users.byId.size).toBe(0);
		expect(t.audit).toEqual([{ type: "register", outcome: "failure", details: { reason: "weak_password" } }]);
	});

	it("refuses a taken address", async () => {
		t.users.add({ email: "ada@example.com" });
		await expect(register(t.kit, { email: "ada@example.com", password: PASSWORD })).rejects.toMatchObject({ type: "EMAIL_TAKEN" });
		expect(t.metrics).toEqual([["registrations", { result: "email_taken" }]]);
	});

	it("discards the account when its password cannot be kept", async () => {
		t.hasher.hash = async () => Promise.reject(new Error("pool down"));
		await expect(register(t.kit, { email: "ada@example.com", password: PASSWORD })).rejects.toThrow("pool down");
		expect(t.users.byId.size).toBe(0);
	});
});

describe("verifyEmail", () => {
	it("verifies the address and welcomes the user once", async () => {
		const user = await register(t.kit, { email: "ada@example.com", password: PASSWORD });
		t.emails.length = 0;
		const verified = await verifyEmail(t.kit, { token: await issueLink(t.kit, "verify-email", user.id) });
		expect(verified.emailVerified).toBe(true);
		await verifyEmail(t.kit, { token: await issueLink(t.kit, "verify-email", user.id) });
		expect(t.emails.map(e => e.template)).toEqual(["welcome"]);
	});
});

describe("resendVerification", () => {
	it("writes a link request for any address before answering; it comes to an e-mail for an unverified account only", async () => {
		const ada = t.users.add({ email: "ada@example.com", emailVerified: false });
		t.users.add({ email: "grace@example.com", emailVerified: true });
		t.users.add({ email: "off@example.com", emailVerified: false, status: "disabled" });
		const addresses = ["ada@example.com", "grace@example.com", "off@example.com", "nobody@example.com"];
		for (const email of addresses) expect(await resendVerification(t.kit, { email })).toBeNull();
		expect(t.linkRequests).toEqual(addresses.map(address => ({ kind: "verify-email", address })));
		const resolved = await Promise.all(addresses.map(address => linkEmailFor(t.kit, "verify-email", address)));
		expect(resolved.map(e => e && [e.to, e.userId, e.link])).toEqual([["ada@example.com", ada.id, "verify-email"], null, null, null]);
	});
});
