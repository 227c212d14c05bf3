/**
 * Passkeys end to end in real headless Chromium with the DevTools virtual authenticator (CDP WebAuthn domain):
 * the backend serves on http://localhost:<port> (a secure context, the WebAuthn origin, RP ID `localhost`),
 * the page runs each ceremony with navigator.credentials (the HTTP calls go from the test: the API's JSON
 * documents forbid scripts to fetch, CSP default-src 'none'), and signs in again in a fresh browser
 * context holding the same credential (exported with WebAuthn.getCredentials, imported with addCredential).
 * Without /usr/bin/chromium the suite skips with a reason; under CI=true it fails instead.
 */
import { type Browser, type BrowserContext, type CDPSession, type Page } from "playwright-core";
import type { AuthCore } from "../../services/auth/kit";
import { describeBrowser, launchChromium } from "../helpers/chromium";
import { startApp, type TestApp } from "../helpers/app";
import { freePort } from "../helpers/ferretdb";
import { decodeJwt, expectUser, registerUser, type TestUser } from "../helpers/kit";

// Callbacks given to page.evaluate run in the page: its globals, untyped here (the project's lib has no DOM).
declare const navigator: any;
declare const PublicKeyCredential: any;


const AUTH = "/api/v1/auth";

/** The HTTP answers of one ceremony: its options, then its verification. */
interface CeremonyResult {
	options: { status: number; body: any };
	/** What the browser made (PublicKeyCredential.toJSON()). */
	credential: Record<string, any>;
	verify: { status: number; body: any };
}

/** navigator.credentials.create in the page, the options parsed by the standard JSON parser; the credential's toJSON(). */
function createInPage(page: Page, options: unknown): Promise<Record<string, unknown>> {
	return page.evaluate(async json => (await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(json) })).toJSON(), options);
}

/** navigator.credentials.get in the page; the assertion's toJSON(). */
function getInPage(page: Page, options: unknown): Promise<Record<string, unknown>> {
	return page.evaluate(async json => (await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(json) })).toJSON(), options);
}

describeBrowser("passkeys in Chromium with a virtual authenticator", () => {
	let app: TestApp;
	let core: AuthCore;
	let origin: string;
	let browser: Browser;
	let user: TestUser;
	/** The registered credential as the first authenticator held it (private key included), to import elsewhere. */
	let exported: Array<Record<string, unknown>>;

	beforeAll(async () => {
		const port = await freePort();
		origin = `http://localhost:${port}`;
		app = await startApp({ port }, { APP_URL: origin, WEBAUTHN_RP_ID: "localhost" });
		core = (app.broker.getLocalService("auth") as unknown as { core: AuthCore }).core;
		user = await registerUser(app, { login: true });
		browser = await launchChromium();
	}, 60_000);

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	/** A fresh context with a page of the gateway's origin and a virtual platform authenticator (UV, resident keys). */
	async function freshContext(): Promise<{ context: BrowserContext; page: Page; cdp: CDPSession; authenticatorId: string }> {
		const context = await browser.newContext();
		const page = await context.newPage();
		const live = await page.goto(`${origin}/api/health/live`);
		expect(live?.status()).toBe(200);
		const cdp = await context.newCDPSession(page);
		await cdp.send("WebAuthn.enable");
		const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
			options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true }
		});
		return { context, page, cdp, authenticatorId };
	}

	/** Registration: options over HTTP, the credential made by the page's authenticator, sent back. */
	async function registerInPage(page: Page, name: string): Promise<CeremonyResult> {
		const options = await app.request("POST", `${AUTH}/passkeys/register/options`, { token: user.accessToken });
		const credential = await createInPage(page, options.body);
		return { options, credential, verify: await app.request("POST", `${AUTH}/passkeys/register/verify`, { token: user.accessToken, body: { name, response: credential } }) };
	}

	/** A sign-in: request options for `start`, the page's assertion, verified. */
	async function signInInPage(page: Page, start: { email?: string; mfaToken?: string }): Promise<CeremonyResult> {
		const options = await app.request("POST", `${AUTH}/passkeys/login/options`, { body: start });
		const credential = await getInPage(page, options.body.options);
		const mfaToken = start.mfaToken ? { mfaToken: start.mfaToken } : {};
		return { options, credential, verify: await app.request("POST", `${AUTH}/passkeys/login/verify`, { body: { challengeId: options.body.challengeId, response: credential, ...mfaToken } }) };
	}

	async function storedPasskey() {
		const [passkey] = await core.factors.passkeys.find({ userId: user.user.id });
		return passkey;
	}

	it("registers a passkey for a signed-in user with navigator.credentials.create", async () => {
		const { context, page, cdp, authenticatorId } = await freshContext();
		const result = await registerInPage(page, "Chromium");
		expect({ options: result.options.status, uv: result.options.body.authenticatorSelection.userVerification, rp: result.options.body.rp.id }).toEqual({ options: 200, uv: "required", rp: "localhost" });
		expect({ status: result.verify.status, name: result.verify.body.name, lastUsedAt: result.verify.body.lastUsedAt, codes: result.verify.body.recoveryCodes?.length }).toEqual({
			status: 201,
			name: "Chromium",
			lastUsedAt: null,
			codes: 10
		});
		// Chromium 156 picks ML-DSA-44 (-48), the first algorithm offered: 2420-byte signatures, within the limits.
		expect(result.options.body.pubKeyCredParams.map((p: { alg: number }) => p.alg)).toContain(result.credential.response.publicKeyAlgorithm);
		const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
		expect(credentials.map(c => ({ resident: c.isResidentCredential, rpId: c.rpId, userHandle: Buffer.from(c.userHandle ?? "", "base64").toString("utf8") }))).toEqual([
			{ resident: true, rpId: "localhost", userHandle: user.user.id }
		]);
		expect((await storedPasskey()).credentialId).toBe(Buffer.from(credentials[0].credentialId, "base64").toString("base64url"));
		exported = credentials as unknown as Array<Record<string, unknown>>;
		await context.close();
	}, 30_000);

	/** A fresh context whose authenticator holds the registered credential. */
	async function contextWithPasskey() {
		const fresh = await freshContext();
		for (const credential of exported) await fresh.cdp.send("WebAuthn.addCredential", { authenticatorId: fresh.authenticatorId, credential: credential as never });
		return fresh;
	}

	/** The ceremony's token response: 200, this user, the amr; the counter the authenticator reached is stored. */
	async function expectSignedIn(fresh: { cdp: CDPSession; authenticatorId: string }, result: CeremonyResult, amr: string[]) {
		expect({ options: result.options.status, verify: result.verify.status }).toEqual({ options: 200, verify: 200 });
		const { payload } = decodeJwt(result.verify.body.accessToken);
		expect({ sub: payload.sub, amr: payload.amr, tokenType: result.verify.body.tokenType }).toEqual({ sub: user.user.id, amr, tokenType: "Bearer" });
		expectUser(result.verify.body.user);
		const { credentials } = await fresh.cdp.send("WebAuthn.getCredentials", { authenticatorId: fresh.authenticatorId });
		const stored = await storedPasskey();
		expect({ counter: stored.counter, lastUsed: stored.lastUsedAt !== null }).toEqual({ counter: credentials[0].signCount, lastUsed: true });
		// Keep the moved counter for the next context: a copy left behind would count as a clone.
		exported = credentials as unknown as Array<Record<string, unknown>>;
	}

	it("signs in discoverably (no e-mail, no password) in a fresh browser context", async () => {
		const fresh = await contextWithPasskey();
		const result = await signInInPage(fresh.page, {});
		expect(result.options.body.options.allowCredentials).toBeUndefined();
		await expectSignedIn(fresh, result, ["hwk", "mfa"]);
		await fresh.context.close();
	}, 30_000);

	it("signs in with an e-mail address in a fresh browser context", async () => {
		const fresh = await contextWithPasskey();
		const result = await signInInPage(fresh.page, { email: user.email });
		expect(result.options.body.options.allowCredentials).toHaveLength(1);
		await expectSignedIn(fresh, result, ["hwk", "mfa"]);
		await fresh.context.close();
	}, 30_000);

	it("signs in with the passkey as the second factor after a password (mfaToken)", async () => {
		const fresh = await contextWithPasskey();
		const step = await app.request("POST", `${AUTH}/login`, { body: { email: user.email, password: user.password } });
		expect(step.body).toEqual({ mfaRequired: true, mfaToken: expect.any(String), methods: ["recovery", "passkey"] });
		const { mfaToken } = step.body;
		const result = await signInInPage(fresh.page, { mfaToken });
		await expectSignedIn(fresh, result, ["pwd", "hwk", "mfa"]);
		await fresh.context.close();
	}, 30_000);

	it("refuses the copy an authenticator kept from before (its counter went back): 401, audited", async () => {
		const stale = await contextWithPasskey();
		const counter = (await storedPasskey()).counter;
		await stale.cdp.send("WebAuthn.removeCredential", { authenticatorId: stale.authenticatorId, credentialId: String(exported[0].credentialId) });
		await stale.cdp.send("WebAuthn.addCredential", { authenticatorId: stale.authenticatorId, credential: { ...exported[0], signCount: 0 } as never });
		const result = await signInInPage(stale.page, {});
		expect({ status: result.verify.status, type: result.verify.body.type }).toEqual({ status: 401, type: "INVALID_CREDENTIALS" });
		expect((await storedPasskey()).counter).toBe(counter);
		const auth = app.broker.getLocalService("auth") as unknown as { auditLog: AuthCore["auditLog"] };
		const [entry] = await auth.auditLog.find({ type: "passkey.cloned", subjectId: user.user.id });
		expect(entry.details).toEqual({ credentialId: (await storedPasskey()).credentialId, storedCounter: counter, presentedCounter: 1 });
		await stale.context.close();
	}, 30_000);
});
