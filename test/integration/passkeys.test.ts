/**
 * Passkeys through HTTP (CONTRACT §4) with the software authenticator of the unit tests standing in for the
 * browser (the real browser runs in test/browser/passkeys.test.ts): enrolment, sign-in alone and as the
 * second factor, rename and removal, and every kind of bad WebAuthn input as its 4xx.
 */
import type { AuthCore } from "../../services/auth/kit";
import type { AuditRecord } from "../../services/auth/audit/chain";
import type { Collection } from "../../lib/collection";
import { startApp, type TestApp } from "../helpers/app";
import { Secrets, decodeJwt, expectError, expectIso, expectNoInternals, expectUser, mailsTo, registerUser, uniqueEmail, type TestUser } from "../helpers/kit";
import { SoftAuthenticator } from "../unit/mfa/soft-authenticator";

const AUTH = "/api/v1/auth";
const ORIGIN = "https://id.example.com";
const RP_ID = "example.com";

describe("passkeys over HTTP", () => {
	let app: TestApp;
	let core: AuthCore;
	let auditLog: Collection<AuditRecord>;
	const secrets = new Secrets();

	beforeAll(async () => {
		app = await startApp({}, { WEBAUTHN_ORIGINS: ORIGIN, WEBAUTHN_RP_ID: RP_ID });
		const auth = app.broker.getLocalService("auth") as unknown as { core: AuthCore; auditLog: Collection<AuditRecord> };
		core = auth.core;
		auditLog = auth.auditLog;
	});
	afterAll(async () => {
		expect(secrets.leaks(app.logs)).toEqual([]);
		await app.stop();
	});

	const signedIn = () => registerUser(app, { login: true, secrets });

	/** Enrols the authenticator's passkey for the user; answers the 201's body. */
	async function enrol(user: TestUser, key: SoftAuthenticator, name?: string) {
		const options = await app.request("POST", `${AUTH}/passkeys/register/options`, { token: user.accessToken });
		expect(options.status).toBe(200);
		const res = await app.request("POST", `${AUTH}/passkeys/register/verify`, { token: user.accessToken, body: { ...(name ? { name } : {}), response: key.register(options.body) } });
		expect(res.status).toBe(201);
		secrets.add(...(res.body.recoveryCodes ?? []));
		return res.body;
	}

	const options = (body: object = {}) => app.request("POST", `${AUTH}/passkeys/login/options`, { body });
	const verify = (body: object) => app.request("POST", `${AUTH}/passkeys/login/verify`, { body });

	/** A whole sign-in: options for `start`, the assertion (as `ceremony` bends it), verified. */
	async function signIn(key: SoftAuthenticator, start: { email?: string; mfaToken?: string } = {}, ceremony: Parameters<SoftAuthenticator["assert"]>[1] = {}) {
		const begun = await options(start);
		expect(begun.status).toBe(200);
		const mfaToken = start.mfaToken ? { mfaToken: start.mfaToken } : {};
		const res = await verify({ challengeId: begun.body.challengeId, response: key.assert(begun.body.options, ceremony), ...mfaToken });
		secrets.addTokens(res.body);
		return res;
	}

	describe("enrolment", () => {
		it("answers creation options for a discoverable, user-verified passkey; 401 without a token", async () => {
			const user = await signedIn();
			const res = await app.request("POST", `${AUTH}/passkeys/register/options`, { token: user.accessToken });
			expect({ status: res.status, rp: res.body.rp, selection: res.body.authenticatorSelection, name: res.body.user.name, exclude: res.body.excludeCredentials }).toEqual({
				status: 200,
				rp: { id: RP_ID, name: "User backend" },
				selection: { residentKey: "required", requireResidentKey: true, userVerification: "required" },
				name: user.email,
				exclude: []
			});
			expectError(await app.request("POST", `${AUTH}/passkeys/register/options`), 401, "UNAUTHORIZED");
		});

		it("stores the passkey (201), with recovery codes on the first second factor only, a notice and an audit entry", async () => {
			const user = await signedIn();
			const first = await enrol(user, new SoftAuthenticator(ORIGIN, RP_ID), "Laptop");
			expect({ ...first, recoveryCodes: first.recoveryCodes.length }).toEqual({ id: expect.any(String), name: "Laptop", createdAt: expect.any(String), lastUsedAt: null, recoveryCodes: 10 });
			expectIso(first.createdAt);
			const second = await enrol(user, new SoftAuthenticator(ORIGIN, RP_ID));
			expect(Object.keys(second).sort()).toEqual(["createdAt", "id", "lastUsedAt", "name"]);
			expect(second.name).toBe("Passkey");
			for (const name of ["Laptop", "Passkey"]) await app.mail.waitFor(m => m.to === user.email && m.subject === "A passkey was added to your account" && m.text.includes(`"${name}"`));
			expect(mailsTo(app, user.email).filter(m => m.subject === "A passkey was added to your account")).toHaveLength(2);
			const entries = await auditLog.find({ type: "passkey.add", subjectId: user.user.id });
			expect(entries.map(e => e.details.recoveryCodesIssued).sort()).toEqual([false, true]);
		});

		it("refuses a response for another origin or RP ID, and one without user verification (422)", async () => {
			const user = await signedIn();
			for (const ceremony of [{ origin: "https://evil.example.net" }, { rpId: "evil.example.net" }, { userVerified: false }]) {
				const begun = await app.request("POST", `${AUTH}/passkeys/register/options`, { token: user.accessToken });
				const res = await app.request("POST", `${AUTH}/passkeys/register/verify`, { token: user.accessToken, body: { response: new SoftAuthenticator(ORIGIN, RP_ID).register(begun.body, ceremony) } });
				expectError(res, 422, "VALIDATION_ERROR");
			}
		});

		it("refuses another user's registration challenge and a spent one (400 INVALID_TOKEN)", async () => {
			const [ada, grace] = [await signedIn(), await signedIn()];
			const begun = await app.request("POST", `${AUTH}/passkeys/register/options`, { token: ada.accessToken });
			const response = new SoftAuthenticator(ORIGIN, RP_ID).register(begun.body);
			expectError(await app.request("POST", `${AUTH}/passkeys/register/verify`, { token: grace.accessToken, body: { response } }), 400, "INVALID_TOKEN");
			expectError(await app.request("POST", `${AUTH}/passkeys/register/verify`, { token: ada.accessToken, body: { response } }), 400, "INVALID_TOKEN");
		});
	});

	describe("sign-in", () => {
		let ada: TestUser;
		let key: SoftAuthenticator;
		let passkeyId: string;

		beforeAll(async () => {
			ada = await signedIn();
			key = new SoftAuthenticator(ORIGIN, RP_ID);
			passkeyId = (await enrol(ada, key, "Laptop")).id;
		});

		it("discoverably, with no e-mail and no password: a token response with amr hwk+mfa, the counter stored", async () => {
			const res = await signIn(key);
			expect(res.status).toBe(200);
			expect(res.headers.get("cache-control")).toBe("no-store");
			expect({ type: res.body.tokenType, sub: decodeJwt(res.body.accessToken).payload.sub, amr: decodeJwt(res.body.accessToken).payload.amr }).toEqual({ type: "Bearer", sub: ada.user.id, amr: ["hwk", "mfa"] });
			expectUser(res.body.user);
			const stored = await core.factors.passkeys.findById(passkeyId);
			expect(stored?.counter).toBe(key.counter);
			// The session keeps its amr through a refresh.
			const refreshed = await app.request("POST", `${AUTH}/refresh`, { body: { refreshToken: res.body.refreshToken } });
			secrets.addTokens(refreshed.body);
			expect(decodeJwt(refreshed.body.accessToken).payload.amr).toEqual(["hwk", "mfa"]);
		});

		it("by e-mail: that account's passkeys are offered; an unknown address gets a stable decoy, alike", async () => {
			const mine = await options({ email: ada.email });
			expect(mine.body.options.allowCredentials).toEqual([{ id: key.credentialId, type: "public-key", transports: ["internal"] }]);
			const unknown = await options({ email: uniqueEmail("nobody") });
			expect(Object.keys(unknown.body.options).sort()).toEqual(Object.keys(mine.body.options).sort());
			expect(unknown.body.options.allowCredentials).toEqual([{ id: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), type: "public-key", transports: ["internal"] }]);
			const res = await signIn(key, { email: ada.email });
			expect(decodeJwt(res.body.accessToken).payload.amr).toEqual(["hwk", "mfa"]);
		});

		/** `POST /login` with Ada's password: her passkey makes it ask for a second factor. */
		async function passwordStep(): Promise<string> {
			const res = await app.request("POST", `${AUTH}/login`, { body: { email: ada.email, password: ada.password } });
			expect(res.body).toEqual({ mfaRequired: true, mfaToken: expect.any(String), methods: ["recovery", "passkey"] });
			secrets.add(res.body.mfaToken);
			return res.body.mfaToken;
		}

		it("as the second factor after a password: the mfaToken's login finished with amr pwd+hwk+mfa, then spent", async () => {
			const mfaToken = await passwordStep();
			const res = await signIn(key, { mfaToken });
			expect({ status: res.status, amr: decodeJwt(res.body.accessToken).payload.amr }).toEqual({ status: 200, amr: ["pwd", "hwk", "mfa"] });
			expectError(await options({ mfaToken }), 401, "INVALID_TOKEN");
		});

		it("after a password, refuses another account's passkey as a wrong second factor (401 INVALID_MFA_CODE), counted against the mfaToken", async () => {
			const grace = await signedIn();
			const graceKey = new SoftAuthenticator(ORIGIN, RP_ID);
			await enrol(grace, graceKey);
			const mfaToken = await passwordStep();
			const begun = await options();
			expectError(await verify({ challengeId: begun.body.challengeId, response: graceKey.assert(begun.body.options), mfaToken }), 401, "INVALID_MFA_CODE");
			expect((await core.factors.mfaTokens.find(mfaToken))?.attempts).toBe(1);
			const [entry] = await auditLog.find({ type: "login.mfa", subjectId: ada.user.id, outcome: "failure" });
			expect(entry.details).toEqual({ method: "passkey" });
			const res = await signIn(key, { mfaToken });
			expect(decodeJwt(res.body.accessToken).payload.amr).toEqual(["pwd", "hwk", "mfa"]);
		});

		it("refuses a replayed assertion (400 INVALID_TOKEN) and an unknown challengeId (400 INVALID_TOKEN)", async () => {
			const begun = await options();
			const body = { challengeId: begun.body.challengeId, response: key.assert(begun.body.options) };
			expect((await verify(body)).status).toBe(200);
			expectError(await verify(body), 400, "INVALID_TOKEN");
			const fresh = await options();
			expectError(await verify({ challengeId: "bm90LWEtY2hhbGxlbmdl", response: key.assert(fresh.body.options) }), 400, "INVALID_TOKEN");
		});

		it("refuses an assertion for another challenge, origin or RP ID (401 INVALID_CREDENTIALS)", async () => {
			const other = await options();
			for (const ceremony of [{ challenge: other.body.options.challenge }, { origin: "https://evil.example.net" }, { rpId: "evil.example.net" }]) {
				expectError(await signIn(key, {}, ceremony), 401, "INVALID_CREDENTIALS");
			}
		});

		it("refuses a passkey of another account than the e-mail named (401)", async () => {
			const grace = await signedIn();
			await enrol(grace, new SoftAuthenticator(ORIGIN, RP_ID));
			expectError(await signIn(key, { email: grace.email }), 401, "INVALID_CREDENTIALS");
		});

		it("refuses a cloned authenticator (counter back) with 401, audits it, keeps the stored counter", async () => {
			const before = (await core.factors.passkeys.findById(passkeyId))!.counter;
			expectError(await signIn(key, {}, { counter: 1 }), 401, "INVALID_CREDENTIALS");
			expect((await core.factors.passkeys.findById(passkeyId))!.counter).toBe(before);
			const [entry] = await auditLog.find({ type: "passkey.cloned", subjectId: ada.user.id });
			expect(entry.details).toEqual({ credentialId: key.credentialId, storedCounter: before, presentedCounter: 1 });
		});

		it("answers malformed WebAuthn JSON with 422 and an oversized one with 413, never a 500", async () => {
			const begun = await options();
			expectError(await verify({ challengeId: begun.body.challengeId, response: { id: "x", rawId: "y", type: "public-key", response: {} } }), 422, "VALIDATION_ERROR");
			expectError(await verify({ challengeId: begun.body.challengeId, response: "not an object" }), 422, "VALIDATION_ERROR");
			const huge = key.assert(begun.body.options) as { response: Record<string, string> };
			huge.response.signature = "A".repeat(70_000);
			const res = await verify({ challengeId: begun.body.challengeId, response: huge });
			expectError(res, 413, "PAYLOAD_TOO_LARGE");
			expectNoInternals(res.text);
		});
	});

	describe("rename and removal", () => {
		it("renames and removes only the owner's passkeys; another user's id is 404", async () => {
			const [ada, grace] = [await signedIn(), await signedIn()];
			const key = new SoftAuthenticator(ORIGIN, RP_ID);
			const { id } = await enrol(ada, key);
			const renamed = await app.request("PATCH", `${AUTH}/passkeys/${id}`, { token: ada.accessToken, body: { name: "Work laptop" } });
			expect({ status: renamed.status, name: renamed.body.name, id: renamed.body.id }).toEqual({ status: 200, name: "Work laptop", id });
			expectError(await app.request("PATCH", `${AUTH}/passkeys/${id}`, { token: grace.accessToken, body: { name: "Mine" } }), 404, "NOT_FOUND");
			expectError(await app.request("DELETE", `${AUTH}/passkeys/${id}`, { token: grace.accessToken }), 404, "NOT_FOUND");
			expect((await app.request("DELETE", `${AUTH}/passkeys/${id}`, { token: ada.accessToken })).status).toBe(204);
			expectError(await app.request("DELETE", `${AUTH}/passkeys/${id}`, { token: ada.accessToken }), 404, "NOT_FOUND");
			await app.mail.waitFor(m => m.to === ada.email && m.subject === "A passkey was removed from your account" && m.text.includes('"Work laptop"'));
			expect(await core.factors.recoveryCodes.remaining(ada.user.id)).toBe(0);
			expectError(await signIn(key), 401, "INVALID_CREDENTIALS");
		});
	});
});
