import { startApp, type TestApp } from "../helpers/app";
import { expectError, login, registerUser, sleep, uniqueEmail, type TestUser } from "../helpers/kit";
import {
	NO_USER,
	clusterHealth,
	endSessions,
	listFailedMail,
	retryMail,
	setAdmin,
	setUserStatus,
	showUser,
	type CommandOutput
} from "../../operator";

/**
 * The REPL's operator commands against the real backend: the same functions the `npm run repl` commands
 * call, given the broker, and their effects seen through HTTP and SMTP.
 */

const USERS = "/api/v1/users";

/** Nothing secret in any command's output. */
function expectClean(out: CommandOutput, ...secrets: string[]): void {
	expect(out.text).not.toMatch(/\$2[abxy]?\$\d{2}\$/);
	expect(out.text).not.toMatch(/\beyJ[\w-]+\.[\w-]+/);
	expect(out.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
	for (const secret of secrets) expect(out.text).not.toContain(secret);
}

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await sleep(100);
	}
}

describe("REPL operator commands (operator/) against the real backend", () => {
	let app: TestApp;
	let ada: TestUser;
	let bob: TestUser;

	beforeAll(async () => {
		app = await startApp();
		ada = await registerUser(app, { login: true, displayName: "Ada" });
		bob = await registerUser(app, { login: true, displayName: "Bob" });
	});
	afterAll(() => app.stop());

	describe("user <email>", () => {
		it("prints the public user, looked up case-insensitively, with no hash or token", async () => {
			const out = await showUser(app.broker, `  ${ada.email.toUpperCase()} `);
			expect(out.ok).toBe(true);
			expect(out.text).toMatch(new RegExp(`^id\\s+${ada.user.id}$`, "m"));
			expect(out.text).toMatch(new RegExp(`^email\\s+${ada.email.replace(/[.]/g, "\\.")}$`, "m"));
			expect(out.text).toMatch(/^displayName\s+Ada$/m);
			expect(out.text).toMatch(/^roles\s+user$/m);
			expect(out.text).toMatch(/^status\s+active$/m);
			expect(out.text).toMatch(/^emailVerified\s+true$/m);
			expect(out.text).not.toMatch(/password|emailKey|_id/i);
			expectClean(out, ada.accessToken, ada.refreshToken, ada.password);
		});

		it("an unknown address is one clear line", async () => {
			const out = await showUser(app.broker, "nobody-here@example.com");
			expect(out).toEqual({ ok: false, text: `${NO_USER}: nobody-here@example.com` });
		});
	});

	describe("user-disable / user-enable", () => {
		it("disabling ends the sessions at once and refuses login; enabling restores login", async () => {
			const session = await login(app, ada.email, ada.password);
			expect((await app.request("GET", `${USERS}/me`, { token: session.accessToken })).status).toBe(200);

			const disabled = await setUserStatus(app.broker, ada.email, "disabled");
			expect(disabled.ok).toBe(true);
			expect(disabled.text).toContain(`Disabled ${ada.email}`);
			expectClean(disabled, session.accessToken);

			expectError(await app.request("GET", `${USERS}/me`, { token: session.accessToken }), 401, "INVALID_TOKEN");
			expectError(await app.request("POST", "/api/v1/auth/login", { body: { email: ada.email, password: ada.password } }), 403, "ACCOUNT_DISABLED");
			expect((await showUser(app.broker, ada.email)).text).toMatch(/^status\s+disabled$/m);

			// Again: nothing to do, said plainly.
			expect(await setUserStatus(app.broker, ada.email, "disabled")).toEqual({ ok: true, text: `${ada.email} is already disabled; nothing changed.` });

			const enabled = await setUserStatus(app.broker, ada.email, "active");
			expect(enabled).toEqual({ ok: true, text: `Enabled ${ada.email}: they can sign in again.` });
			const again = await login(app, ada.email, ada.password);
			expect((await app.request("GET", `${USERS}/me`, { token: again.accessToken })).status).toBe(200);
			ada = { ...ada, ...again };
		});

		it("an unknown address changes nothing and says so", async () => {
			expect(await setUserStatus(app.broker, "ghost@example.com", "disabled")).toEqual({ ok: false, text: `${NO_USER}: ghost@example.com` });
		});
	});

	describe("admin-grant / admin-revoke", () => {
		it("admin-grant lets the user list users after signing in again; the old token is ended", async () => {
			expectError(await app.request("GET", USERS, { token: bob.accessToken }), 403, "FORBIDDEN");

			const out = await setAdmin(app.broker, bob.email, true);
			expect(out.ok).toBe(true);
			expect(out.text).toMatch(/is now an admin \(roles: user, admin\)/);
			expectClean(out, bob.accessToken);

			// A role change ends the sessions: the token issued before no longer works.
			expectError(await app.request("GET", USERS, { token: bob.accessToken }), 401, "INVALID_TOKEN");
			bob = { ...bob, ...(await login(app, bob.email, bob.password)) };
			const list = await app.request<any>("GET", `${USERS}?pageSize=100`, { token: bob.accessToken });
			expect(list.status).toBe(200);
			expect(list.body.rows.map((r: any) => r.email)).toEqual(expect.arrayContaining([ada.email, bob.email]));
			expect((await showUser(app.broker, bob.email)).text).toMatch(/^roles\s+user, admin$/m);
		});

		it("revoking or disabling the last admin prints LAST_ADMIN and changes nothing", async () => {
			const revoke = await setAdmin(app.broker, bob.email, false);
			expect(revoke.ok).toBe(false);
			expect(revoke.text).toBe("Refused: The last active admin cannot be removed (LAST_ADMIN)");

			const disable = await setUserStatus(app.broker, bob.email, "disabled");
			expect(disable).toEqual({ ok: false, text: "Refused: The last active admin cannot be removed (LAST_ADMIN)" });

			// Still an admin, still signed in.
			expect((await app.request("GET", USERS, { token: bob.accessToken })).status).toBe(200);
			expect((await showUser(app.broker, bob.email)).text).toMatch(/^roles\s+user, admin$/m);
		});

		it("with another admin, admin-revoke takes the role away", async () => {
			expect((await setAdmin(app.broker, ada.email, true)).ok).toBe(true);
			const out = await setAdmin(app.broker, bob.email, false);
			expect(out.ok).toBe(true);
			expect(out.text).toMatch(/is no longer an admin \(roles: user\)/);
			bob = { ...bob, ...(await login(app, bob.email, bob.password)) };
			expectError(await app.request("GET", USERS, { token: bob.accessToken }), 403, "FORBIDDEN");
			ada = { ...ada, ...(await login(app, ada.email, ada.password)) };
			expect((await app.request("GET", USERS, { token: ada.accessToken })).status).toBe(200);
		});
	});

	describe("sessions-end <email>", () => {
		it("ends every session of the user at once and prints how many", async () => {
			const second = await login(app, bob.email, bob.password);
			const out = await endSessions(app.broker, bob.email);
			expect(out.ok).toBe(true);
			// Bob's sessions: the sign-in after admin-revoke (which ended the earlier ones) and `second` above.
			expect(out.text).toBe(`Ended 2 sessions of ${bob.email}.`);
			expectClean(out, bob.accessToken, second.accessToken, second.refreshToken);

			expectError(await app.request("GET", `${USERS}/me`, { token: bob.accessToken }), 401, "INVALID_TOKEN");
			expectError(await app.request("GET", `${USERS}/me`, { token: second.accessToken }), 401, "INVALID_TOKEN");
			expectError(await app.request("POST", "/api/v1/auth/refresh", { body: { refreshToken: second.refreshToken } }), 401, "INVALID_TOKEN");

			expect(await endSessions(app.broker, bob.email)).toEqual({ ok: true, text: `Ended 0 sessions of ${bob.email}.` });
			// Signing in again still works: only the sessions ended.
			bob = { ...bob, ...(await login(app, bob.email, bob.password)) };
		});

		it("an unknown address is one clear line", async () => {
			expect(await endSessions(app.broker, "ghost@example.com")).toEqual({ ok: false, text: `${NO_USER}: ghost@example.com` });
		});
	});

	describe("mail-failed / mail-retry", () => {
		afterEach(() => {
			app.mail.failWith = null;
		});

		it("lists an e-mail the SMTP server refused until the service gave up, and sends it again on mail-retry", async () => {
			expect(await listFailedMail(app.broker)).toEqual({ ok: true, text: "No failed e-mail deliveries." });
			expect(await retryMail(app.broker)).toEqual({ ok: true, text: "No failed e-mail deliveries; nothing queued." });

			// Let the sign-up e-mails go out first: only this e-mail should meet the refusal.
			let count = -1;
			while (count !== app.mail.messages.length) {
				count = app.mail.messages.length;
				await sleep(400);
			}
			app.mail.failWith = 550;
			const to = uniqueEmail("bounce");
			const { id } = await app.broker.call<{ id: string }, object>("notifications.send", { to, template: "welcome", data: { displayName: "Bounce" } });

			// The service's own store of deliveries (test-only access; the service code is untouched).
			const deliveries = (app.broker.getLocalService("notifications") as any).deliveries;
			await until("the first refused attempt", async () => {
				const d = await deliveries.findById(id);
				return d && d.status === "pending" && d.attempts === 1 && d.lastError;
			});
			// Instead of waiting out a day of backoff: the next attempt is the last one, and it is due now.
			await deliveries.updateById(id, { $set: { attempts: 11, nextAttemptAt: new Date() } });
			await until("the service to give up", async () => (await deliveries.findById(id))?.status === "failed");

			const listed = await listFailedMail(app.broker);
			expect(listed.ok).toBe(true);
			const row = listed.text.split("\n").find(l => l.startsWith(id));
			expect(row).toBeDefined();
			expect(row).toMatch(new RegExp(`^${id}\\s+${to.replace(/[.]/g, "\\.")}\\s+welcome\\s+12\\s+\\S+\\s+\\S`));
			expect(row).toMatch(/\b550 Mailbox temporarily unavailable/);
			expect(listed.text).toMatch(/^1 failed delivery\. /m);
			expectClean(listed);
			expect((await listFailedMail(app.broker, "1")).text).toContain(id);
			expect(await listFailedMail(app.broker, "0")).toEqual({ ok: false, text: "--limit must be a whole number from 1 to 100" });

			app.mail.failWith = null;
			expect(await retryMail(app.broker, "no-such-delivery")).toEqual({ ok: true, text: "No failed delivery with id no-such-delivery; nothing queued." });
			expect(await retryMail(app.broker, id)).toEqual({ ok: true, text: "Queued 1 delivery again." });
			const mail = await app.mail.waitFor(m => m.to === to, 15_000);
			expect(mail.subject).toMatch(/welcome/i);
			await until("the delivery to be sent", async () => (await deliveries.findById(id))?.status === "sent");
			expect(await listFailedMail(app.broker)).toEqual({ ok: true, text: "No failed e-mail deliveries." });
			expect(await retryMail(app.broker, id)).toEqual({ ok: true, text: `No failed delivery with id ${id}; nothing queued.` });
		}, 60_000);
	});

	describe("cluster", () => {
		it("names this node and its services, and says users and auth reach their stores", async () => {
			const out = await clusterHealth(app.broker);
			expect(out.ok).toBe(true);
			const node = app.broker.nodeID.replace(/[.]/g, "\\.");
			expect(out.text).toMatch(/^Nodes \(1 available of 1\)$/m);
			expect(out.text).toMatch(new RegExp(`^${node} \\(this\\)\\s+available\\s+\\S+\\s+api, auth, notifications, users$`, "m"));
			expect(out.text).toMatch(new RegExp(`^users\\s+${node}\\s+reachable$`, "m"));
			expect(out.text).toMatch(new RegExp(`^auth\\s+${node}\\s+reachable$`, "m"));
			expect(out.text).toMatch(new RegExp(`^notifications\\s+${node}\\s+reachable$`, "m"));
			expectClean(out);
		});

		it("a service that no node runs is reported unreachable, without throwing", async () => {
			const out = await clusterHealth(app.broker, { services: ["users", "ghost"], timeout: 500 });
			expect(out.ok).toBe(true);
			expect(out.text).toMatch(/^users\s+\S+\s+reachable$/m);
			expect(out.text).toMatch(/^ghost\s+-\s+unreachable \(Service 'ghost\.storeHealth' is not found\.\)$/m);
		});
	});
});
