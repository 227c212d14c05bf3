import { ConfigError } from "../../../lib/config";
import { apiError } from "../../../lib/errors";
import { AdminBeingCreated, BOOTSTRAP_AUDIT_TYPE, bootstrapAdmin, bootstrapAdminUntilDone, checkAdminSettings } from "../../../services/auth/flows/bootstrap-admin";
import { checkPassword } from "../../../services/auth/flows/passwords";
import { setPassword } from "../../../services/auth/password/credentials";
import type { PublicUser } from "../../../lib/user-schema";
import { testKit } from "./fakes";

const admin = { adminEmail: "Root@Example.com", adminPassword: "correct horse battery" };
const ready = async () => undefined;
const noRetry = { stopping: () => false, sleep: async () => undefined, warn: () => undefined };

describe("bootstrapAdmin", () => {
	it("creates a verified admin with the configured password, and records it in the audit trail", async () => {
		const t = await testKit(admin);
		expect(await bootstrapAdmin(t.kit)).toEqual({ email: admin.adminEmail, created: true });
		const [user] = t.users.byId.values();
		expect([user.roles, user.emailVerified, await checkPassword(t.kit, { userId: user.id, password: admin.adminPassword })]).toEqual([["user", "admin"], true, true]);
		expect(t.audit).toEqual([{ type: BOOTSTRAP_AUDIT_TYPE, actorId: null, subjectId: user.id, details: { address: "root@example.com" } }]);
	});

	it.each([
		["a demoted account", { roles: ["user"] }],
		["a disabled admin", { roles: ["user", "admin"], status: "disabled" }],
		["an unverified account", { emailVerified: false }]
	] as Array<[string, Partial<PublicUser>]>)("does nothing to an existing account (%s): roles, status and password stay, no audit entry", async (_what, over) => {
		const t = await testKit(admin);
		const user = t.users.add({ email: "root@example.com", ...over });
		await setPassword(t.kit, user.id, "changed since start");
		const before = { ...t.users.byId.get(user.id)! };
		expect(await bootstrapAdmin(t.kit)).toEqual({ email: admin.adminEmail, created: false });
		expect(t.users.byId.get(user.id)).toEqual(before);
		expect(await checkPassword(t.kit, { userId: user.id, password: "changed since start" })).toBe(true);
		expect(t.audit).toEqual([]);
	});

	it("does not bring back an admin it created and someone deleted", async () => {
		const t = await testKit(admin);
		await bootstrapAdmin(t.kit);
		t.users.byId.clear();
		expect(await bootstrapAdmin(t.kit)).toEqual({ email: admin.adminEmail, created: false });
		expect(t.users.byId.size).toBe(0);
	});

	it("leaves it to the node that won when another created the address meanwhile (EMAIL_TAKEN)", async () => {
		const t = await testKit(admin);
		t.users.create = async () => {
			throw apiError("EMAIL_TAKEN");
		};
		expect(await bootstrapAdmin(t.kit)).toEqual({ email: admin.adminEmail, created: false });
		expect(t.audit).toEqual([]);
	});

	it("refuses a weak ADMIN_PASSWORD (checked at start)", async () => {
		expect(() => checkAdminSettings({ ...admin, adminPassword: "password" })).toThrow(ConfigError);
		expect(() => checkAdminSettings({})).not.toThrow();
	});

	it("does nothing without ADMIN_EMAIL", async () => {
		const t = await testKit();
		expect(await bootstrapAdmin(t.kit)).toBeNull();
		expect(t.users.byId.size).toBe(0);
	});
});

describe("bootstrapAdminUntilDone", () => {
	it("retries while users does not answer, then creates the admin once", async () => {
		const t = await testKit(admin);
		const create = t.users.create.bind(t.users);
		let failures = 2;
		t.users.findByEmail = async email => {
			if (failures-- > 0) throw new Error("Request timed out");
			return [...t.users.byId.values()].find(u => u.email.toLowerCase() === email.toLowerCase()) ?? null;
		};
		t.users.create = create;
		const warnings: string[] = [];
		const outcome = await bootstrapAdminUntilDone(() => t.kit, ready, { ...noRetry, warn: m => void warnings.push(m) });
		expect(outcome).toEqual({ email: admin.adminEmail, created: true });
		expect(warnings).toEqual([
			"Could not set up the admin account yet (attempt 1): Request timed out",
			"Could not set up the admin account yet (attempt 2): Request timed out"
		]);
		expect(t.users.byId.size).toBe(1);
	});

	it("gives up when the node stops", async () => {
		const t = await testKit(admin);
		let stopping = false;
		const outcome = bootstrapAdminUntilDone(
			() => t.kit,
			async () => {
				stopping = true;
				throw new Error("no users");
			},
			{ ...noRetry, stopping: () => stopping }
		);
		await expect(outcome).rejects.toThrow("no users");
		expect(t.users.byId.size).toBe(0);
	});

	it("waits quietly while another node has created the account and is still setting its password, then leaves it", async () => {
		const t = await testKit(admin);
		const half = t.users.add({ email: "root@example.com", roles: ["user", "admin"] });
		await expect(bootstrapAdmin(t.kit)).rejects.toThrow(AdminBeingCreated);
		const warnings: string[] = [];
		let sleeps = 0;
		const outcome = await bootstrapAdminUntilDone(() => t.kit, ready, {
			...noRetry,
			warn: m => void warnings.push(m),
			// The other node finishes during the second wait.
			sleep: async () => void (++sleeps === 2 && (await setPassword(t.kit, half.id, admin.adminPassword)))
		});
		expect([outcome, sleeps, warnings]).toEqual([{ email: admin.adminEmail, created: false }, 2, []]);
	});

	it("leaves alone an account without a password made more than a minute ago (not a bootstrap at work)", async () => {
		const t = await testKit(admin);
		t.users.add({ email: "root@example.com" });
		t.clock.advance(61_000);
		expect(await bootstrapAdmin(t.kit)).toEqual({ email: admin.adminEmail, created: false });
		expect(t.audit).toEqual([]);
	});

	it("several nodes at once: one creates, the others leave it", async () => {
		const t = await testKit(admin);
		const outcomes = await Promise.all([1, 2, 3].map(() => bootstrapAdminUntilDone(() => t.kit, ready, noRetry)));
		expect(outcomes.filter(o => o?.created)).toHaveLength(1);
		expect(t.users.byId.size).toBe(1);
		expect(t.audit.filter(e => e.type === BOOTSTRAP_AUDIT_TYPE)).toHaveLength(1);
	});
});
