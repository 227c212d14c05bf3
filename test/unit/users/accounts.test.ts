import { createUser, recordLogin, setEmail, updateProfile, updateUser, userByEmail } from "../../../services/users/accounts";
import { fakeCore } from "./fakes";

const T0 = Date.UTC(2026, 0, 1);

describe("createUser", () => {
	it("stores a new active user with the `user` role, stamped by the clock", async () => {
		const core = fakeCore();
		const user = await createUser(core, { email: "Ada@Example.com", displayName: "Ada" });
		expect(user).toMatchObject({ email: "Ada@Example.com", displayName: "Ada", roles: ["user"], status: "active", emailVerified: false, locale: "en", timezone: "UTC" });
		expect(user.createdAt).toBe(new Date(T0).toISOString());
		expect(core.store.users.get(user.id)?.emailKey).toBe("ada@example.com");
	});

	it("adds `user` to an admin", async () => {
		const user = await createUser(fakeCore(), { email: "root@example.com", roles: ["admin"] });
		expect(user.roles).toEqual(["user", "admin"]);
	});

	it("answers EMAIL_TAKEN for an address another account holds, in any case", async () => {
		const core = fakeCore();
		await createUser(core, { email: "ada@example.com" });
		await expect(createUser(core, { email: "ADA@example.com" })).rejects.toMatchObject({ type: "EMAIL_TAKEN", code: 409 });
		expect(core.store.users.size).toBe(1);
	});
});

describe("setEmail", () => {
	it("changes the address, verified, and stamps updatedAt", async () => {
		const core = fakeCore();
		const ada = await createUser(core, { email: "ada@example.com" });
		core.clock.advance(60_000);
		const changed = await setEmail(core, ada.id, "lovelace@example.com");
		expect(changed).toMatchObject({ email: "lovelace@example.com", emailVerified: true, updatedAt: new Date(T0 + 60_000).toISOString() });
		expect(await userByEmail(core.store, "LOVELACE@example.com")).toMatchObject({ id: ada.id });
	});

	it("answers EMAIL_TAKEN when someone else holds the address, and changes nothing", async () => {
		const core = fakeCore();
		const ada = await createUser(core, { email: "ada@example.com" });
		await createUser(core, { email: "bob@example.com" });
		await expect(setEmail(core, ada.id, "Bob@example.com")).rejects.toMatchObject({ type: "EMAIL_TAKEN" });
		expect(core.store.users.get(ada.id)?.email).toBe("ada@example.com");
	});

	it("lets a user keep their own address (a change of case)", async () => {
		const core = fakeCore();
		const ada = await createUser(core, { email: "ada@example.com" });
		expect((await setEmail(core, ada.id, "Ada@example.com")).email).toBe("Ada@example.com");
	});

	it("answers EMAIL_TAKEN when the address is taken between the check and the write", async () => {
		const core = fakeCore();
		const ada = await createUser(core, { email: "ada@example.com" });
		const bob = await createUser(core, { email: "bob@example.com" });
		// The look-up sees nobody; the unique index still refuses.
		core.store.findByEmailKey = async () => null;
		await expect(setEmail(core, ada.id, "bob@example.com")).rejects.toMatchObject({ type: "EMAIL_TAKEN" });
		expect(core.store.users.get(bob.id)?.email).toBe("bob@example.com");
	});

	it("answers NOT_FOUND for an unknown user", async () => {
		await expect(setEmail(fakeCore(), "nobody", "x@example.com")).rejects.toMatchObject({ type: "NOT_FOUND" });
	});
});

describe("updateProfile", () => {
	it("changes the given fields and stamps updatedAt", async () => {
		const core = fakeCore();
		const ada = await createUser(core, { email: "ada@example.com" });
		core.clock.advance(1_000);
		const updated = await updateProfile(core, ada.id, { bio: "Analyst", timezone: "Europe/London", avatarUrl: null });
		expect(updated).toMatchObject({ bio: "Analyst", timezone: "Europe/London", avatarUrl: null, updatedAt: new Date(T0 + 1_000).toISOString() });
	});

	it.each([
		[{ displayName: null }, "displayName"],
		[{ bio: null }, "bio"],
		[{ avatarUrl: `https://example.com/${"a".repeat(2048)}` }, "avatarUrl"],
		[{ timezone: "Mars/Olympus" }, "timezone"]
	])("refuses %j with VALIDATION_ERROR on that field", async (patch, field) => {
		const core = fakeCore();
		const ada = await createUser(core, { email: "ada@example.com" });
		await expect(updateProfile(core, ada.id, patch as never)).rejects.toMatchObject({ type: "VALIDATION_ERROR", data: [expect.objectContaining({ field })] });
		expect(core.store.users.get(ada.id)?.updatedAt.getTime()).toBe(T0);
	});

	it("answers NOT_FOUND for a user that is gone", async () => {
		await expect(updateProfile(fakeCore(), "gone", { bio: "x" })).rejects.toMatchObject({ type: "NOT_FOUND" });
	});
});

describe("recordLogin / updateUser", () => {
	it("recordLogin sets lastLoginAt and leaves updatedAt alone", async () => {
		const core = fakeCore();
		const ada = await createUser(core, { email: "ada@example.com" });
		core.clock.advance(5_000);
		const after = await recordLogin(core, ada.id);
		expect(after.lastLoginAt).toBe(new Date(T0 + 5_000).toISOString());
		expect(after.updatedAt).toBe(new Date(T0).toISOString());
	});

	it("updateUser answers NOT_FOUND for an unknown id", async () => {
		await expect(updateUser(fakeCore(), "nobody", { emailVerified: true })).rejects.toMatchObject({ type: "NOT_FOUND" });
	});
});
