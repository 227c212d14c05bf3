import { issueLink, linkTokenFor } from "../../../services/auth/flows/links";
import { requestMagicLink, verifyMagicLink } from "../../../services/auth/flows/magic-link";
import { logInWithCode } from "../../../services/auth/flows/login-mfa";
import { amrFor } from "../../../services/auth/mfa/amr";
import { totpCode } from "../../../services/auth/mfa/totp";
import type { MfaChallengeResponse, TokenResponse } from "../../../lib/types";
import { testKit, type TestKit } from "./fakes";

let t: TestKit;
let userId: string;
beforeEach(async () => {
	t = await testKit();
	userId = t.users.add({ email: "ada@example.com", displayName: "Ada" }).id;
});

describe("requestMagicLink", () => {
	it("queues a magic-link e-mail for a known address, in the background", async () => {
		expect(requestMagicLink(t.kit, { email: " ADA@example.com " })).toBeNull();
		await t.background();
		expect(t.emails).toEqual([{ to: "ada@example.com", template: "magic-link", data: { displayName: "Ada" }, userId, link: "magic-link" }]);
		expect(t.audit.map(a => [a.type, a.details?.known])).toEqual([["magic-link.request", true]]);
	});

	it("answers an unknown or disabled address alike and sends nothing", async () => {
		t.users.add({ email: "off@example.com", status: "disabled" });
		expect(requestMagicLink(t.kit, { email: "nobody@example.com" })).toBeNull();
		expect(requestMagicLink(t.kit, { email: "off@example.com" })).toBeNull();
		await t.background();
		expect(t.emails).toEqual([]);
	});

	it("sends at most one link per resend interval", async () => {
		requestMagicLink(t.kit, { email: "ada@example.com" });
		await t.background();
		await linkTokenFor(t.kit, { kind: "magic-link", userId }); // notifications mints the token as it sends
		requestMagicLink(t.kit, { email: "ada@example.com" });
		await t.background();
		expect(t.emails).toHaveLength(1);
		t.clock.advance(61_000);
		requestMagicLink(t.kit, { email: "ada@example.com" });
		await t.background();
		expect(t.emails).toHaveLength(2);
	});

	it("is NOT_FOUND when MAGIC_LINK_ENABLED is false", async () => {
		const off = await testKit({ magicLinkEnabled: false });
		expect(() => requestMagicLink(off.kit, { email: "ada@example.com" })).toThrow(expect.objectContaining({ type: "NOT_FOUND", code: 404 }));
		await expect(verifyMagicLink(off.kit, { token: "x" }, {})).rejects.toMatchObject({ type: "NOT_FOUND", code: 404 });
	});
});

describe("verifyMagicLink", () => {
	it("signs in once: tokens, an audit entry with amr otp, an in-app notice", async () => {
		const token = await issueLink(t.kit, "magic-link", userId);
		const answer = await verifyMagicLink(t.kit, { token }, { ip: "10.0.0.1", userAgent: "test" });
		expect(answer).toMatchObject({ tokenType: "Bearer", expiresIn: 900, user: { id: userId } });
		expect(t.audit.map(a => [a.type, a.details?.amr])).toEqual([["login", ["otp"]]]);
		expect(t.notices.map(n => n.type)).toEqual(["magic-link-sign-in"]);
		await expect(verifyMagicLink(t.kit, { token }, {})).rejects.toMatchObject({ type: "INVALID_TOKEN", code: 400 });
	});

	it("refuses a link after 15 minutes", async () => {
		const token = await issueLink(t.kit, "magic-link", userId);
		t.clock.advance(15 * 60_000);
		await expect(verifyMagicLink(t.kit, { token }, {})).rejects.toMatchObject({ type: "INVALID_TOKEN", code: 400 });
	});

	it("refuses a token of another kind", async () => {
		const token = await issueLink(t.kit, "password-reset", userId);
		await expect(verifyMagicLink(t.kit, { token }, {})).rejects.toMatchObject({ type: "INVALID_TOKEN", code: 400 });
	});

	it("verifies an unverified address: the link proves it", async () => {
		const fresh = t.users.add({ email: "new@example.com", emailVerified: false });
		const token = await issueLink(t.kit, "magic-link", fresh.id);
		expect(((await verifyMagicLink(t.kit, { token }, {})) as TokenResponse).user.emailVerified).toBe(true);
	});

	it("refuses a disabled account with ACCOUNT_DISABLED", async () => {
		const token = await issueLink(t.kit, "magic-link", userId);
		t.users.byId.set(userId, { ...t.users.byId.get(userId)!, status: "disabled" });
		await expect(verifyMagicLink(t.kit, { token }, {})).rejects.toMatchObject({ type: "ACCOUNT_DISABLED", code: 403 });
		expect(t.audit.map(a => [a.type, a.outcome])).toEqual([["login", "failure"]]);
	});

	it("is `otp` in amr (a single-use secret sent to the user; no `pwd`)", async () => {
		expect(amrFor(["magic-link"])).toEqual(["otp"]);
		await verifyMagicLink(t.kit, { token: await issueLink(t.kit, "magic-link", userId) }, {});
		expect(t.signed.at(-1)).toMatchObject({ amr: ["otp"] });
	});

	it("with TOTP on, answers like a password login (mfaToken, no session); the code finishes with amr otp+mfa", async () => {
		const secret = (await t.kit.factors.totp.begin(userId)) as string;
		await t.kit.factors.totp.confirm(userId, totpCode(secret, t.clock));
		t.clock.advance(30_000);
		const challenge = (await verifyMagicLink(t.kit, { token: await issueLink(t.kit, "magic-link", userId) }, {})) as MfaChallengeResponse;
		expect(challenge).toEqual({ mfaRequired: true, mfaToken: expect.any(String), methods: ["totp"] });
		expect(await t.kit.stores.sessions.count({})).toBe(0);
		const tokens = await logInWithCode(t.kit, { mfaToken: challenge.mfaToken, code: totpCode(secret, t.clock) }, {});
		expect(tokens.user.id).toBe(userId);
		expect(t.signed.at(-1)).toMatchObject({ amr: ["otp", "mfa"] });
	});
});
