/**
 * Tokens and sessions: /refresh, /logout, /logout-all, GET and DELETE /sessions, and what the authenticated
 * auth routes answer to a missing, invalid, forged or expired access token (CONTRACT §2).
 */
import fs from "node:fs";
import path from "node:path";
import { createHmac, generateKeyPairSync } from "node:crypto";
import jwt from "jsonwebtoken";
import { startApp, type TestApp } from "../helpers/app";
import {
	SESSION_FIELDS,
	Secrets,
	decodeJwt,
	expectError,
	expectIso,
	expectUser,
	login,
	mailsTo,
	registerUser,
	sleep,
	type Account,
	type Tokens
} from "../helpers/kit";

const AUTH = "/api/v1/auth";

describe("auth: tokens and sessions", () => {
	let app: TestApp;
	const secrets = new Secrets();

	beforeAll(async () => {
		app = await startApp({ logLevel: "debug" });
	});
	afterAll(() => app.stop());

	const works = async (t: Tokens) => (await app.request("GET", `${AUTH}/sessions`, { token: t.accessToken })).status === 200;
	const refresh = (refreshToken: string) => app.request("POST", `${AUTH}/refresh`, { body: { refreshToken } });

	describe("POST /refresh", () => {
		it("rotates: 200 with the login shape and no-store, a new refresh token, the same session", async () => {
			const acc = await registerUser(app, { secrets });
			const t1 = await login(app, acc.email, acc.password, { secrets });
			await sleep(20);
			const res = await refresh(t1.refreshToken);
			expect(res.status).toBe(200);
			secrets.addTokens(res.body);
			expect(res.headers.get("cache-control")).toBe("no-store");
			expect(Object.keys(res.body).sort()).toEqual(["accessToken", "expiresIn", "refreshToken", "tokenType", "user"]);
			expect(res.body.tokenType).toBe("Bearer");
			expect(res.body.expiresIn).toBe(app.config.accessTokenTtl);
			expectUser(res.body.user);
			expect(res.body.user.id).toBe(acc.user.id);
			expect(res.body.refreshToken).not.toBe(t1.refreshToken);
			expect(res.body.accessToken).not.toBe(t1.accessToken);
			expect(decodeJwt(res.body.accessToken).payload.sid).toBe(decodeJwt(t1.accessToken).payload.sid);
			expect(await works(res.body)).toBe(true);
			// Still one session, now last used at the refresh.
			const list = await app.request("GET", `${AUTH}/sessions`, { token: res.body.accessToken });
			expect(list.body).toHaveLength(1);
			expect(Date.parse(list.body[0].lastUsedAt)).toBeGreaterThan(Date.parse(list.body[0].createdAt));
			// And the new refresh token rotates again.
			const again = await refresh(res.body.refreshToken);
			expect(again.status).toBe(200);
			secrets.addTokens(again.body);
		});

		it("answers a just-spent refresh token within REFRESH_REUSE_INTERVAL with the same successor and a fresh access token", async () => {
			const acc = await registerUser(app, { secrets });
			const t1 = await login(app, acc.email, acc.password, { secrets });
			const r2 = await refresh(t1.refreshToken);
			expect(r2.status).toBe(200);
			secrets.addTokens(r2.body);
			app.clock.advance(9_000);
			const again = await refresh(t1.refreshToken);
			expect(again.status).toBe(200);
			secrets.addTokens(again.body);
			expect(again.body.refreshToken).toBe(r2.body.refreshToken);
			expect(again.body.accessToken).not.toBe(r2.body.accessToken);
			expect(again.headers.get("cache-control")).toBe("no-store");
			// Both access tokens work, and the successor rotates on.
			expect(await works(r2.body)).toBe(true);
			expect(await works(again.body)).toBe(true);
			const next = await refresh(again.body.refreshToken);
			expect(next.status).toBe(200);
			secrets.addTokens(next.body);
		});

		it("answers a spent refresh token after REFRESH_REUSE_INTERVAL with 401 TOKEN_REUSED and ends that session, and only that one", async () => {
			const acc = await registerUser(app, { secrets });
			const other = await login(app, acc.email, acc.password, { secrets });
			const t1 = await login(app, acc.email, acc.password, { secrets });
			const r2 = await refresh(t1.refreshToken);
			expect(r2.status).toBe(200);
			secrets.addTokens(r2.body);
			const t2 = r2.body as Tokens;

			app.clock.advance(10_001);
			const reused = await refresh(t1.refreshToken);
			expectError(reused, 401, "TOKEN_REUSED");
			expect(reused.text).not.toContain(t1.refreshToken);

			// The whole session is over: the successor refresh token and both access tokens.
			expectError(await refresh(t2.refreshToken), 401, "INVALID_TOKEN");
			expectError(await app.request("GET", `${AUTH}/sessions`, { token: t2.accessToken }), 401, "INVALID_TOKEN");
			expectError(await app.request("GET", `${AUTH}/sessions`, { token: t1.accessToken }), 401, "INVALID_TOKEN");
			expectError(await app.request("GET", "/api/v1/users/me", { token: t2.accessToken }), 401, "INVALID_TOKEN");

			// The user's other session goes on.
			expect(await works(other)).toBe(true);
			const otherRefreshed = await refresh(other.refreshToken);
			expect(otherRefreshed.status).toBe(200);
			secrets.addTokens(otherRefreshed.body);
		});

		it("still recognises a refresh token spent many rotations ago as reused (401 TOKEN_REUSED, session ends)", async () => {
			const acc = await registerUser(app, { secrets });
			const first = await login(app, acc.email, acc.password, { secrets });
			let current: Tokens = first;
			for (let i = 0; i < 60; i++) {
				const r = await refresh(current.refreshToken);
				expect(r.status).toBe(200);
				secrets.addTokens(r.body);
				current = r.body;
			}
			app.clock.advance(10_001);
			const stolen = await refresh(first.refreshToken);
			expectError(stolen, 401, "TOKEN_REUSED");
			expectError(await app.request("GET", `${AUTH}/sessions`, { token: current.accessToken }), 401, "INVALID_TOKEN");
			expectError(await refresh(current.refreshToken), 401, "INVALID_TOKEN");
		});

		it("answers simultaneous refreshes with one token all 200 with the same successor (two tabs); the session goes on", async () => {
			const acc = await registerUser(app, { secrets });
			const t = await login(app, acc.email, acc.password, { secrets });
			const results = await Promise.all([refresh(t.refreshToken), refresh(t.refreshToken), refresh(t.refreshToken)]);
			for (const r of results) secrets.addTokens(r.body);
			expect(results.map(r => r.status)).toEqual([200, 200, 200]);
			expect(new Set(results.map(r => r.body.refreshToken)).size).toBe(1);
			for (const r of results) expect(await works(r.body)).toBe(true);
			const next = await refresh(results[0].body.refreshToken);
			expect(next.status).toBe(200);
			secrets.addTokens(next.body);
			const sessions = await app.request("GET", `${AUTH}/sessions`, { token: next.body.accessToken });
			expect(sessions.body).toHaveLength(1);
		});

		it("answers garbage with 401 INVALID_TOKEN and a bad body with 422", async () => {
			const acc = await registerUser(app, { secrets });
			const t = await login(app, acc.email, acc.password, { secrets });
			const sid = decodeJwt(t.accessToken).payload.sid;
			for (const refreshToken of [
				"garbage",
				"a.b",
				".",
				`${sid}.${"A".repeat(43)}`,
				`${sid}.`,
				`00000000-0000-4000-8000-000000000000.${t.refreshToken.split(".").pop()}`,
				"x".repeat(300)
			]) {
				expectError(await refresh(refreshToken), 401, "INVALID_TOKEN");
			}
			for (const body of [{}, { refreshToken: { $ne: "" } }, { refreshToken: 5 }, { refreshToken: t.refreshToken, extra: true }]) {
				expectError(await app.request("POST", `${AUTH}/refresh`, { body }), 422, "VALIDATION_ERROR");
			}
			expectError(await app.request("POST", `${AUTH}/refresh`, { rawBody: "{refreshToken:" }), 400, "BAD_REQUEST");
			// The real one still works: a wrong secret for its session is not "reuse".
			const ok = await refresh(t.refreshToken);
			expect(ok.status).toBe(200);
			secrets.addTokens(ok.body);
		});

		it("refuses a refresh token past REFRESH_TOKEN_TTL (401 INVALID_TOKEN)", async () => {
			const acc = await registerUser(app, { secrets });
			const t = await login(app, acc.email, acc.password, { secrets });
			const late = await app.clock.ahead((app.config.refreshTokenTtl + 60) * 1000, () => refresh(t.refreshToken));
			expectError(late, 401, "INVALID_TOKEN");
		});
	});

	describe("POST /logout", () => {
		it("answers 204 and ends this session's access and refresh tokens at once; other sessions go on", async () => {
			const acc = await registerUser(app, { secrets });
			const mine = await login(app, acc.email, acc.password, { secrets });
			const other = await login(app, acc.email, acc.password, { secrets });
			const res = await app.request("POST", `${AUTH}/logout`, { token: mine.accessToken });
			expect(res.status).toBe(204);
			expect(res.text).toBe("");

			expectError(await app.request("GET", `${AUTH}/sessions`, { token: mine.accessToken }), 401, "INVALID_TOKEN");
			expectError(await app.request("GET", "/api/v1/users/me", { token: mine.accessToken }), 401, "INVALID_TOKEN");
			expectError(await app.request("POST", `${AUTH}/logout`, { token: mine.accessToken }), 401, "INVALID_TOKEN");
			expectError(await refresh(mine.refreshToken), 401, "INVALID_TOKEN");

			expect(await works(other)).toBe(true);
			const list = await app.request("GET", `${AUTH}/sessions`, { token: other.accessToken });
			expect(list.body.map((s: any) => s.id)).toEqual([decodeJwt(other.accessToken).payload.sid]);
			const r = await refresh(other.refreshToken);
			expect(r.status).toBe(200);
			secrets.addTokens(r.body);
		});
	});

	describe("POST /logout-all", () => {
		it("answers 204, ends every session, sends a 'sessions ended' e-mail and an in-app notification", async () => {
			const acc = await registerUser(app, { secrets, displayName: "Everywhere" });
			const sessions = [];
			for (let i = 0; i < 3; i++) sessions.push(await login(app, acc.email, acc.password, { secrets }));
			const before = mailsTo(app, acc.email).length;

			const res = await app.request("POST", `${AUTH}/logout-all`, { token: sessions[1].accessToken });
			expect(res.status).toBe(204);
			expect(res.text).toBe("");
			for (const s of sessions) {
				expectError(await app.request("GET", `${AUTH}/sessions`, { token: s.accessToken }), 401, "INVALID_TOKEN");
				expectError(await refresh(s.refreshToken), 401, "INVALID_TOKEN");
			}

			const endedMail = /sign(ed)? out|sessions? (were |was )?ended|logged out/i;
			expect(mailsTo(app, acc.email).slice(0, before).some(m => endedMail.test(`${m.subject} ${m.text}`))).toBe(false);
			const mail = await app.mail.waitFor(m => m.to.toLowerCase() === acc.email.toLowerCase() && endedMail.test(`${m.subject} ${m.text}`));
			expect(mail.text).not.toMatch(/token=/);

			// A fresh login sees the in-app notice.
			const fresh = await login(app, acc.email, acc.password, { secrets });
			const notes = await app.request("GET", "/api/v1/notifications", { token: fresh.accessToken });
			expect(notes.status).toBe(200);
			// A fresh account: the sessions-ended notice is its only one.
			expect(notes.body.total).toBe(1);
			expect(notes.body.unread).toBe(1);
			const notice = notes.body.rows[0];
			expect(notice).toMatchObject({ type: "sessions-ended", title: "You were signed out everywhere", read: false });
			// Only the new session is listed.
			const list = await app.request("GET", `${AUTH}/sessions`, { token: fresh.accessToken });
			expect(list.body).toHaveLength(1);
		});

		it("does not touch another user's sessions", async () => {
			const a = await registerUser(app, { secrets });
			const b = await registerUser(app, { secrets });
			const ta = await login(app, a.email, a.password, { secrets });
			const tb = await login(app, b.email, b.password, { secrets });
			expect((await app.request("POST", `${AUTH}/logout-all`, { token: ta.accessToken })).status).toBe(204);
			expect(await works(tb)).toBe(true);
		});
	});

	describe("GET /sessions and DELETE /sessions/:id", () => {
		let acc: Account;
		let phone: Tokens;
		let laptop: Tokens;

		beforeAll(async () => {
			acc = await registerUser(app, { secrets });
			phone = await login(app, acc.email, acc.password, { secrets, headers: { "user-agent": "PhoneBrowser/2.0" } });
			laptop = await login(app, acc.email, acc.password, { secrets, headers: { "user-agent": "LaptopBrowser/9.1", "x-forwarded-for": "6.6.6.6" } });
		});

		it("lists the user's sessions with exactly {id, createdAt, lastUsedAt, expiresAt, userAgent, ip, current}, one current", async () => {
			const res = await app.request("GET", `${AUTH}/sessions`, { token: phone.accessToken });
			expect(res.status).toBe(200);
			expect(Array.isArray(res.body)).toBe(true);
			expect(res.body).toHaveLength(2);
			for (const s of res.body) {
				expect(Object.keys(s).sort()).toEqual(SESSION_FIELDS);
				expect(typeof s.id).toBe("string");
				expectIso(s.createdAt);
				expectIso(s.lastUsedAt);
				expectIso(s.expiresAt);
				expect(Date.parse(s.expiresAt)).toBeGreaterThan(Date.parse(s.createdAt));
				expect(typeof s.current).toBe("boolean");
				// Without TRUST_PROXY the forwarded address is not believed.
				expect(s.ip).toBe("127.0.0.1");
			}
			expect(res.text).not.toMatch(/hash|token|secret/i);
			const current = res.body.filter((s: any) => s.current);
			expect(current).toHaveLength(1);
			expect(current[0].id).toBe(decodeJwt(phone.accessToken).payload.sid);
			expect(current[0].userAgent).toBe("PhoneBrowser/2.0");
			expect(res.body.find((s: any) => !s.current).userAgent).toBe("LaptopBrowser/9.1");

			const fromLaptop = await app.request("GET", `${AUTH}/sessions`, { token: laptop.accessToken });
			expect(fromLaptop.body.filter((s: any) => s.current).map((s: any) => s.id)).toEqual([decodeJwt(laptop.accessToken).payload.sid]);
		});

		it("answers 404 NOT_FOUND for someone else's session and for an unknown id, and leaves them alone", async () => {
			const stranger = await registerUser(app, { secrets });
			const theirs = await login(app, stranger.email, stranger.password, { secrets });
			const theirSid = decodeJwt(theirs.accessToken).payload.sid;
			expectError(await app.request("DELETE", `${AUTH}/sessions/${theirSid}`, { token: phone.accessToken }), 404, "NOT_FOUND");
			expect(await works(theirs)).toBe(true);
			const r = await refresh(theirs.refreshToken);
			expect(r.status).toBe(200);
			secrets.addTokens(r.body);

			expectError(await app.request("DELETE", `${AUTH}/sessions/00000000-0000-4000-8000-000000000000`, { token: phone.accessToken }), 404, "NOT_FOUND");
			expectError(await app.request("DELETE", `${AUTH}/sessions/nope`, { token: phone.accessToken }), 404, "NOT_FOUND");
		});

		it("ends one of the user's own sessions with 204: its tokens are refused at once, the others go on", async () => {
			const laptopSid = decodeJwt(laptop.accessToken).payload.sid;
			const res = await app.request("DELETE", `${AUTH}/sessions/${laptopSid}`, { token: phone.accessToken });
			expect(res.status).toBe(204);
			expect(res.text).toBe("");
			expectError(await app.request("GET", `${AUTH}/sessions`, { token: laptop.accessToken }), 401, "INVALID_TOKEN");
			expectError(await refresh(laptop.refreshToken), 401, "INVALID_TOKEN");

			const list = await app.request("GET", `${AUTH}/sessions`, { token: phone.accessToken });
			expect(list.status).toBe(200);
			expect(list.body.map((s: any) => s.id)).toEqual([decodeJwt(phone.accessToken).payload.sid]);
			// Ended already: a second DELETE finds nothing.
			expectError(await app.request("DELETE", `${AUTH}/sessions/${laptopSid}`, { token: phone.accessToken }), 404, "NOT_FOUND");
		});

		it("ends the current session too when asked (204), at once", async () => {
			const phoneSid = decodeJwt(phone.accessToken).payload.sid;
			expect((await app.request("DELETE", `${AUTH}/sessions/${phoneSid}`, { token: phone.accessToken })).status).toBe(204);
			expectError(await app.request("GET", `${AUTH}/sessions`, { token: phone.accessToken }), 401, "INVALID_TOKEN");
			expectError(await refresh(phone.refreshToken), 401, "INVALID_TOKEN");
		});

		it("answers 401 UNAUTHORIZED to DELETE without a token, and ends nothing", async () => {
			const t = await login(app, acc.email, acc.password, { secrets });
			expectError(await app.request("DELETE", `${AUTH}/sessions/${decodeJwt(t.accessToken).payload.sid}`), 401, "UNAUTHORIZED");
			expect(await works(t)).toBe(true);
		});
	});

	describe("authenticated routes and the access token", () => {
		const routes: Array<[string, string, unknown?]> = [
			["POST", `${AUTH}/logout`],
			["POST", `${AUTH}/logout-all`],
			["GET", `${AUTH}/sessions`],
			["DELETE", `${AUTH}/sessions/00000000-0000-4000-8000-000000000000`],
			["POST", `${AUTH}/password/change`, { currentPassword: "whatever it is", newPassword: "whatever it will be" }]
		];
		let acc: Account;
		let tokens: Tokens;

		beforeAll(async () => {
			acc = await registerUser(app, { secrets });
			tokens = await login(app, acc.email, acc.password, { secrets });
		});

		it("answers 401 UNAUTHORIZED without a token", async () => {
			for (const [method, route, body] of routes) {
				const res = await app.request(method, route, { body });
				expectError(res, 401, "UNAUTHORIZED");
			}
		});

		it("answers 401 INVALID_TOKEN to garbage, a tampered token, a refresh token and a token with an unknown key", async () => {
			const [h, p, s] = tokens.accessToken.split(".");
			const payload = JSON.parse(Buffer.from(p, "base64url").toString());
			const tamperedPayload = Buffer.from(JSON.stringify({ ...payload, roles: ["user", "admin"] })).toString("base64url");
			const otherSub = Buffer.from(JSON.stringify({ ...payload, sub: "someone-else" })).toString("base64url");
			const header = JSON.parse(Buffer.from(h, "base64url").toString());
			const noneHeader = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT", kid: header.kid })).toString("base64url");
			const sig = Buffer.from(s, "base64url");
			sig[sig.length - 1] ^= 0xff;
			const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
			const sameKidOtherKey = jwt.sign({ sid: payload.sid, roles: ["user"] }, stranger, {
				algorithm: "PS256",
				keyid: header.kid,
				subject: payload.sub,
				issuer: payload.iss,
				audience: payload.aud,
				expiresIn: 60,
				jwtid: "x"
			});
			// HS256 "signed" with the public key as the HMAC secret (the classic confusion attack).
			const jwks = await app.request("GET", "/.well-known/jwks.json");
			const publicJwk = JSON.stringify(jwks.body.keys[0]);
			const hsHeader = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT", kid: header.kid })).toString("base64url");
			const hsSig = createHmac("sha256", publicJwk).update(`${hsHeader}.${p}`).digest("base64url");

			const bad = [
				"garbage",
				"a.b.c",
				`${h}.${tamperedPayload}.${s}`,
				`${h}.${otherSub}.${s}`,
				`${h}.${p}.${sig.toString("base64url")}`,
				`${noneHeader}.${p}.`,
				`${hsHeader}.${p}.${hsSig}`,
				sameKidOtherKey,
				tokens.refreshToken
			];
			for (const token of bad) {
				for (const [method, route, body] of routes) {
					const res = await app.request(method, route, { body, token });
					expectError(res, 401, "INVALID_TOKEN");
				}
			}
			// A scheme other than Bearer is not a token.
			for (const authorization of [`Basic ${Buffer.from(`${acc.email}:${acc.password}`).toString("base64")}`, `Token ${tokens.accessToken}`, "Bearer"]) {
				const res = await app.request("GET", `${AUTH}/sessions`, { headers: { authorization } });
				expectError(res, 401, "INVALID_TOKEN");
			}
			// The real token was never harmed.
			expect(await works(tokens)).toBe(true);
		});

		it("refuses tokens signed with the right key but for another issuer or audience, or expired", async () => {
			// The development key the app generated in its DATA_DIR (JWT_PRIVATE_KEY unset outside production).
			const keyFile = path.join(app.config.dataDir, "keys", "jwt-private.pem");
			const privateKey = fs.readFileSync(keyFile, "utf8");
			const { header, payload } = decodeJwt(tokens.accessToken);
			const sign = (claims: Record<string, unknown>, opts: jwt.SignOptions) =>
				jwt.sign({ sid: payload.sid, roles: payload.roles, ...claims }, privateKey, { algorithm: header.alg, keyid: header.kid, header: { alg: header.alg, typ: header.typ }, subject: payload.sub, jwtid: `t-${Math.random()}`, ...opts });

			// Control: a token forged right is accepted, so the refusals below are about the claims.
			const good = sign({}, { issuer: payload.iss, audience: payload.aud, expiresIn: 60 });
			expect((await app.request("GET", `${AUTH}/sessions`, { token: good })).status).toBe(200);

			const wrongAud = sign({}, { issuer: payload.iss, audience: "someone-else", expiresIn: 60 });
			const wrongIss = sign({}, { issuer: "https://evil.example", audience: payload.aud, expiresIn: 60 });
			const expired = sign({ exp: Math.floor(Date.now() / 1000) - 5, iat: Math.floor(Date.now() / 1000) - 100 }, { issuer: payload.iss, audience: payload.aud });
			const badRole = sign({ roles: ["root"] }, { issuer: payload.iss, audience: payload.aud, expiresIn: 60 });
			for (const token of [wrongAud, wrongIss, expired, badRole]) {
				expectError(await app.request("GET", `${AUTH}/sessions`, { token }), 401, "INVALID_TOKEN");
			}
		});

		it("refuses the real access token once it has expired (401 INVALID_TOKEN)", async () => {
			const late = await app.clock.ahead((app.config.accessTokenTtl + 30) * 1000, () => app.request("GET", `${AUTH}/sessions`, { token: tokens.accessToken }));
			expectError(late, 401, "INVALID_TOKEN");
			expect(await works(tokens)).toBe(true);
		});

		it("answers an unknown auth route with 404 NOT_FOUND, not a stack", async () => {
			const res = await app.request("POST", `${AUTH}/nope`, { body: {}, token: tokens.accessToken });
			expectError(res, 404, "NOT_FOUND");
		});

		it("answers a known auth path with the wrong method with 405 METHOD_NOT_ALLOWED and Allow", async () => {
			for (const [method, route, allow] of [
				["GET", `${AUTH}/login`, "POST, OPTIONS"],
				["PUT", `${AUTH}/sessions`, "GET, HEAD, OPTIONS"]
			]) {
				const res = await app.request(method, route, { body: method === "GET" ? undefined : {}, token: tokens.accessToken });
				expectError(res, 405, "METHOD_NOT_ALLOWED");
				expect(res.headers.get("allow")).toBe(allow);
			}
		});
	});

	it("never wrote a password or token used above into the logs", () => {
		expect(secrets.size).toBeGreaterThan(20);
		expect(secrets.leaks(app.logs)).toEqual([]);
		expect(app.logs.filter(line => /\$2[aby]\$\d\d\$/.test(line))).toEqual([]);
	});


});

describe("auth: REFRESH_REUSE_INTERVAL=0 (no grace: every reuse is theft)", () => {
	let app: TestApp;
	const secrets = new Secrets();

	beforeAll(async () => {
		app = await startApp({}, { REFRESH_REUSE_INTERVAL: "0" });
	});
	afterAll(() => app.stop());

	const refresh = (refreshToken: string) => app.request("POST", `${AUTH}/refresh`, { body: { refreshToken } });

	it("answers a just-spent refresh token with 401 TOKEN_REUSED at once and ends the session", async () => {
		const acc = await registerUser(app, { secrets });
		const t1 = await login(app, acc.email, acc.password, { secrets });
		const r2 = await refresh(t1.refreshToken);
		expect(r2.status).toBe(200);
		secrets.addTokens(r2.body);
		expectError(await refresh(t1.refreshToken), 401, "TOKEN_REUSED");
		expectError(await refresh(r2.body.refreshToken), 401, "INVALID_TOKEN");
		expectError(await app.request("GET", `${AUTH}/sessions`, { token: r2.body.accessToken }), 401, "INVALID_TOKEN");
	});

	// Two, not three: a third request may arrive after the second has already ended the session for reuse,
	// and a spent token of an ended session is INVALID_TOKEN. Between two, the loser is always reuse.
	it("lets exactly one of two simultaneous refreshes with one token through; the other is reuse", async () => {
		const acc = await registerUser(app, { secrets });
		const t = await login(app, acc.email, acc.password, { secrets });
		const results = await Promise.all([refresh(t.refreshToken), refresh(t.refreshToken)]);
		for (const r of results) secrets.addTokens(r.body);
		expect(results.map(r => r.status).sort()).toEqual([200, 401]);
		expectError(results.find(r => r.status === 401)!, 401, "TOKEN_REUSED");
	});
});
