/**
 * Sign in with another provider (CONTRACT §6, README): instance A of this backend is the OpenID Provider,
 * instance B lists it in OIDC_PROVIDERS. The browser's side is driven over real HTTP with a cookie jar per
 * instance; the ID-token checks against bad tokens use the outside-provider double (test/helpers/federation.ts).
 */
import { Secret, TOTP } from "otpauth";
import { expectError, expectNoInternals, login, registerUser, Secrets, uniqueEmail } from "../helpers/kit";
import { BrowserOnB, FakeProvider, linkThroughA, PROVIDER_ID, PROVIDER_NAME, sessionTokens, signInAtA, signInThroughA, startPair, type Pair } from "../helpers/federation";

const AUTH = "/api/v1/auth";

describe("Sign in with another provider (A is the provider, B the relying party)", () => {
	let pair: Pair;
	const fake = new FakeProvider();

	beforeAll(async () => {
		await fake.start();
		pair = await startPair(() => [fake.entry("fake"), { id: "down", name: "Down Provider", issuer: "http://127.0.0.1:9/down", clientId: "x", clientSecret: "y" }]);
	});
	afterAll(async () => {
		await pair.stop();
		await fake.stop();
	});

	/** A verified account on A (with a display name), to sign in to B with. */
	const accountOnA = (email = uniqueEmail("a-user")) => registerUser(pair.a, { email, displayName: "Grace Hopper" });

	it("lists the providers, and the login page links to each", async () => {
		const res = await pair.b.request("GET", `${AUTH}/oidc/providers`);
		expect(res.status).toBe(200);
		expect(res.body).toEqual([
			{ id: PROVIDER_ID, name: PROVIDER_NAME },
			{ id: "fake", name: "Fake Provider" },
			{ id: "down", name: "Down Provider" }
		]);
		const page = await (await fetch(`${pair.b.url}/login`)).text();
		expect(page).toContain(`href="/api/v1/auth/oidc/${PROVIDER_ID}/start"`);
		expect(page).toContain(`Continue with ${PROVIDER_NAME}`);
	});

	it("start redirects to A with PKCE S256, state and nonce, and binds the flow to the browser with an HttpOnly SameSite=Lax cookie", async () => {
		const onB = new BrowserOnB(pair.b);
		const res = await onB.fetch(`${AUTH}/oidc/${PROVIDER_ID}/start?next=/account`);
		expect(res.status).toBe(302);
		const target = new URL(res.headers.get("location")!);
		expect(target.origin + target.pathname).toBe(`${pair.a.issuer}/auth`);
		expect(target.searchParams.get("code_challenge_method")).toBe("S256");
		expect(target.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(target.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(target.searchParams.get("nonce")).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(target.searchParams.get("redirect_uri")).toBe(`${pair.b.config.appUrl}/api/v1/auth/oidc/${PROVIDER_ID}/callback`);
		expect(target.searchParams.get("scope")!.split(" ").sort()).toEqual(["email", "openid", "profile"]);
		const cookie = res.headers.getSetCookie().find(c => c.startsWith("oidc_flow="))!;
		expect(cookie).toMatch(/^oidc_flow=[A-Za-z0-9_-]{43}; Path=\/api\/v1\/auth\/oidc; HttpOnly; SameSite=Lax; Max-Age=600$/);
	});

	it("an unknown provider is 404; one whose discovery fails is a clear 503, and the node runs on", async () => {
		expectError(await pair.b.request("GET", `${AUTH}/oidc/nobody/start`), 404, "NOT_FOUND");
		const down = await pair.b.request("GET", `${AUTH}/oidc/down/start`);
		expectError(down, 503, "SERVICE_UNAVAILABLE");
		expect(pair.b.logs.some(line => line.includes("Sign-in provider down: discovery at http://127.0.0.1:9/down failed"))).toBe(true);
		expect((await pair.b.request("GET", "/api/health/ready")).status).toBe(200);
	});

	it("the first sign-in creates the account (verified, no password) and signs in with a browser session; the second reuses it", async () => {
		const a = await accountOnA();
		const onB = new BrowserOnB(pair.b);
		expect(await signInThroughA(pair, onB, a.email, a.password, `${AUTH}/oidc/${PROVIDER_ID}/start?next=%2Faccount%3Ftab%3D1`)).toBe("/account?tab=1");
		expect(onB.cookie("oidc_flow")).toBeUndefined();
		const first = await sessionTokens(pair.b, onB.sessionCookie!);
		const me = await pair.b.request("GET", "/api/v1/users/me", { token: first.accessToken });
		expect(me.body).toMatchObject({ email: a.email, emailVerified: true, displayName: "Grace Hopper" });
		expect(JSON.parse(Buffer.from(first.accessToken.split(".")[1], "base64url").toString()).amr).toEqual(["fed"]);
		// No password: a password login fails like any wrong password.
		expectError(await pair.b.request("POST", `${AUTH}/login`, { body: { email: a.email, password: a.password } }), 401, "INVALID_CREDENTIALS");

		const again = new BrowserOnB(pair.b);
		expect(await signInThroughA(pair, again, a.email, a.password)).toBe("/account");
		const second = await sessionTokens(pair.b, again.sessionCookie!);
		expect(second.user.id).toBe(first.user.id);
		const links = await pair.b.request("GET", `${AUTH}/oidc/links`, { token: second.accessToken });
		expect(links.status).toBe(200);
		expect(links.body).toEqual([{ id: expect.any(String), provider: PROVIDER_ID, name: PROVIDER_NAME, email: a.email, createdAt: expect.any(String) }]);
		// The only way in: not removable.
		const last = await pair.b.request("DELETE", `${AUTH}/oidc/links/${links.body[0].id}`, { token: second.accessToken });
		expectError(last, 409, "LAST_SIGN_IN_METHOD");
		const audit = await auditTypes(first.user.id);
		expect(audit).toEqual(expect.arrayContaining(["register", "oidc.link.add", "oidc.sign-in"]));
	});

	it("an e-mail an account on B already uses is not linked: an e-mail asks its owner, whose confirmation links and signs in", async () => {
		const email = uniqueEmail("both");
		const onA = await accountOnA(email);
		const onBAccount = await registerUser(pair.b, { email });
		const browser = new BrowserOnB(pair.b);
		expect(await signInThroughA(pair, browser, onA.email, onA.password)).toBe("/login?notice=oidc_confirm");
		expect(browser.sessionCookie).toBeUndefined();
		const owner = await login(pair.b, email, onBAccount.password);
		expect((await pair.b.request("GET", `${AUTH}/oidc/links`, { token: owner.accessToken })).body).toEqual([]);

		const token = await pair.b.mail.tokenFor(email, "oidc-link");
		const mail = [...pair.b.mail.messages].reverse().find(m => m.to === email && m.text.includes("/oidc-link?token="))!;
		expect(mail.subject).toBe(`Link ${PROVIDER_NAME} to your account?`);
		const confirmed = await pair.b.request("POST", `${AUTH}/oidc/links/confirm`, { body: { token } });
		expect(confirmed.status).toBe(200);
		expect(confirmed.body.user.id).toBe(onBAccount.user.id);
		// Single use.
		expectError(await pair.b.request("POST", `${AUTH}/oidc/links/confirm`, { body: { token } }), 400, "INVALID_TOKEN");
		const links = await pair.b.request("GET", `${AUTH}/oidc/links`, { token: confirmed.body.accessToken });
		expect(links.body.map((l: { provider: string }) => l.provider)).toEqual([PROVIDER_ID]);
		await pair.b.mail.waitFor(m => m.to === email && m.subject === "A sign-in provider was linked to your account");

		// Now the provider signs in to that account; and with a password, the link may go.
		const again = new BrowserOnB(pair.b);
		expect(await signInThroughA(pair, again, onA.email, onA.password)).toBe("/account");
		expect((await sessionTokens(pair.b, again.sessionCookie!)).user.id).toBe(onBAccount.user.id);
		expect((await pair.b.request("DELETE", `${AUTH}/oidc/links/${links.body[0].id}`, { token: confirmed.body.accessToken })).status).toBe(204);
		expectError(await pair.b.request("DELETE", `${AUTH}/oidc/links/${links.body[0].id}`, { token: confirmed.body.accessToken }), 404, "NOT_FOUND");
		expect((await pair.b.request("GET", `${AUTH}/oidc/links`, { token: confirmed.body.accessToken })).body).toEqual([]);
		expect(await auditTypes(onBAccount.user.id)).toEqual(expect.arrayContaining(["oidc.link.pending", "oidc.link.add", "oidc.link.remove"]));
	});

	it("links while signed in; the same identity cannot then be linked to another account", async () => {
		const a = await accountOnA();
		const owner = await registerUser(pair.b, { login: true });
		const onB = new BrowserOnB(pair.b);
		const res = await pair.b.request("POST", `${AUTH}/oidc/${PROVIDER_ID}/link`, { token: owner.accessToken });
		expect(res.status).toBe(200);
		expect(Object.keys(res.body)).toEqual(["location"]);
		// The account page's fetch gets the flow cookie; here the jar takes it from the answer.
		const flowCookie = /oidc_flow=([^;]+)/.exec(res.headers.getSetCookie().join("\n"))![1];
		onB.setCookie("oidc_flow", flowCookie);
		const callback = await signInAtA(pair.a, res.body.location, a.email, a.password);
		expect(await onB.redirect(callback)).toBe(`/account?linked=${PROVIDER_ID}`);
		expect(onB.sessionCookie).toBeUndefined();
		const links = await pair.b.request("GET", `${AUTH}/oidc/links`, { token: owner.accessToken });
		expect(links.body).toEqual([{ id: expect.any(String), provider: PROVIDER_ID, name: PROVIDER_NAME, email: a.email, createdAt: expect.any(String) }]);

		const other = await registerUser(pair.b, { login: true });
		const second = await pair.b.request("POST", `${AUTH}/oidc/${PROVIDER_ID}/link`, { token: other.accessToken });
		const jar = new BrowserOnB(pair.b);
		jar.setCookie("oidc_flow", /oidc_flow=([^;]+)/.exec(second.headers.getSetCookie().join("\n"))![1]);
		expect(await jar.redirect(await signInAtA(pair.a, second.body.location, a.email, a.password))).toBe("/account?error=identity_linked");
		expect((await pair.b.request("GET", `${AUTH}/oidc/links`, { token: other.accessToken })).body).toEqual([]);

		expectError(await pair.b.request("POST", `${AUTH}/oidc/${PROVIDER_ID}/link`), 401, "UNAUTHORIZED");
		expectError(await pair.b.request("POST", `${AUTH}/oidc/nobody/link`, { token: owner.accessToken }), 404, "NOT_FOUND");
	});

	it("a second factor on B still applies: the callback hands the hosted page an mfaToken (in the fragment), not a session", async () => {
		const email = uniqueEmail("mfa");
		const onA = await accountOnA(email);
		const acc = await registerUser(pair.b, { email, login: true });
		const setup = await pair.b.request("POST", `${AUTH}/mfa/totp/setup`, { body: { password: acc.password }, token: acc.accessToken });
		const totp = new TOTP({ secret: Secret.fromBase32(setup.body.secret), algorithm: "SHA1", digits: 6, period: 30 });
		expect((await pair.b.request("POST", `${AUTH}/mfa/totp/confirm`, { body: { code: totp.generate({ timestamp: pair.b.clock.now() }) }, token: acc.accessToken })).status).toBe(200);
		expect(await linkThroughA(pair, acc.accessToken, onA)).toBe(`/account?linked=${PROVIDER_ID}`);

		const onB = new BrowserOnB(pair.b);
		const landing = await signInThroughA(pair, onB, onA.email, onA.password);
		expect(onB.sessionCookie).toBeUndefined();
		const url = new URL(landing, pair.b.url);
		expect(url.pathname + url.search).toBe("/login");
		const fragment = new URLSearchParams(url.hash.slice(1));
		expect(fragment.get("methods")).toBe("totp,recovery");
		pair.b.clock.advance(30_000);
		const done = await pair.b.request("POST", `${AUTH}/login/mfa`, { body: { mfaToken: fragment.get("mfa"), code: totp.generate({ timestamp: pair.b.clock.now() }) } });
		expect(done.status).toBe(200);
		expect(done.body.user.id).toBe(acc.user.id);
		expect(JSON.parse(Buffer.from(done.body.accessToken.split(".")[1], "base64url").toString()).amr).toEqual(["fed", "otp", "mfa"]);
	});

	it("an unverified or missing e-mail claim is refused with a clear page", async () => {
		fake.next = { claims: { email_verified: false, sub: "unverified-1" } };
		expect(await throughFake()).toBe("/login?error=email_unverified");
		fake.next = { claims: { email: undefined, sub: "no-email-1" } };
		expect(await throughFake()).toBe("/login?error=email_unverified");
	});

	describe("bad input: each refused with a redirect to /login?error=<reason>, never a session, never a 500", () => {
		it("the provider's error=access_denied", async () => {
			const onB = new BrowserOnB(pair.b);
			const state = new URL(await onB.redirect(`${AUTH}/oidc/${PROVIDER_ID}/start`)).searchParams.get("state")!;
			expect(await onB.redirect(`${AUTH}/oidc/${PROVIDER_ID}/callback?error=access_denied&state=${state}`)).toBe("/login?error=access_denied");
			// The flow was spent with it.
			expect(await onB.redirect(`${AUTH}/oidc/${PROVIDER_ID}/callback?code=x&state=${state}`)).toBe("/login?error=invalid_state");
			expect(onB.sessionCookie).toBeUndefined();
		});

		it("a tampered state, a missing flow cookie, another browser's flow cookie", async () => {
			const a = await accountOnA();
			const onB = new BrowserOnB(pair.b);
			const authorizationUrl = await onB.redirect(`${AUTH}/oidc/${PROVIDER_ID}/start`);
			const cookie = onB.cookie("oidc_flow");
			const callback = new URL(await signInAtA(pair.a, authorizationUrl, a.email, a.password));
			const tampered = new URL(callback);
			tampered.searchParams.set("state", `${callback.searchParams.get("state")!.slice(0, -2)}xx`);
			expect(await onB.redirect(tampered.pathname + tampered.search)).toBe("/login?error=invalid_state");
			onB.setCookie("oidc_flow", cookie);
			onB.setCookie("oidc_flow", undefined);
			expect(await onB.redirect(callback.pathname + callback.search)).toBe("/login?error=flow_missing");
			onB.setCookie("oidc_flow", `${cookie!.slice(0, -2)}zz`);
			expect(await onB.redirect(callback.pathname + callback.search)).toBe("/login?error=flow_missing");
			expect(onB.sessionCookie).toBeUndefined();
		});

		it("a replayed callback: the flow is single use", async () => {
			const a = await accountOnA();
			const onB = new BrowserOnB(pair.b);
			const authorizationUrl = await onB.redirect(`${AUTH}/oidc/${PROVIDER_ID}/start`);
			const callback = new URL(await signInAtA(pair.a, authorizationUrl, a.email, a.password));
			const cookie = onB.cookie("oidc_flow");
			expect(await onB.redirect(callback.pathname + callback.search)).toBe("/account");
			onB.setCookie("oidc_flow", cookie);
			onB.setCookie("refresh_token", undefined);
			expect(await onB.redirect(callback.pathname + callback.search)).toBe("/login?error=invalid_state");
			expect(onB.sessionCookie).toBeUndefined();
		});

		it.each([
			["a wrong nonce", { claims: { nonce: "not-the-flow-nonce" } }],
			["an ID token from another issuer", { claims: { iss: "https://evil.example.test" } }],
			["an ID token for another audience", { claims: { aud: "someone-else" } }],
			["an expired ID token", { claims: { iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 } }],
			["an expired or used code (the token endpoint's invalid_grant)", { error: "invalid_grant" }]
		])("%s", async (_name, request) => {
			fake.next = request;
			expect(await throughFake()).toBe("/login?error=token_rejected");
		});

		it("an open redirect through next is refused: the browser lands on /account", async () => {
			fake.next = { claims: { sub: "redirect-1", email: uniqueEmail("redir") } };
			expect(await throughFake(`${AUTH}/oidc/fake/start?next=${encodeURIComponent("//evil.example.test/x")}`)).toBe("/account");
			fake.next = { claims: { sub: "redirect-1" } };
			expect(await throughFake(`${AUTH}/oidc/fake/start?next=${encodeURIComponent("https://evil.example.test/")}`)).toBe("/account");
		});

		it("no flow cookie, session cookie, state or code appears in either instance's logs", async () => {
			const a = await accountOnA();
			const onB = new BrowserOnB(pair.b);
			const secrets = new Secrets();
			const authorizationUrl = await onB.redirect(`${AUTH}/oidc/${PROVIDER_ID}/start`);
			secrets.add(onB.cookie("oidc_flow"), new URL(authorizationUrl).searchParams.get("state"), new URL(authorizationUrl).searchParams.get("nonce"));
			const callback = new URL(await signInAtA(pair.a, authorizationUrl, a.email, a.password));
			secrets.add(callback.searchParams.get("code"), a.password);
			expect(await onB.redirect(callback.pathname + callback.search)).toBe("/account");
			secrets.add(onB.sessionCookie);
			expect(secrets.size).toBe(6);
			expect(secrets.leaks([...pair.a.logs, ...pair.b.logs])).toEqual([]);
		});

		it("the refusals are shown on the hosted login page", async () => {
			const page = await fetch(`${pair.b.url}/login?error=token_rejected`);
			expect(page.status).toBe(200);
			expectNoInternals(await page.text());
		});
	});

	/** Start on B for the double, which sends the browser straight back: where B's callback redirected to. */
	async function throughFake(start = `${AUTH}/oidc/fake/start`): Promise<string> {
		const onB = new BrowserOnB(pair.b);
		const authorizationUrl = await onB.redirect(start);
		const back = await fetch(authorizationUrl, { redirect: "manual" });
		const callback = new URL(back.headers.get("location")!);
		return onB.redirect(callback.pathname + callback.search);
	}

	async function auditTypes(userId: string): Promise<string[]> {
		const service = pair.b.broker.getLocalService("auth") as unknown as { auditLog: { find(q: object): Promise<Array<{ type: string }>> } };
		return (await service.auditLog.find({ subjectId: userId })).map(r => r.type);
	}
});
