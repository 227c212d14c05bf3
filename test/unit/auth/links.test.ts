import { consumeLink, issueLink, linkTokenFor, sendLink } from "../../../services/auth/flows/links";
import { testKit, type TestKit } from "./fakes";

let t: TestKit;
let userId: string;
beforeEach(async () => {
	t = await testKit();
	userId = t.users.add({ email: "ada@example.com", emailVerified: false }).id;
});

describe("one-time links", () => {
	it("are spent once: the second use is INVALID_TOKEN (400)", async () => {
		const token = await issueLink(t.kit, "password-reset", userId);
		expect(await consumeLink(t.kit, "password-reset", token)).toBe(userId);
		await expect(consumeLink(t.kit, "password-reset", token)).rejects.toMatchObject({ type: "INVALID_TOKEN", code: 400 });
	});

	it("expire (a reset link after 30 minutes)", async () => {
		const token = await issueLink(t.kit, "password-reset", userId);
		t.clock.advance(30 * 60_000);
		await expect(consumeLink(t.kit, "password-reset", token)).rejects.toMatchObject({ type: "INVALID_TOKEN", code: 400 });
	});

	it("work only for their own kind", async () => {
		const token = await issueLink(t.kit, "verify-email", userId);
		await expect(consumeLink(t.kit, "password-reset", token)).rejects.toMatchObject({ type: "INVALID_TOKEN", code: 400 });
		expect(await consumeLink(t.kit, "verify-email", token)).toBe(userId);
	});

	it("replace the user's earlier link of the same kind", async () => {
		const first = await issueLink(t.kit, "verify-email", userId);
		await issueLink(t.kit, "verify-email", userId);
		await expect(consumeLink(t.kit, "verify-email", first)).rejects.toMatchObject({ type: "INVALID_TOKEN" });
	});

	it("are stored only as hashes", async () => {
		const token = await issueLink(t.kit, "verify-email", userId);
		expect(JSON.stringify(await t.kit.stores.oneTimeTokens.find({}))).not.toContain(token);
	});
});

describe("sendLink", () => {
	it("sends at most one e-mail a minute per user and kind", async () => {
		const user = (await t.users.getById(userId))!;
		await sendLink(t.kit, "verify-email", user);
		await issueLink(t.kit, "verify-email", userId); // minted as the first e-mail went out
		await sendLink(t.kit, "verify-email", user);
		t.clock.advance(60_001);
		await sendLink(t.kit, "verify-email", user);
		expect(t.emails).toEqual([
			{ to: "ada@example.com", template: "verify-email", data: { displayName: "" }, userId, link: "verify-email" },
			{ to: "ada@example.com", template: "verify-email", data: { displayName: "" }, userId, link: "verify-email" }
		]);
	});
});

describe("linkTokenFor", () => {
	it("mints no verification link for a verified account", async () => {
		await t.users.markVerified(userId);
		expect(await linkTokenFor(t.kit, { kind: "verify-email", userId })).toBeNull();
	});

	it("mints no e-mail-change link without a pending change", async () => {
		expect(await linkTokenFor(t.kit, { kind: "email-change", userId })).toBeNull();
	});

	it("mints a working link for an active account", async () => {
		const token = await linkTokenFor(t.kit, { kind: "verify-email", userId });
		expect(await consumeLink(t.kit, "verify-email", token!)).toBe(userId);
	});
});
