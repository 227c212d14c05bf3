import { startApp, type TestApp } from "../helpers/app";
import { expectError, isIsoTime, login, registerUser, sleep, type TestUser } from "../helpers/kit";

const NOTIFICATIONS = "/api/v1/notifications";
const NEW_PASSWORD = "a second sturdy passphrase";

describe("/api/v1/notifications", () => {
	let app: TestApp;
	let ann: TestUser;
	let ben: TestUser;
	/** Ann's notifications before the security events (registration may or may not create some). */
	let baseline: { total: number; unread: number; ids: string[] };

	async function listFor(token: string, query = "") {
		const res = await app.request("GET", `${NOTIFICATIONS}${query ? `?${query}` : ""}`, { token });
		expect(res.status).toBe(200);
		return res.body;
	}

	beforeAll(async () => {
		app = await startApp();
		ann = await registerUser(app, { login: true, displayName: "Ann" });
		ben = await registerUser(app, { login: true, displayName: "Ben" });
		const first = await listFor(ann.accessToken, "pageSize=100");
		baseline = { total: first.total, unread: first.unread, ids: first.rows.map((r: any) => r.id) };
	});
	afterAll(() => app.stop());

	it("is 401 without a token on every route", async () => {
		expectError(await app.request("GET", NOTIFICATIONS), 401, "UNAUTHORIZED");
		expectError(await app.request("POST", `${NOTIFICATIONS}/read-all`), 401, "UNAUTHORIZED");
		expectError(await app.request("POST", `${NOTIFICATIONS}/00000000-0000-4000-8000-000000000000/read`), 401, "UNAUTHORIZED");
		expectError(await app.request("GET", NOTIFICATIONS, { token: "garbage.token.here" }), 401, "INVALID_TOKEN");
	});

	it("answers {rows,total,page,pageSize,totalPages,unread}", async () => {
		const body = await listFor(ann.accessToken);
		expect(Object.keys(body).sort()).toEqual(["page", "pageSize", "rows", "total", "totalPages", "unread"]);
		expect(body.page).toBe(1);
		expect(typeof body.pageSize).toBe("number");
		expect(body.total).toBe(baseline.total);
		expect(body.totalPages).toBe(Math.ceil(body.total / body.pageSize));
		expect(body.unread).toBeLessThanOrEqual(body.total);
	});

	it("a password change and a logout-all each create a notification (and an e-mail), newest first", async () => {
		const change = await app.request("POST", "/api/v1/auth/password/change", {
			token: ann.accessToken,
			body: { currentPassword: ann.password, newPassword: NEW_PASSWORD }
		});
		expect(change.status).toBe(204);
		// Same millisecond timestamps would make "newest first" ambiguous.
		await sleep(20);
		const all = await app.request("POST", "/api/v1/auth/logout-all", { token: ann.accessToken });
		expect(all.status).toBe(204);
		ann = { ...ann, ...(await login(app, ann.email, NEW_PASSWORD)), password: NEW_PASSWORD };

		const body = await listFor(ann.accessToken, "pageSize=100");
		expect(body.total).toBe(baseline.total + 2);
		expect(body.unread).toBe(baseline.unread + 2);
		const fresh = body.rows.filter((r: any) => !baseline.ids.includes(r.id));
		expect(fresh).toHaveLength(2);
		// Newest first: the logout-all notice, then the password notice.
		expect(body.rows[0].id).toBe(fresh[0].id);
		expect(fresh[0]).toMatchObject({ type: "sessions-ended", title: "You were signed out everywhere" });
		expect(fresh[1]).toMatchObject({ type: "password-changed", title: "Your password was changed" });
		for (const row of fresh) {
			expect(typeof row.id).toBe("string");
			expect(isIsoTime(row.createdAt)).toBe(true);
			expect(row.read).toBe(false);
		}
		const times = body.rows.map((r: any) => Date.parse(r.createdAt));
		expect(times).toEqual([...times].sort((a, b) => b - a));
		expect(Date.parse(fresh[0].createdAt)).toBeGreaterThan(Date.parse(fresh[1].createdAt));

		await app.mail.waitFor(m => m.to === ann.email && /password was changed/i.test(m.subject));
		await app.mail.waitFor(m => m.to === ann.email && /signed out/i.test(m.subject));
	});

	it("pages", async () => {
		const total = baseline.total + 2;
		const p1 = await listFor(ann.accessToken, "pageSize=1&page=1");
		expect(p1.rows).toHaveLength(1);
		expect(p1).toMatchObject({ total, page: 1, pageSize: 1, totalPages: total });
		const p2 = await listFor(ann.accessToken, "pageSize=1&page=2");
		expect(p2.rows).toHaveLength(1);
		expect(p2.rows[0].id).not.toBe(p1.rows[0].id);
		const all = await listFor(ann.accessToken, "pageSize=100");
		expect([p1.rows[0].id, p2.rows[0].id]).toEqual(all.rows.slice(0, 2).map((r: any) => r.id));
		const beyond = await listFor(ann.accessToken, `pageSize=1&page=${total + 1}`);
		expect(beyond.rows).toEqual([]);
		for (const query of ["pageSize=101", "pageSize=0", "page=0", "pageSize[$gt]=0", "page=x"]) {
			expectError(await app.request("GET", `${NOTIFICATIONS}?${query}`, { token: ann.accessToken }), 422, "VALIDATION_ERROR");
		}
	});

	it("one user never sees another's notifications", async () => {
		const annIds = (await listFor(ann.accessToken, "pageSize=100")).rows.map((r: any) => r.id);
		const benRows = (await listFor(ben.accessToken, "pageSize=100")).rows.map((r: any) => r.id);
		for (const id of annIds) expect(benRows).not.toContain(id);
	});

	it("POST /:id/read marks one read (204) and unread goes down; again is harmless", async () => {
		const before = await listFor(ann.accessToken, "pageSize=100");
		const target = before.rows.find((r: any) => !r.read);
		expect(target).toBeDefined();
		const res = await app.request("POST", `${NOTIFICATIONS}/${target.id}/read`, { token: ann.accessToken });
		expect(res.status).toBe(204);
		expect(res.text).toBe("");
		const after = await listFor(ann.accessToken, "pageSize=100");
		expect(after.unread).toBe(before.unread - 1);
		expect(after.total).toBe(before.total);
		expect(after.rows.find((r: any) => r.id === target.id).read).toBe(true);
		// Others untouched.
		const others = after.rows.filter((r: any) => r.id !== target.id);
		expect(others.filter((r: any) => !r.read)).toHaveLength(before.unread - 1);

		const again = await app.request("POST", `${NOTIFICATIONS}/${target.id}/read`, { token: ann.accessToken });
		expect(again.status).toBe(204);
		expect((await listFor(ann.accessToken)).unread).toBe(before.unread - 1);
	});

	it("someone else's notification is 404, and stays unread", async () => {
		const annRows = (await listFor(ann.accessToken, "pageSize=100")).rows;
		const unreadOfAnn = annRows.find((r: any) => !r.read);
		expect(unreadOfAnn).toBeDefined();
		const res = await app.request("POST", `${NOTIFICATIONS}/${unreadOfAnn.id}/read`, { token: ben.accessToken });
		expectError(res, 404, "NOT_FOUND");
		const after = (await listFor(ann.accessToken, "pageSize=100")).rows.find((r: any) => r.id === unreadOfAnn.id);
		expect(after.read).toBe(false);
	});

	it("?unread=true lists only the unread ones, ?unread=false only the read ones; anything else is 422", async () => {
		const all = await listFor(ann.accessToken, "pageSize=100");
		const unreadIds = all.rows.filter((r: any) => !r.read).map((r: any) => r.id);
		const readIds = all.rows.filter((r: any) => r.read).map((r: any) => r.id);
		expect(unreadIds.length).toBeGreaterThan(0);
		expect(readIds.length).toBeGreaterThan(0);
		const unread = await listFor(ann.accessToken, "unread=true&pageSize=100");
		expect({ ids: unread.rows.map((r: any) => r.id), total: unread.total, unread: unread.unread }).toEqual({ ids: unreadIds, total: unreadIds.length, unread: unreadIds.length });
		const read = await listFor(ann.accessToken, "unread=false&pageSize=100");
		// `unread` stays the count of all unread ones (a badge), whatever the page shows.
		expect({ ids: read.rows.map((r: any) => r.id), total: read.total, unread: read.unread }).toEqual({ ids: readIds, total: readIds.length, unread: unreadIds.length });
		expectError(await app.request("GET", `${NOTIFICATIONS}?unread=maybe`, { token: ann.accessToken }), 422, "VALIDATION_ERROR");
		expectError(await app.request("GET", `${NOTIFICATIONS}?onlyUnread=true`, { token: ann.accessToken }), 422, "VALIDATION_ERROR");
	});

	it("an unknown id is 404", async () => {
		expectError(await app.request("POST", `${NOTIFICATIONS}/00000000-0000-4000-8000-000000000000/read`, { token: ann.accessToken }), 404, "NOT_FOUND");
		expectError(await app.request("POST", `${NOTIFICATIONS}/${encodeURIComponent('{"$ne":null}')}/read`, { token: ann.accessToken }), 404, "NOT_FOUND");
	});

	it("POST /read-all marks everything read (204) and only the caller's", async () => {
		// Give Ben something unread first.
		expect((await app.request("POST", "/api/v1/auth/logout-all", { token: ben.accessToken })).status).toBe(204);
		ben = { ...ben, ...(await login(app, ben.email, ben.password)) };
		const benBefore = await listFor(ben.accessToken);
		expect(benBefore.unread).toBeGreaterThan(0);

		const res = await app.request("POST", `${NOTIFICATIONS}/read-all`, { token: ann.accessToken });
		expect(res.status).toBe(204);
		expect(res.text).toBe("");
		const after = await listFor(ann.accessToken, "pageSize=100");
		expect(after.unread).toBe(0);
		expect(after.rows.every((r: any) => r.read === true)).toBe(true);
		expect(after.total).toBe(baseline.total + 2);
		expect((await listFor(ben.accessToken)).unread).toBe(benBefore.unread);

		// A new event is unread again.
		const change = await app.request("POST", "/api/v1/auth/password/change", {
			token: ann.accessToken,
			body: { currentPassword: NEW_PASSWORD, newPassword: "a third sturdy passphrase" }
		});
		expect(change.status).toBe(204);
		const later = await listFor(ann.accessToken);
		expect(later.unread).toBe(1);
		expect(later.total).toBe(baseline.total + 3);
		expect(later.rows[0].read).toBe(false);
	});

	describe("e-mail delivery survives an SMTP failure", () => {
		afterEach(() => {
			app.mail.failWith = null;
		});

		it("answers 202 at once while SMTP refuses, and delivers after a retry", async () => {
			const cara = await registerUser(app, { login: true, displayName: "Cara" });
			const isReset = (m: { to: string; text: string }) => m.to === cara.email && /\/reset-password\?token=/.test(m.text);
			// Let the e-mails of sign-up go out first: only the reset e-mail should meet the failure.
			let count = -1;
			while (count !== app.mail.messages.length) {
				count = app.mail.messages.length;
				await sleep(400);
			}
			app.mail.failWith = 451;

			const started = Date.now();
			const res = await app.request("POST", "/api/v1/auth/password/forgot", { body: { email: cara.email } });
			expect(res.status).toBe(202);
			expect(Date.now() - started).toBeLessThan(1500);

			// The first attempt is made, refused and logged as a failure to be retried.
			const deadline = Date.now() + 5000;
			const refused = (l: string) => l.includes(cara.email) && /reset/i.test(l) && /fail/i.test(l);
			while (!app.logs.some(refused) && Date.now() < deadline) await sleep(50);
			expect(app.logs.some(refused)).toBe(true);
			expect(app.mail.messages.some(isReset)).toBe(false);

			app.mail.failWith = null;
			const refusedAt = Date.now();
			const mail = await app.mail.waitFor(isReset, 20_000);
			// It came with a retry, not at once.
			expect(Date.now() - refusedAt).toBeGreaterThan(1000);
			expect(mail.subject).toMatch(/reset/i);
			// The link in it works.
			const token = await app.mail.tokenFor(cara.email, "reset-password");
			const reset = await app.request("POST", "/api/v1/auth/password/reset", { body: { token, password: "a recovered passphrase" } });
			expect(reset.status).toBe(204);
			expect(app.mail.messages.filter(isReset)).toHaveLength(1);
			// The one-time link never reaches a log line, not even in the failure report.
			expect(app.logs.join("\n")).not.toContain(token);
			expect(app.logs.join("\n")).not.toContain("a recovered passphrase");
		}, 40_000);
	});
});
