/**
 * The audit trail (services/auth/audit/, written by auth and, through auth.recordAudit, by users): what each security event records, the
 * admin routes GET /api/v1/audit and /api/v1/audit/verify, and that tampering with the stored chain is found.
 */
import type { AuditRecord } from "../../services/auth/audit/chain";
import type { Collection } from "../../lib/collection";
import { hashToken } from "../../services/auth/tokens/opaque";
import { startApp, type HttpResult, type TestApp } from "../helpers/app";
import { Secrets, decodeJwt, expectError, login, registerUser, uniqueEmail, type Account, type Tokens } from "../helpers/kit";

const AUTH = "/api/v1/auth";
const AUDIT = "/api/v1/audit";
const ADMIN_EMAIL = "audit-root@example.com";
const ADMIN_PASSWORD = "root operator passphrase 9";
const UA = "AuditSuite/3.1 (jest; +https://example.com/ua)";
const VIEW_KEYS = ["actorId", "at", "details", "id", "ip", "outcome", "seq", "subjectId", "type", "userAgent"];
const PAGE_KEYS = ["page", "pageSize", "rows", "total", "totalPages"];

function auditLog(app: TestApp): Collection<AuditRecord> {
	const auth = app.broker.getLocalService("auth") as unknown as { auditLog?: Collection<AuditRecord> };
	if (!auth?.auditLog) throw new Error("the auth service has no auditLog collection");
	return auth.auditLog;
}

/** Every entry, newest first, through the paged admin route. */
async function allEntries(app: TestApp, token: string, query = ""): Promise<any[]> {
	const rows: any[] = [];
	for (let page = 1; ; page++) {
		const res = await app.request("GET", `${AUDIT}?pageSize=100&page=${page}${query ? `&${query}` : ""}`, { token });
		if (res.status !== 200) throw new Error(`audit list: ${res.status} ${res.text}`);
		rows.push(...res.body.rows);
		if (page >= res.body.totalPages) return rows;
	}
}

async function lastSeq(app: TestApp, token: string): Promise<number> {
	const res = await app.request("GET", `${AUDIT}?pageSize=1`, { token });
	expect(res.status).toBe(200);
	return res.body.rows[0]?.seq ?? 0;
}

/** The entries written after `mark`, oldest first. */
async function entriesSince(app: TestApp, token: string, mark: number): Promise<any[]> {
	const rows: any[] = [];
	for (let page = 1; ; page++) {
		const res = await app.request("GET", `${AUDIT}?pageSize=100&page=${page}`, { token });
		expect(res.status).toBe(200);
		const fresh = res.body.rows.filter((r: any) => r.seq > mark);
		rows.push(...fresh);
		if (fresh.length < res.body.rows.length || page >= res.body.totalPages) break;
	}
	return rows.reverse();
}

/** Every key anywhere in a JSON value. */
function keysOf(value: unknown, out: string[] = []): string[] {
	if (Array.isArray(value)) for (const v of value) keysOf(v, out);
	else if (value && typeof value === "object") {
		for (const [k, v] of Object.entries(value)) {
			out.push(k);
			keysOf(v, out);
		}
	}
	return out;
}

describe("audit trail", () => {
	let app: TestApp;
	let admin: Tokens;
	const secrets = new Secrets();
	/** Every secret value the suite handled, to look for in the audit JSON. */
	const secretValues: string[] = [];
	const keep = (...values: Array<string | undefined>) => {
		for (const v of values) {
			if (!v) continue;
			secretValues.push(v);
			// A refresh token's secret part, and the stored form (hash) of every token.
			const dot = v.lastIndexOf(".");
			if (dot > 0 && v.length - dot > 20) secretValues.push(v.slice(dot + 1), hashToken(v.slice(dot + 1)));
			secretValues.push(hashToken(v));
		}
	};
	const keepTokens = (t: Tokens) => keep(t.accessToken, t.refreshToken);

	/** A request from this suite's client: always with its User-Agent. */
	const call = <T = any>(method: string, path: string, opts: { body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<HttpResult<T>> =>
		app.request<T>(method, path, { ...opts, headers: { "user-agent": UA, ...opts.headers } });

	let alice: Account;
	let aliceSession: Tokens;
	let alicePassword: string;
	/** Entries seen by each step, checked again at the end against the listing. */
	const seen: any[] = [];

	async function step(work: () => Promise<void>): Promise<any[]> {
		const mark = await lastSeq(app, admin.accessToken);
		await work();
		const fresh = await entriesSince(app, admin.accessToken, mark);
		seen.push(...fresh);
		return fresh;
	}

	function expectOne(entries: any[], match: Record<string, unknown>): any {
		const found = entries.filter(e => Object.entries(match).every(([k, v]) => JSON.stringify(e[k]) === JSON.stringify(v)));
		if (found.length !== 1) throw new Error(`expected one entry ${JSON.stringify(match)}, found ${found.length} in ${JSON.stringify(entries, null, 1)}`);
		const entry = found[0];
		expect(Object.keys(entry).sort()).toEqual(VIEW_KEYS);
		expect(entry.ip).toBe("127.0.0.1");
		expect(entry.userAgent).toBe(UA);
		expect(new Date(entry.at).toISOString()).toBe(entry.at);
		expect(Math.abs(Date.now() - Date.parse(entry.at))).toBeLessThan(60_000);
		expect(typeof entry.id).toBe("string");
		expect(Number.isInteger(entry.seq)).toBe(true);
		return entry;
	}

	beforeAll(async () => {
		app = await startApp({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD, loginMaxFailures: 3 });
		admin = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD, { secrets });
		keep(ADMIN_PASSWORD);
		keepTokens(admin);
	});
	afterAll(() => app?.stop());

	describe("events", () => {
		it("register: success, subject and actor the new user", async () => {
			const email = uniqueEmail("audit-alice");
			alicePassword = "alice garden lantern 77";
			keep(alicePassword);
			let user: any;
			const entries = await step(async () => {
				const res = await call("POST", `${AUTH}/register`, { body: { email, password: alicePassword } });
				expect(res.status).toBe(201);
				user = res.body;
			});
			expectOne(entries, { type: "register", outcome: "success", subjectId: user.id, actorId: user.id });
			alice = { email, password: alicePassword, user };
		});

		it("register of a taken address: failure with a reason", async () => {
			const entries = await step(async () => {
				const res = await call("POST", `${AUTH}/register`, { body: { email: alice.email.toUpperCase(), password: "other garden lantern 78" } });
				expectError(res, 409, "EMAIL_TAKEN");
			});
			const e = expectOne(entries, { type: "register", outcome: "failure" });
			expect(e.details.reason).toBe("email_taken");
		});

		it("verify-email: success for the user", async () => {
			const token = await app.mail.tokenFor(alice.email, "verify-email");
			keep(token);
			const entries = await step(async () => {
				const res = await call("POST", `${AUTH}/verify-email`, { body: { token } });
				expect(res.status).toBe(200);
			});
			expectOne(entries, { type: "email.verify", outcome: "success", subjectId: alice.user.id, actorId: alice.user.id });
		});

		it("failed login, unknown address: failure, no subject", async () => {
			const email = uniqueEmail("nobody");
			const entries = await step(async () => {
				// Without TRUST_PROXY a client's X-Forwarded-For is not believed: the socket's address is recorded.
				const res = await call("POST", `${AUTH}/login`, { body: { email, password: "not the password 1" }, headers: { "x-forwarded-for": "6.6.6.6" } });
				expectError(res, 401, "INVALID_CREDENTIALS");
			});
			keep("not the password 1");
			const e = expectOne(entries, { type: "login", outcome: "failure", subjectId: null, actorId: null });
			expect(e.details.reason).toBe("invalid_credentials");
			expect(e.details.address).toBe(email.toLowerCase());
		});

		it("failed login, wrong password: failure, the account as subject", async () => {
			const entries = await step(async () => {
				const res = await call("POST", `${AUTH}/login`, { body: { email: alice.email, password: "wrong garden lantern 0" } });
				expectError(res, 401, "INVALID_CREDENTIALS");
			});
			keep("wrong garden lantern 0");
			const e = expectOne(entries, { type: "login", outcome: "failure", subjectId: alice.user.id, actorId: null });
			expect(e.details.reason).toBe("invalid_credentials");
		});

		it("successful login: success, actor and subject the user, the session named", async () => {
			let tokens!: Tokens;
			const entries = await step(async () => {
				const res = await call<Tokens>("POST", `${AUTH}/login`, { body: { email: alice.email, password: alice.password } });
				expect(res.status).toBe(200);
				tokens = res.body;
			});
			keepTokens(tokens);
			aliceSession = tokens;
			const e = expectOne(entries, { type: "login", outcome: "success", subjectId: alice.user.id, actorId: alice.user.id });
			expect(e.details.sessionId).toBe(decodeJwt(tokens.accessToken).payload.sid);
		});

		it("throttled login: one login.throttled failure per refused attempt", async () => {
			const email = uniqueEmail("locked");
			for (let i = 0; i < app.config.loginMaxFailures; i++) {
				const res = await call("POST", `${AUTH}/login`, { body: { email, password: `guess number ${i} here` } });
				expectError(res, 401, "INVALID_CREDENTIALS");
			}
			const entries = await step(async () => {
				const res = await call("POST", `${AUTH}/login`, { body: { email, password: "guess number 9 here" } });
				expectError(res, 429, "TOO_MANY_ATTEMPTS");
			});
			expect(entries).toHaveLength(1);
			const e = expectOne(entries, { type: "login.throttled", outcome: "failure" });
			expect(e.details.address).toBe(email.toLowerCase());
		});

		it("logout: this session, by the user", async () => {
			const second = await login(app, alice.email, alice.password, { secrets, headers: { "user-agent": UA } });
			keepTokens(second);
			const entries = await step(async () => {
				const res = await call("POST", `${AUTH}/logout`, { token: second.accessToken });
				expect(res.status).toBe(204);
			});
			const e = expectOne(entries, { type: "logout", outcome: "success", subjectId: alice.user.id, actorId: alice.user.id });
			expect(e.details.sessionId).toBe(decodeJwt(second.accessToken).payload.sid);
		});

		it("logout-all: by the user, with the number of sessions ended", async () => {
			const other = await login(app, alice.email, alice.password, { secrets });
			keepTokens(other);
			const entries = await step(async () => {
				const res = await call("POST", `${AUTH}/logout-all`, { token: aliceSession.accessToken });
				expect(res.status).toBe(204);
			});
			const e = expectOne(entries, { type: "logout.all", outcome: "success", subjectId: alice.user.id, actorId: alice.user.id });
			expect(e.details.sessions).toBe(2);
			aliceSession = await login(app, alice.email, alice.password, { secrets, headers: { "user-agent": UA } });
			keepTokens(aliceSession);
		});

		it("refresh-token reuse: failure, the session's user as subject", async () => {
			const t = await login(app, alice.email, alice.password, { secrets });
			keepTokens(t);
			const rotated = await call<Tokens>("POST", `${AUTH}/refresh`, { body: { refreshToken: t.refreshToken } });
			expect(rotated.status).toBe(200);
			keepTokens(rotated.body);
			app.clock.advance(10_001); // past REFRESH_REUSE_INTERVAL
			const entries = await step(async () => {
				const res = await call("POST", `${AUTH}/refresh`, { body: { refreshToken: t.refreshToken } });
				expectError(res, 401, "TOKEN_REUSED");
			});
			const e = expectOne(entries, { type: "refresh.reuse", outcome: "failure", subjectId: alice.user.id });
			expect(e.details.sessionId).toBe(decodeJwt(t.accessToken).payload.sid);
		});

		it("password forgot and reset: password.reset for the user, with the sessions ended", async () => {
			const forgot = await call("POST", `${AUTH}/password/forgot`, { body: { email: alice.email } });
			expect(forgot.status).toBe(202);
			const token = await app.mail.tokenFor(alice.email, "reset-password");
			keep(token);
			const newPassword = "reset orchard candle 55";
			keep(newPassword);
			const entries = await step(async () => {
				const res = await call("POST", `${AUTH}/password/reset`, { body: { token, password: newPassword } });
				expect(res.status).toBe(204);
			});
			const e = expectOne(entries, { type: "password.reset", outcome: "success", subjectId: alice.user.id, actorId: alice.user.id });
			// Alice's one live session: the one signed in after logout-all (reuse ended the other).
			expect(e.details.sessions).toBe(1);
			alice.password = newPassword;
			aliceSession = await login(app, alice.email, alice.password, { secrets, headers: { "user-agent": UA } });
			keepTokens(aliceSession);
		});

		it("password change with the wrong current password: failure", async () => {
			const entries = await step(async () => {
				const res = await call("POST", `${AUTH}/password/change`, {
					token: aliceSession.accessToken,
					body: { currentPassword: "not my password 123", newPassword: "changed meadow violin 31" }
				});
				expectError(res, 401, "INVALID_CREDENTIALS");
			});
			keep("not my password 123");
			const e = expectOne(entries, { type: "password.change", outcome: "failure", subjectId: alice.user.id, actorId: alice.user.id });
			expect(e.details.reason).toBe("invalid_credentials");
		});

		it("password change: success, by the user", async () => {
			const newPassword = "changed meadow violin 31";
			keep(newPassword);
			const entries = await step(async () => {
				const res = await call("POST", `${AUTH}/password/change`, { token: aliceSession.accessToken, body: { currentPassword: alice.password, newPassword } });
				expect(res.status).toBe(204);
			});
			expectOne(entries, { type: "password.change", outcome: "success", subjectId: alice.user.id, actorId: alice.user.id });
			alice.password = newPassword;
		});

		it("DELETE /auth/sessions/:id: session.end naming the session", async () => {
			const other = await login(app, alice.email, alice.password, { secrets });
			keepTokens(other);
			const sid = decodeJwt(other.accessToken).payload.sid;
			const entries = await step(async () => {
				const res = await call("DELETE", `${AUTH}/sessions/${sid}`, { token: aliceSession.accessToken });
				expect(res.status).toBe(204);
			});
			const e = expectOne(entries, { type: "session.end", outcome: "success", subjectId: alice.user.id, actorId: alice.user.id });
			expect(e.details.sessionId).toBe(sid);
		});

		it("keeps at most 512 characters of a user agent", async () => {
			const long = `LongAgent/${"z".repeat(700)}`;
			const mark = await lastSeq(app, admin.accessToken);
			const res = await app.request("POST", `${AUTH}/login`, { body: { email: uniqueEmail("long-ua"), password: "long agent password 1" }, headers: { "user-agent": long } });
			expectError(res, 401, "INVALID_CREDENTIALS");
			const [entry] = await entriesSince(app, admin.accessToken, mark);
			expect(entry.userAgent).toBe(long.slice(0, 512));
		});

		it("no route writes to the trail directly", async () => {
			// The trail's path is known (GET), so a POST there is 405; the others are unknown paths.
			expectError(await app.request("POST", AUDIT, { token: admin.accessToken, body: { type: "forged" } }), 405, "METHOD_NOT_ALLOWED");
			for (const [method, path] of [
				["POST", `${AUTH}/recordAudit`],
				["POST", `${AUDIT}/recordAudit`],
				["DELETE", `${AUDIT}/1`]
			]) {
				const res = await app.request(method, path, { token: admin.accessToken, body: { type: "forged" } });
				expectError(res, 404, "NOT_FOUND");
			}
			const forged = await app.request("GET", `${AUDIT}?type=forged`, { token: admin.accessToken });
			expect(forged.body.total).toBe(0);
		});

		describe("by an admin", () => {
			let victim: Account;
			beforeAll(async () => {
				victim = await registerUser(app, { secrets });
			});

			it("role change: user.roles with from/to, and the sessions ended, the admin as actor", async () => {
				const entries = await step(async () => {
					const res = await call("PATCH", `/api/v1/users/${victim.user.id}`, { token: admin.accessToken, body: { roles: ["user", "admin"] } });
					expect(res.status).toBe(200);
				});
				const e = expectOne(entries, { type: "user.roles", outcome: "success", subjectId: victim.user.id, actorId: admin.user.id });
				expect(e.details.from).toEqual(["user"]);
				expect([...e.details.to].sort()).toEqual(["admin", "user"]);
				expectOne(entries, { type: "sessions.end", subjectId: victim.user.id, actorId: admin.user.id });
			});

			it("disable: user.status active → disabled, the admin as actor", async () => {
				const entries = await step(async () => {
					const res = await call("PATCH", `/api/v1/users/${victim.user.id}`, { token: admin.accessToken, body: { status: "disabled" } });
					expect(res.status).toBe(200);
				});
				const e = expectOne(entries, { type: "user.status", outcome: "success", subjectId: victim.user.id, actorId: admin.user.id });
				expect(e.details).toMatchObject({ from: "active", to: "disabled" });
			});

			it("delete: user.delete, the admin as actor", async () => {
				const entries = await step(async () => {
					const res = await call("DELETE", `/api/v1/users/${victim.user.id}`, { token: admin.accessToken });
					expect(res.status).toBe(204);
				});
				expectOne(entries, { type: "user.delete", outcome: "success", subjectId: victim.user.id, actorId: admin.user.id });
			});
		});
	});

	describe("GET /api/v1/audit", () => {
		let all: any[];
		beforeAll(async () => {
			all = await allEntries(app, admin.accessToken);
		});

		it("is for admins only: 401 without a token, 403 for a user", async () => {
			for (const path of [AUDIT, `${AUDIT}/verify`]) {
				expectError(await app.request("GET", path), 401, "UNAUTHORIZED");
				expectError(await app.request("GET", path, { token: "not.a.jwt" }), 401, "INVALID_TOKEN");
				expectError(await app.request("GET", path, { token: aliceSession.accessToken }), 403, "FORBIDDEN");
			}
		});

		it("answers a page of entries, newest first, with consecutive seq", async () => {
			const res = await app.request("GET", AUDIT, { token: admin.accessToken });
			expect(res.status).toBe(200);
			expect(Object.keys(res.body).sort()).toEqual(PAGE_KEYS);
			expect(res.body.page).toBe(1);
			expect(res.body.pageSize).toBe(20);
			expect(res.body.total).toBe(all.length);
			expect(res.body.totalPages).toBe(Math.ceil(all.length / 20));
			expect(res.body.rows).toEqual(all.slice(0, 20));
			for (const row of all) expect(Object.keys(row).sort()).toEqual(VIEW_KEYS);
			const seqs = all.map(r => r.seq);
			expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
			expect(seqs[seqs.length - 1]).toBe(1);
			expect(seqs[0]).toBe(all.length);
			expect(new Set(all.map(r => r.id)).size).toBe(all.length);
			// Every entry a step saw is listed, unchanged.
			for (const e of seen) expect(all).toContainEqual(e);
		});

		it("holds no password, token or hash anywhere", async () => {
			const text = JSON.stringify(all);
			expect(secretValues.length).toBeGreaterThan(20);
			for (const value of secretValues) {
				if (text.includes(value)) throw new Error(`a secret (${value.slice(0, 8)}…) is in the audit trail`);
			}
			for (const key of keysOf(all)) expect(key).not.toMatch(/password|token|hash|secret/i);
			expect(text).not.toMatch(/\$2[abxy]\$\d\d\$/); // bcrypt
			expect(text).not.toMatch(/\b[0-9a-f]{64}\b/); // the chain's hashes
		});

		it("filters by userId: entries where the user is subject or actor", async () => {
			const res = await app.request("GET", `${AUDIT}?userId=${alice.user.id}&pageSize=100`, { token: admin.accessToken });
			expect(res.status).toBe(200);
			const expected = all.filter(e => e.subjectId === alice.user.id || e.actorId === alice.user.id);
			expect(expected.length).toBeGreaterThan(10);
			expect(res.body.total).toBe(expected.length);
			expect(res.body.rows).toEqual(expected);
			const none = await app.request("GET", `${AUDIT}?userId=no-such-user`, { token: admin.accessToken });
			expect(none.status).toBe(200);
			expect(none.body).toMatchObject({ rows: [], total: 0 });
		});

		it("filters by type", async () => {
			const res = await app.request("GET", `${AUDIT}?type=login&pageSize=100`, { token: admin.accessToken });
			expect(res.status).toBe(200);
			const expected = all.filter(e => e.type === "login");
			expect(expected.length).toBeGreaterThan(3);
			expect(res.body.rows).toEqual(expected);
			expect(res.body.total).toBe(expected.length);
			expect(new Set(res.body.rows.map((r: any) => r.outcome))).toEqual(new Set(["success", "failure"]));
			const both = await app.request("GET", `${AUDIT}?type=login&userId=${alice.user.id}&pageSize=100`, { token: admin.accessToken });
			expect(both.body.rows).toEqual(expected.filter(e => e.subjectId === alice.user.id || e.actorId === alice.user.id));
		});

		it("filters by time: from and to (ISO), inclusive", async () => {
			const oldestFirst = [...all].reverse();
			const from = oldestFirst[Math.floor(oldestFirst.length / 4)].at;
			const to = oldestFirst[Math.floor((oldestFirst.length * 3) / 4)].at;
			const within = (e: any) => Date.parse(e.at) >= Date.parse(from) && Date.parse(e.at) <= Date.parse(to);
			const expected = all.filter(within);
			expect(expected.length).toBeGreaterThan(0);
			expect(expected.length).toBeLessThan(all.length);

			const both = await app.request("GET", `${AUDIT}?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&pageSize=100`, { token: admin.accessToken });
			expect(both.status).toBe(200);
			expect(both.body.rows).toEqual(expected);
			expect(both.body.total).toBe(expected.length);

			const onlyFrom = await app.request("GET", `${AUDIT}?from=${encodeURIComponent(to)}&pageSize=100`, { token: admin.accessToken });
			expect(onlyFrom.body.rows).toEqual(all.filter(e => Date.parse(e.at) >= Date.parse(to)));
			const onlyTo = await app.request("GET", `${AUDIT}?to=${encodeURIComponent(from)}&pageSize=100`, { token: admin.accessToken });
			expect(onlyTo.body.rows).toEqual(all.filter(e => Date.parse(e.at) <= Date.parse(from)));

			const future = await app.request("GET", `${AUDIT}?from=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`, { token: admin.accessToken });
			expect(future.body).toMatchObject({ rows: [], total: 0 });

			// Plain dates (midnight UTC) work too.
			const firstDay = oldestFirst[0].at.slice(0, 10);
			const dayBefore = new Date(Date.parse(firstDay) - 86_400_000).toISOString().slice(0, 10);
			const sinceDay = await app.request("GET", `${AUDIT}?from=${firstDay}&pageSize=1`, { token: admin.accessToken });
			expect(sinceDay.status).toBe(200);
			expect(sinceDay.body.total).toBe(all.length);
			const untilDayBefore = await app.request("GET", `${AUDIT}?to=${dayBefore}`, { token: admin.accessToken });
			expect(untilDayBefore.status).toBe(200);
			expect(untilDayBefore.body.total).toBe(0);
		});

		it("pages: pageSize and page, newest first, no overlap", async () => {
			const size = 4;
			const pages: any[] = [];
			for (let page = 1; page <= 3; page++) {
				const res = await app.request("GET", `${AUDIT}?pageSize=${size}&page=${page}`, { token: admin.accessToken });
				expect(res.status).toBe(200);
				expect(res.body).toMatchObject({ page, pageSize: size, total: all.length, totalPages: Math.ceil(all.length / size) });
				expect(res.body.rows).toHaveLength(size);
				pages.push(...res.body.rows);
			}
			expect(pages).toEqual(all.slice(0, 3 * size));
			const beyond = await app.request("GET", `${AUDIT}?pageSize=${size}&page=${Math.ceil(all.length / size) + 1}`, { token: admin.accessToken });
			expect(beyond.status).toBe(200);
			expect(beyond.body.rows).toEqual([]);
		});

		it.each([
			["pageSize=0", "pageSize=0"],
			["pageSize=101", "pageSize=101"],
			["page=0", "page=0"],
			["from=not-a-date", "from=not-a-date"],
			["a 101-character userId", `userId=${"x".repeat(101)}`]
		])("refuses %s with 422", async (_label, query) => {
			expectError(await app.request("GET", `${AUDIT}?${query}`, { token: admin.accessToken }), 422, "VALIDATION_ERROR");
		});
	});

	describe("GET /api/v1/audit/verify", () => {
		it("answers ok with the number of entries checked", async () => {
			const total = (await app.request("GET", `${AUDIT}?pageSize=1`, { token: admin.accessToken })).body.total;
			const res = await app.request("GET", `${AUDIT}/verify`, { token: admin.accessToken });
			expect(res.status).toBe(200);
			expect(res.body).toEqual({ ok: true, checked: total });
			expect(total).toBeGreaterThan(20);
		});

		it("finds an entry whose details were altered in the store, at its seq", async () => {
			const all = await allEntries(app, admin.accessToken);
			const target = all.find(e => e.type === "login" && e.outcome === "failure" && e.subjectId === alice.user.id)!;
			expect(target).toBeDefined();
			const updated = await auditLog(app).updateById(target.id, { $set: { details: { ...target.details, reason: "nothing happened" } } });
			expect(updated?.details.reason).toBe("nothing happened");
			const res = await app.request("GET", `${AUDIT}/verify`, { token: admin.accessToken });
			expect(res.status).toBe(200);
			expect(res.body.ok).toBe(false);
			expect(res.body.brokenAt).toBe(target.seq);
			expect(res.body.checked).toBe(target.seq - 1);
			expect(typeof res.body.reason).toBe("string");

			// Put back as it was: the chain holds again.
			await auditLog(app).updateById(target.id, { $set: { details: target.details } });
			expect((await app.request("GET", `${AUDIT}/verify`, { token: admin.accessToken })).body).toMatchObject({ ok: true });
		});

		it("finds an altered top-level field too (the user agent)", async () => {
			const [newest] = await allEntries(app, admin.accessToken);
			await auditLog(app).updateById(newest.id, { $set: { userAgent: "someone else" } });
			const res = await app.request("GET", `${AUDIT}/verify`, { token: admin.accessToken });
			expect(res.body).toMatchObject({ ok: false, brokenAt: newest.seq });
			await auditLog(app).updateById(newest.id, { $set: { userAgent: newest.userAgent } });
		});
	});
});

describe("audit trail: removal and concurrent appends", () => {
	let app: TestApp;
	let admin: Tokens;
	const secrets = new Secrets();

	beforeAll(async () => {
		app = await startApp({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
		admin = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD, { secrets });
	});
	afterAll(() => app?.stop());

	it("20 failed logins at once: 20 entries with distinct consecutive seq, the chain intact", async () => {
		const mark = await lastSeq(app, admin.accessToken);
		expect(mark).toBeGreaterThan(0);
		const addresses = Array.from({ length: 20 }, () => uniqueEmail("burst"));
		const answers = await Promise.all(addresses.map(email => app.request("POST", `${AUTH}/login`, { body: { email, password: "burst password 12345" } })));
		for (const res of answers) expectError(res, 401, "INVALID_CREDENTIALS");

		const fresh = await entriesSince(app, admin.accessToken, mark);
		expect(fresh).toHaveLength(20);
		expect(fresh.map(e => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => mark + 1 + i));
		for (const e of fresh) expect(e).toMatchObject({ type: "login", outcome: "failure", subjectId: null });
		expect(fresh.map(e => e.details.address).sort()).toEqual(addresses.map(a => a.toLowerCase()).sort());

		const verdict = await app.request("GET", `${AUDIT}/verify`, { token: admin.accessToken });
		expect(verdict.body).toEqual({ ok: true, checked: mark + 20 });
	});

	it("a removed middle entry breaks the chain at its seq", async () => {
		const all = await allEntries(app, admin.accessToken);
		expect(all.length).toBeGreaterThan(10);
		const middle = all[Math.floor(all.length / 2)];
		await auditLog(app).removeById(middle.id);
		const after = await allEntries(app, admin.accessToken);
		expect(after).toHaveLength(all.length - 1);
		const res = await app.request("GET", `${AUDIT}/verify`, { token: admin.accessToken });
		expect(res.status).toBe(200);
		expect(res.body.ok).toBe(false);
		expect(res.body.brokenAt).toBe(middle.seq);
		expect(res.body.checked).toBe(middle.seq - 1);
	});

	it("new entries are still appended after the break, and the break is still reported", async () => {
		const before = await lastSeq(app, admin.accessToken);
		const res = await app.request("POST", `${AUTH}/login`, { body: { email: uniqueEmail("later"), password: "later password 12345" } });
		expectError(res, 401, "INVALID_CREDENTIALS");
		expect(await lastSeq(app, admin.accessToken)).toBe(before + 1);
		expect((await app.request("GET", `${AUDIT}/verify`, { token: admin.accessToken })).body.ok).toBe(false);
	});
});
