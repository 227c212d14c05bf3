import { refresh } from "../../../services/auth/flows/refresh";
import { startSession } from "../../../services/auth/sessions";
import { formatRefreshToken, hashToken, successorSecret } from "../../../services/auth/tokens/opaque";
import { SUCCESSOR_KEY, testKit, type TestKit } from "./fakes";

let t: TestKit;
let userId: string;
let token: string;
let sessionId: string;

beforeEach(async () => {
	t = await testKit({ refreshTokenTtl: 3600, sessionMaxLifetime: 3 * 3600 });
	userId = t.users.add({ email: "ada@example.com" }).id;
	const { session, secret } = await startSession(t.kit, userId, {});
	sessionId = session._id;
	token = formatRefreshToken(session._id, secret);
});

const use = (refreshToken: string) => refresh(t.kit, { refreshToken });

describe("refresh", () => {
	it("rotates: answers new tokens, and the successor works", async () => {
		t.clock.advance(60_000);
		const first = await use(token);
		expect(first.refreshToken).not.toBe(token);
		expect(first.accessToken).toBe(`access:${userId}:${sessionId}:${t.clock.now()}`);
		expect((await use(first.refreshToken)).tokenType).toBe("Bearer");
	});

	it("slides the session's expiry and records its use", async () => {
		t.clock.advance(600_000);
		await use(token);
		const session = await t.kit.stores.sessions.findById(sessionId);
		expect([new Date(session!.lastUsedAt).getTime(), new Date(session!.expiresAt).getTime()]).toEqual([t.clock.now(), t.clock.now() + 3600_000]);
	});

	it("answers a spent token within REFRESH_REUSE_INTERVAL with the same successor and a fresh access token", async () => {
		const first = await use(token);
		t.clock.advance(10_000);
		const again = await use(token);
		expect(again.refreshToken).toBe(first.refreshToken);
		expect(again.accessToken).toBe(`access:${userId}:${sessionId}:${t.clock.now()}`);
		expect(again.accessToken).not.toBe(first.accessToken);
		expect(t.revoked).toEqual([]);
		// The successor is the session's current token: it rotates on as usual.
		expect((await use(first.refreshToken)).refreshToken).not.toBe(first.refreshToken);
	});

	it("stores the successor only as a hash: HMAC(server key, presented secret)", async () => {
		const first = await use(token);
		const successorSecretValue = first.refreshToken.slice(first.refreshToken.indexOf(".") + 1);
		expect(successorSecretValue).toBe(successorSecret(SUCCESSOR_KEY, token.slice(token.indexOf(".") + 1)));
		const session = await t.kit.stores.sessions.findById(sessionId);
		expect(session!.tokenHash).toBe(hashToken(successorSecretValue));
		const spent = await t.kit.stores.spentTokens.find({ sessionId });
		expect(JSON.stringify([session, spent])).not.toContain(successorSecretValue);
	});

	it("answers TOKEN_REUSED to a spent token after the interval and ends the session", async () => {
		const { refreshToken: successor } = await use(token);
		t.clock.advance(10_001);
		await expect(use(token)).rejects.toMatchObject({ type: "TOKEN_REUSED", code: 401 });
		expect(t.revoked.map(r => r.id)).toEqual([sessionId]);
		await expect(use(successor)).rejects.toMatchObject({ type: "INVALID_TOKEN" });
		expect(t.audit.at(-1)).toEqual({ type: "refresh.reuse", outcome: "failure", subjectId: userId, details: { sessionId } });
	});

	it("with REFRESH_REUSE_INTERVAL=0 answers TOKEN_REUSED at once", async () => {
		t.kit.settings.refreshReuseInterval = 0;
		await use(token);
		await expect(use(token)).rejects.toMatchObject({ type: "TOKEN_REUSED", code: 401 });
		expect(t.revoked.map(r => r.id)).toEqual([sessionId]);
	});

	it("gives two simultaneous uses the same successor", async () => {
		const [a, b] = await Promise.all([use(token), use(token)]);
		expect(a.refreshToken).toBe(b.refreshToken);
		expect(t.revoked).toEqual([]);
		expect((await use(a.refreshToken)).tokenType).toBe("Bearer");
	});

	it("with REFRESH_REUSE_INTERVAL=0 lets exactly one of two simultaneous uses through; the other is reuse", async () => {
		t.kit.settings.refreshReuseInterval = 0;
		const results = await Promise.allSettled([use(token), use(token)]);
		expect(results.map(r => r.status).sort()).toEqual(["fulfilled", "rejected"]);
		expect((results.find(r => r.status === "rejected") as PromiseRejectedResult).reason).toMatchObject({ type: "TOKEN_REUSED" });
	});

	it("refuses a spent token within the interval once the session has ended", async () => {
		await use(token);
		await t.kit.stores.sessions.updateMany({ _id: sessionId }, { $set: { revokedAt: new Date(t.clock.now()) } });
		await expect(use(token)).rejects.toMatchObject({ type: "INVALID_TOKEN" });
	});

	it("refuses a spent token within the interval once the account is disabled", async () => {
		await use(token);
		t.users.byId.set(userId, { ...t.users.byId.get(userId)!, status: "disabled" });
		await expect(use(token)).rejects.toMatchObject({ type: "ACCOUNT_DISABLED", code: 403 });
	});

	it("refuses an expired token", async () => {
		t.clock.advance(3600_000);
		await expect(use(token)).rejects.toMatchObject({ type: "INVALID_TOKEN", code: 401 });
	});

	it("never extends a session past SESSION_MAX_LIFETIME from sign-in", async () => {
		let current = token;
		for (let i = 0; i < 3; i++) {
			t.clock.advance(3000_000);
			current = (await use(current)).refreshToken;
		}
		const session = await t.kit.stores.sessions.findById(sessionId);
		expect(new Date(session!.expiresAt).getTime()).toBe(new Date(session!.createdAt).getTime() + 3 * 3600_000);
		t.clock.advance(3 * 3600_000 - 9000_000);
		await expect(use(current)).rejects.toMatchObject({ type: "INVALID_TOKEN" });
	});

	it("refuses malformed and unknown tokens", async () => {
		await expect(use("no-dot")).rejects.toMatchObject({ type: "INVALID_TOKEN" });
		await expect(use(`${sessionId}.not-the-secret`)).rejects.toMatchObject({ type: "INVALID_TOKEN" });
		await expect(use("unknown-session.secret")).rejects.toMatchObject({ type: "INVALID_TOKEN" });
	});

	it("ends the session of a disabled account", async () => {
		t.users.byId.set(userId, { ...t.users.byId.get(userId)!, status: "disabled" });
		await expect(use(token)).rejects.toMatchObject({ type: "ACCOUNT_DISABLED", code: 403 });
		expect(t.revoked.map(r => r.id)).toEqual([sessionId]);
	});
});
