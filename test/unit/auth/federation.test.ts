/** The flow of "sign in with another provider" (services/auth/federation) with in-memory fakes and a fake relying party. */
import { linkTokenFor } from "../../../services/auth/flows/links";
import { confirmLink, finishFlow, FLOW_TTL_MS, sameOriginPath, startFlow, startLinking } from "../../../services/auth/federation/flow";
import { listLinks, removeLink } from "../../../services/auth/federation/links";
import { FederationRefusal, type ProviderIdentity, type RelyingParty } from "../../../services/auth/federation/ports";
import { setPassword } from "../../../services/auth/password/credentials";
import { purgeUser } from "../../../services/auth/flows/sessions";
import { totpCode } from "../../../services/auth/mfa/totp";
import { apiError } from "../../../lib/errors";
import type { AuthUser, MfaChallengeResponse, TokenResponse } from "../../../lib/types";
import { testKit, type TestKit } from "./fakes";

/** Remembers the flows it was asked to start; identifies whoever the test says next, or refuses. */
class FakeRelyingParty implements RelyingParty {
	started: Array<{ state: string; nonce: string; codeVerifier: string }> = [];
	identified: Array<{ query: Record<string, string>; state: string; nonce: string }> = [];
	identity: ProviderIdentity | FederationRefusal = { subject: "sub-1", email: "grace@example.com", emailVerified: true, name: "Grace" };
	down = false;
	providers = () => [{ id: "corp", name: "Corp SSO" }];
	name = (id: string): string | null => (id === "corp" ? "Corp SSO" : null);
	async authorizationUrl(_id: string, flow: { state: string; nonce: string; codeVerifier: string }) {
		if (this.down) throw apiError("SERVICE_UNAVAILABLE", "Corp SSO cannot be reached right now");
		this.started.push(flow);
		return `https://sso.example.com/auth?state=${flow.state}`;
	}
	async identify(_id: string, flow: { query: Record<string, string>; state: string; nonce: string; codeVerifier: string }) {
		this.identified.push(flow);
		if (this.identity instanceof FederationRefusal) throw this.identity;
		return this.identity;
	}
}

let t: TestKit;
let rp: FakeRelyingParty;
const client = { ip: "203.0.113.9", userAgent: "test" };
beforeEach(async () => {
	t = await testKit();
	rp = new FakeRelyingParty();
});

/** Start, then come back with a code: the callback's answer. */
async function roundTrip(opts: { next?: string; userId?: string; cookie?: (c: string) => string | undefined } = {}) {
	const started = await startFlow(t.kit, rp, { id: "corp", next: opts.next, userId: opts.userId ?? null });
	const { state } = rp.started.at(-1)!;
	const cookie = opts.cookie ? opts.cookie(started.flowCookie!) : started.flowCookie;
	return finishFlow(t.kit, rp, { id: "corp", query: { code: "c0de", state, iss: "https://sso.example.com" }, cookie }, client);
}

async function enableTotp(userId: string): Promise<void> {
	const secret = (await t.kit.factors.totp.begin(userId)) as string;
	expect(await t.kit.factors.totp.confirm(userId, totpCode(secret, t.clock))).toBe(true);
}

const caller = (id: string): AuthUser => ({ id, roles: ["user"], sid: "s1" }) as unknown as AuthUser;

describe("sameOriginPath", () => {
	it.each([
		["/account", "/account"],
		["/account?tab=2", "/account?tab=2"],
		["//evil.example", null],
		["/\\evil.example", null],
		["https://evil.example/", null],
		["/api/v1/users/me", null],
		["/x\u0000y", null],
		["", null],
		[undefined, null]
	])("%p → %p", (next, want) => expect(sameOriginPath(next)).toBe(want));
});

describe("startFlow", () => {
	it("keeps the flow server-side for 10 minutes, bound to the browser by a cookie's hash, and answers the provider's URL", async () => {
		const answer = await startFlow(t.kit, rp, { id: "corp", next: "/account?x=1" });
		const [{ state, nonce, codeVerifier }] = rp.started;
		expect(answer).toEqual({ location: `https://sso.example.com/auth?state=${state}`, flowCookie: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
		const [flow] = await t.kit.stores.oidcFlows.find({});
		expect(flow).toMatchObject({ kind: "authorize", provider: "corp", userId: null, nonce, codeVerifier, next: "/account?x=1" });
		// Neither the state nor the cookie is stored as such.
		expect(JSON.stringify(flow)).not.toContain(state);
		expect(JSON.stringify(flow)).not.toContain(answer.flowCookie);
		expect(new Date(flow.expiresAt).getTime() - t.clock.now()).toBe(FLOW_TTL_MS);
		expect(new Set([state, nonce, codeVerifier, answer.flowCookie]).size).toBe(4);
	});

	it("refuses an unknown provider (404) and stores nothing while the provider is down (503)", async () => {
		await expect(startFlow(t.kit, rp, { id: "nobody" })).rejects.toMatchObject({ type: "NOT_FOUND", code: 404 });
		rp.down = true;
		await expect(startFlow(t.kit, rp, { id: "corp" })).rejects.toMatchObject({ type: "SERVICE_UNAVAILABLE", code: 503 });
		expect(await t.kit.stores.oidcFlows.count({})).toBe(0);
	});
});

describe("finishFlow", () => {
	it("creates a verified account without a password for a new identity with a verified e-mail, links it and signs in", async () => {
		const answer = await roundTrip({ next: "/account?welcome=1" });
		expect(answer).toEqual({ location: "/account?welcome=1", refreshToken: expect.any(String) });
		const user = (await t.users.findByEmail("grace@example.com"))!;
		expect(user).toMatchObject({ emailVerified: true, displayName: "Grace" });
		expect(await t.kit.stores.credentials.findById(user.id)).toBeNull();
		expect((await t.kit.stores.oidcLinks.find({})).map(l => [l.userId, l.identity])).toEqual([[user.id, "corp sub-1"]]);
		expect(t.signed.at(-1)!.amr).toEqual(["fed"]);
		expect(t.metrics).toContainEqual(["oidcLogins", { provider: "corp", result: "created" }]);
		expect(t.audit.map(a => a.type)).toEqual(expect.arrayContaining(["register", "oidc.link.add", "login", "oidc.sign-in"]));
		expect(t.emails.map(e => e.template)).toEqual(["oidc-linked"]);
		// The state, nonce and verifier went to the relying party's checks.
		expect(rp.identified[0]).toMatchObject({ query: { code: "c0de", iss: "https://sso.example.com" }, nonce: rp.started[0].nonce, codeVerifier: rp.started[0].codeVerifier });
	});

	it("signs a linked identity in to its account again, whatever e-mail the provider now says", async () => {
		await roundTrip();
		const id = (await t.users.findByEmail("grace@example.com"))!.id;
		rp.identity = { subject: "sub-1", email: "other@example.com", emailVerified: false, name: null };
		const answer = await roundTrip();
		expect(answer.refreshToken).toEqual(expect.any(String));
		expect(t.metrics).toContainEqual(["oidcLogins", { provider: "corp", result: "signed_in" }]);
		expect(t.users.byId.size).toBe(1);
		expect(t.audit.filter(a => a.type === "oidc.sign-in").map(a => a.subjectId)).toEqual([id, id]);
	});

	it("does not link an identity whose e-mail an account already uses: it e-mails the owner a confirmation link", async () => {
		const owner = t.users.add({ email: "grace@example.com", displayName: "G" });
		expect(await roundTrip()).toEqual({ location: "/login?notice=oidc_confirm" });
		expect(await t.kit.stores.oidcLinks.count({})).toBe(0);
		expect(t.emails).toEqual([{ to: "grace@example.com", template: "oidc-link", data: { displayName: "G", providerName: "Corp SSO", providerEmail: "grace@example.com" }, userId: owner.id, link: "oidc-link" }]);
		// Asked again at once: no second e-mail.
		await roundTrip();
		expect(t.emails).toHaveLength(1);

		// The token is minted as the e-mail goes out; confirming links and signs in, once.
		const token = (await linkTokenFor(t.kit, { kind: "oidc-link", userId: owner.id }))!;
		const answer = (await confirmLink(t.kit, rp, { token }, client)) as TokenResponse;
		expect(answer.user.id).toBe(owner.id);
		expect((await t.kit.stores.oidcLinks.find({})).map(l => l.userId)).toEqual([owner.id]);
		await expect(confirmLink(t.kit, rp, { token }, client)).rejects.toMatchObject({ type: "INVALID_TOKEN", code: 400 });
		// With the link made, no token is minted any more.
		expect(await linkTokenFor(t.kit, { kind: "oidc-link", userId: owner.id })).toBeNull();
	});

	it("a confirmation asks for the second factor when the account has one", async () => {
		const owner = t.users.add({ email: "grace@example.com" });
		await enableTotp(owner.id);
		await roundTrip();
		const token = (await linkTokenFor(t.kit, { kind: "oidc-link", userId: owner.id }))!;
		const answer = (await confirmLink(t.kit, rp, { token }, client)) as MfaChallengeResponse;
		expect(answer).toEqual({ mfaRequired: true, mfaToken: expect.any(String), methods: ["totp"] });
	});

	it("sends a second factor's owner to the hosted second step with the mfaToken in the fragment, and no session", async () => {
		await roundTrip();
		const user = (await t.users.findByEmail("grace@example.com"))!;
		await enableTotp(user.id);
		const answer = await roundTrip({ next: "/admin" });
		expect(answer.refreshToken).toBeUndefined();
		const url = new URL(answer.location, "http://here");
		expect(url.pathname + url.search).toBe("/login?next=%2Fadmin");
		const fragment = new URLSearchParams(url.hash.slice(1));
		expect(fragment.get("methods")).toBe("totp");
		expect(await t.kit.factors.mfaTokens.find(fragment.get("mfa")!)).toMatchObject({ userId: user.id });
		expect(t.metrics).toContainEqual(["oidcLogins", { provider: "corp", result: "mfa_required" }]);
	});

	it.each([
		["an unverified e-mail", { subject: "s2", email: "x@example.com", emailVerified: false, name: null }, "email_unverified"],
		["no e-mail", { subject: "s3", email: null, emailVerified: false, name: null }, "email_unverified"],
		["a token the relying party refused", new FederationRefusal("token_rejected", "nonce"), "token_rejected"]
	])("refuses %s with a redirect to /login?error=…", async (_name, identity, code) => {
		rp.identity = identity;
		expect(await roundTrip()).toEqual({ location: `/login?error=${code}` });
		expect(t.users.byId.size).toBe(0);
		expect(t.metrics).toContainEqual(["oidcLogins", { provider: "corp", result: code }]);
		expect(t.audit.at(-1)).toMatchObject({ type: "oidc.sign-in", outcome: "failure", details: { provider: "corp", reason: code } });
	});

	it("refuses a disabled account", async () => {
		await roundTrip();
		const user = (await t.users.findByEmail("grace@example.com"))!;
		t.users.byId.set(user.id, { ...user, status: "disabled" });
		expect(await roundTrip()).toEqual({ location: "/login?error=account_disabled" });
	});

	it("refuses the provider's error, a missing or another browser's cookie, an unknown, expired or spent state", async () => {
		await startFlow(t.kit, rp, { id: "corp" });
		const { state } = rp.started[0];
		const finish = (query: Record<string, string>, cookie?: string) => finishFlow(t.kit, rp, { id: "corp", query, cookie }, client);
		expect(await finish({ error: "access_denied", state })).toEqual({ location: "/login?error=access_denied" });
		expect(await finish({ error: "server_error" })).toEqual({ location: "/login?error=provider_error" });
		// The provider's error spent the flow.
		expect(await t.kit.stores.oidcFlows.count({})).toBe(0);

		expect(await roundTrip({ cookie: () => undefined })).toEqual({ location: "/login?error=flow_missing" });
		expect(await roundTrip({ cookie: c => `${c}x` })).toEqual({ location: "/login?error=flow_missing" });
		expect(await finish({ code: "c", state: "made-up" }, "whatever")).toEqual({ location: "/login?error=invalid_state" });
		expect(await finish({ code: "c" }, "whatever")).toEqual({ location: "/login?error=invalid_state" });

		const started = await startFlow(t.kit, rp, { id: "corp" });
		t.clock.advance(FLOW_TTL_MS + 1);
		expect(await finish({ code: "c", state: rp.started.at(-1)!.state }, started.flowCookie)).toEqual({ location: "/login?error=invalid_state" });

		const again = await startFlow(t.kit, rp, { id: "corp" });
		const s = rp.started.at(-1)!.state;
		expect((await finish({ code: "c", state: s }, again.flowCookie)).refreshToken).toEqual(expect.any(String));
		expect(await finish({ code: "c", state: s }, again.flowCookie)).toEqual({ location: "/login?error=invalid_state" });
		// Only the good callback reached the code exchange.
		expect(rp.identified).toHaveLength(1);
	});

	it("a flow for another provider's callback is refused", async () => {
		const started = await startFlow(t.kit, rp, { id: "corp" });
		rp.name = (id: string) => (id === "corp" || id === "other" ? id : null);
		expect(await finishFlow(t.kit, rp, { id: "other", query: { code: "c", state: rp.started[0].state }, cookie: started.flowCookie }, client)).toEqual({ location: "/login?error=invalid_state" });
	});
});

describe("linking while signed in", () => {
	it("links the identity to the caller and lands on the account page, without a new session", async () => {
		const me = t.users.add({ email: "me@example.com" });
		const started = await startLinking(t.kit, rp, caller(me.id), { id: "corp" });
		const answer = await finishFlow(t.kit, rp, { id: "corp", query: { code: "c", state: rp.started[0].state }, cookie: started.flowCookie }, client);
		expect(answer).toEqual({ location: "/account?linked=corp" });
		expect(await listLinks(t.kit, rp, caller(me.id))).toEqual([{ id: expect.any(String), provider: "corp", name: "Corp SSO", email: "grace@example.com", createdAt: new Date(t.clock.now()).toISOString() }]);
		expect(t.notices.map(n => n.type)).toEqual(["oidc-linked"]);
	});

	it("refuses an identity already linked to another account", async () => {
		await roundTrip();
		const me = t.users.add({ email: "me@example.com" });
		expect(await roundTrip({ userId: me.id })).toEqual({ location: "/account?error=identity_linked" });
		expect(await listLinks(t.kit, rp, caller(me.id))).toEqual([]);
	});
});

describe("deleting the account", () => {
	it("removes its links and any flow or confirmation in progress; the identity may then make a new account", async () => {
		await roundTrip();
		const user = (await t.users.findByEmail("grace@example.com"))!;
		await startLinking(t.kit, rp, caller(user.id), { id: "corp" });
		await purgeUser(t.kit, { userId: user.id });
		await t.users.discard(user.id);
		expect(await t.kit.stores.oidcLinks.count({})).toBe(0);
		expect(await t.kit.stores.oidcFlows.count({ userId: user.id })).toBe(0);
		expect((await roundTrip()).refreshToken).toEqual(expect.any(String));
		expect((await t.users.findByEmail("grace@example.com"))!.id).not.toBe(user.id);
	});
});

describe("removeLink", () => {
	it("refuses the last way in, and allows it beside a password or another link", async () => {
		await roundTrip();
		const user = (await t.users.findByEmail("grace@example.com"))!;
		const [link] = await listLinks(t.kit, rp, caller(user.id));
		await expect(removeLink(t.kit, caller(user.id), { id: link.id })).rejects.toMatchObject({ type: "LAST_SIGN_IN_METHOD", code: 409 });
		await expect(removeLink(t.kit, caller("someone-else"), { id: link.id })).rejects.toMatchObject({ type: "NOT_FOUND", code: 404 });
		await setPassword(t.kit, user.id, "a long enough passphrase");
		expect(await removeLink(t.kit, caller(user.id), { id: link.id })).toBeNull();
		expect(await listLinks(t.kit, rp, caller(user.id))).toEqual([]);
		expect(t.audit.at(-1)).toMatchObject({ type: "oidc.link.remove", subjectId: user.id, details: { provider: "corp", linkId: link.id } });
	});
});
