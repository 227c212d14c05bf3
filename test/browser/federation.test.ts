/**
 * Sign in with another provider in real headless Chromium: instance B (on localhost) lists instance A (on
 * 127.0.0.1, another site, so their cookies stay apart) as a provider. On B's /login the user follows
 * "Continue with <A's name>", signs in and allows access on A's pages, and lands on B's /account as A's user
 * with the link listed. Each tab fails on a page error, a console error or a 5xx.
 */
import { type Browser, type Page } from "playwright-core";
import { Secret, TOTP } from "otpauth";
import { describeBrowser, launchChromium, signInOnHostedLogin } from "../helpers/chromium";
import { PROVIDER_ID, PROVIDER_NAME, linkThroughA, startPair, type Pair } from "../helpers/federation";
import { registerUser, uniqueEmail } from "../helpers/kit";

describeBrowser("Sign in with another provider, in Chromium", () => {
	let pair: Pair;
	let browser: Browser;

	beforeAll(async () => {
		pair = await startPair();
		browser = await launchChromium();
	});
	afterAll(async () => {
		await browser?.close();
		await pair?.stop();
	});

	function watch(page: Page): string[] {
		const problems: string[] = [];
		page.on("pageerror", err => problems.push(`page error: ${err.message}`));
		page.on("console", msg => {
			if (msg.type() === "error" && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) problems.push(`console: ${msg.text()}`);
		});
		page.on("response", res => {
			if (res.status() >= 500) problems.push(`${res.request().method()} ${res.url()} ${res.status()}`);
		});
		return problems;
	}

	it("on B's login page, 'Continue with A' signs in at A and lands on B's account page as A's user, the link listed", async () => {
		const email = uniqueEmail("chromium");
		const password = "amber meadow compass 73";
		await registerUser(pair.a, { email, password, displayName: "Ada from A" });
		const context = await browser.newContext();
		const page = await context.newPage();
		const problems = watch(page);
		const b = pair.b.config.appUrl;

		await page.goto(`${b}/login`);
		await page.getByRole("link", { name: `Continue with ${PROVIDER_NAME}` }).click();
		// A's sign-in page (its interaction), then its consent.
		await page.waitForURL(url => url.origin === new URL(pair.a.url).origin);
		await signInOnHostedLogin(page, email, password);
		await page.getByRole("button", { name: "Allow" }).click();

		await page.waitForURL(`${b}/account`);
		await page.locator("#me-email").filter({ hasText: email }).waitFor();
		await page.locator("#provider-list li").filter({ hasText: PROVIDER_NAME }).waitFor();
		expect(await page.locator("#provider-list li").count()).toBe(1);
		expect(await page.locator("#provider-list").textContent()).toContain(email);
		// The session is the browser's: a reload keeps it (the refresh-token cookie, httpOnly).
		await page.reload();
		await page.locator("#me-email").filter({ hasText: email }).waitFor();
		const cookies = (await context.cookies()).filter(c => c.domain === "localhost");
		expect(cookies.find(c => c.name === "refresh_token")).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/api/v1/auth" });
		expect(cookies.find(c => c.name === "oidc_flow")).toBeUndefined();
		expect(problems).toEqual([]);
		await context.close();
	});

	it("an account with a second factor on B gets the hosted second step, and its code finishes the sign-in", async () => {
		const email = uniqueEmail("chromium-mfa");
		const password = "amber meadow compass 75";
		const onA = await registerUser(pair.a, { email, password });
		const onB = await registerUser(pair.b, { email, login: true });
		const setup = await pair.b.request("POST", "/api/v1/auth/mfa/totp/setup", { body: { password: onB.password }, token: onB.accessToken });
		const totp = new TOTP({ secret: Secret.fromBase32(setup.body.secret), algorithm: "SHA1", digits: 6, period: 30 });
		expect((await pair.b.request("POST", "/api/v1/auth/mfa/totp/confirm", { body: { code: totp.generate({ timestamp: pair.b.clock.now() }) }, token: onB.accessToken })).status).toBe(200);
		expect(await linkThroughA(pair, onB.accessToken, onA)).toBe(`/account?linked=${PROVIDER_ID}`);

		const context = await browser.newContext();
		const page = await context.newPage();
		const problems = watch(page);
		const b = pair.b.config.appUrl;
		await page.goto(`${b}/login`);
		await page.getByRole("link", { name: `Continue with ${PROVIDER_NAME}` }).click();
		await page.waitForURL(url => url.origin === new URL(pair.a.url).origin);
		await signInOnHostedLogin(page, email, password);
		// A may ask for consent again (a new session there); then back to B's second step.
		const allow = page.getByRole("button", { name: "Allow" });
		const step = page.locator("#mfa-step");
		await Promise.race([allow.waitFor(), step.waitFor()]);
		if (await allow.isVisible()) await allow.click();
		await step.waitFor();
		// The mfaToken left the address bar at once.
		expect(new URL(page.url()).hash).toBe("");
		expect((await context.cookies()).find(c => c.name === "refresh_token" && c.domain === "localhost")).toBeUndefined();
		pair.b.clock.advance(30_000);
		await page.getByLabel("Code from your authenticator app").fill(totp.generate({ timestamp: pair.b.clock.now() }));
		await page.getByRole("button", { name: "Verify code" }).click();
		await page.waitForURL(`${b}/account`);
		await page.locator("#me-email").filter({ hasText: email }).waitFor();
		expect(problems).toEqual([]);
		await context.close();
	});

	it("a signed-in user links A on B's account page ('Link <name>'), and the link is listed", async () => {
		const email = uniqueEmail("chromium-link");
		const password = "amber meadow compass 76";
		const onA = await registerUser(pair.a, { email: uniqueEmail("at-a"), password });
		await registerUser(pair.b, { email, password });
		const context = await browser.newContext();
		const page = await context.newPage();
		const problems = watch(page);
		const b = pair.b.config.appUrl;
		await page.goto(`${b}/login`);
		await signInOnHostedLogin(page, email, password);
		await page.waitForURL(`${b}/account`);
		await page.getByRole("button", { name: `Link ${PROVIDER_NAME}` }).click();
		await page.waitForURL(url => url.origin === new URL(pair.a.url).origin);
		await signInOnHostedLogin(page, onA.email, password);
		await page.getByRole("button", { name: "Allow" }).click();
		await page.waitForURL(`${b}/account?linked=${PROVIDER_ID}`);
		await page.locator("#providers-status").filter({ hasText: "The provider is linked" }).waitFor();
		await page.locator("#provider-list li").filter({ hasText: onA.email }).waitFor();
		// Still the same account on B.
		await page.locator("#me-email").filter({ hasText: email }).waitFor();
		expect(problems).toEqual([]);
		await context.close();
	});

	it("a refusal lands on B's login page with a readable message", async () => {
		const context = await browser.newContext();
		const page = await context.newPage();
		const problems = watch(page);
		const b = pair.b.config.appUrl;
		await page.goto(`${b}/login`);
		await page.getByRole("link", { name: `Continue with ${PROVIDER_NAME}` }).click();
		await page.waitForURL(url => url.origin === new URL(pair.a.url).origin);
		// The flow cookie is lost (another browser, or it expired): B refuses the callback.
		await context.clearCookies({ name: "oidc_flow" });
		const email = uniqueEmail("refused");
		await registerUser(pair.a, { email, password: "amber meadow compass 74" });
		await signInOnHostedLogin(page, email, "amber meadow compass 74");
		await page.getByRole("button", { name: "Allow" }).click();
		await page.waitForURL(`${b}/login?error=flow_missing`);
		await page.locator("#flow-error").filter({ hasText: "started in another browser or has expired" }).waitFor();
		expect(problems).toEqual([]);
		await context.close();
	});
});
