import { bootstrapAdmin } from "../../../services/auth/flows/bootstrap-admin";
import { checkPassword } from "../../../services/auth/flows/passwords";
import { setPassword } from "../../../services/auth/password/credentials";
import { testKit } from "./fakes";

const admin = { adminEmail: "root@example.com", adminPassword: "correct horse battery" };
const ready = async () => undefined;

describe("bootstrapAdmin", () => {
	it("creates a verified admin with the configured password", async () => {
		const t = await testKit(admin);
		expect(await bootstrapAdmin(t.kit, ready)).toBe("root@example.com");
		const [user] = t.users.byId.values();
		expect([user.roles, user.emailVerified, await checkPassword(t.kit, { userId: user.id, password: admin.adminPassword })]).toEqual([["user", "admin"], true, true]);
	});

	it("promotes an existing account and keeps the password its owner set", async () => {
		const t = await testKit(admin);
		const user = t.users.add({ email: "root@example.com" });
		await setPassword(t.kit, user.id, "changed since start");
		await bootstrapAdmin(t.kit, ready);
		expect([t.users.byId.get(user.id)!.roles, await checkPassword(t.kit, { userId: user.id, password: "changed since start" })]).toEqual([["user", "admin"], true]);
	});

	it("refuses a weak ADMIN_PASSWORD before waiting for users", async () => {
		const t = await testKit({ ...admin, adminPassword: "password" });
		const waited = jest.fn(ready);
		await expect(bootstrapAdmin(t.kit, waited)).rejects.toThrow("ADMIN_PASSWORD is refused");
		expect(waited).not.toHaveBeenCalled();
	});

	it("does nothing without ADMIN_EMAIL", async () => {
		const t = await testKit();
		expect(await bootstrapAdmin(t.kit, ready)).toBeNull();
		expect(t.users.byId.size).toBe(0);
	});
});
