import { USER_KEYS, toPublicUser } from "../../lib/user-schema";
import type { UserRecord } from "../../lib/types";

const CONTRACT_FIELDS = ["id", "email", "displayName", "bio", "avatarUrl", "locale", "timezone", "roles", "status", "emailVerified", "createdAt", "updatedAt", "lastLoginAt"];

function record(overrides: Partial<UserRecord> = {}): UserRecord {
	return {
		_id: "u1",
		email: "Alice@example.com",
		emailKey: "alice@example.com",
		displayName: "Alice",
		bio: "Hi",
		avatarUrl: "https://example.com/a.png",
		locale: "en",
		timezone: "Europe/Paris",
		roles: ["user"],
		status: "active",
		emailVerified: true,
		createdAt: new Date(Date.UTC(2026, 0, 1)),
		updatedAt: new Date(Date.UTC(2026, 0, 2)),
		lastLoginAt: null,
		...overrides
	};
}

describe("toPublicUser", () => {
	it("has exactly the contract's fields", () => {
		expect(Object.keys(toPublicUser(record())).sort()).toEqual([...CONTRACT_FIELDS].sort());
	});

	it("has the schema's properties, in the schema's order (the literal follows USER_SCHEMA)", () => {
		expect(Object.keys(toPublicUser(record()))).toEqual(USER_KEYS);
	});

	it("maps every field, with ISO-8601 times", () => {
		expect(toPublicUser(record({ lastLoginAt: new Date(Date.UTC(2026, 0, 3, 4, 5, 6)) }))).toEqual({
			id: "u1",
			email: "Alice@example.com",
			displayName: "Alice",
			bio: "Hi",
			avatarUrl: "https://example.com/a.png",
			locale: "en",
			timezone: "Europe/Paris",
			roles: ["user"],
			status: "active",
			emailVerified: true,
			createdAt: "2026-01-01T00:00:00.000Z",
			updatedAt: "2026-01-02T00:00:00.000Z",
			lastLoginAt: "2026-01-03T04:05:06.000Z"
		});
	});

	it("keeps null lastLoginAt and avatarUrl as null", () => {
		const user = toPublicUser(record({ lastLoginAt: null, avatarUrl: null }));
		expect(user.lastLoginAt).toBeNull();
		expect(user.avatarUrl).toBeNull();
		expect(toPublicUser(record({ lastLoginAt: undefined as unknown as null })).lastLoginAt).toBeNull();
	});

	it("accepts times stored as strings", () => {
		const user = toPublicUser(record({ createdAt: "2026-01-01T00:00:00Z" as unknown as Date }));
		expect(user.createdAt).toBe("2026-01-01T00:00:00.000Z");
	});

	it("drops internal fields: password hashes, emailKey, anything else stored", () => {
		const stored = { ...record(), passwordHash: "$2b$12$secret", __v: 3, throttle: { failures: 2 } } as UserRecord;
		const user = toPublicUser(stored);
		expect(Object.keys(user).sort()).toEqual([...CONTRACT_FIELDS].sort());
		const json = JSON.stringify(user);
		expect(json).not.toContain("secret");
		expect(json).not.toContain("emailKey");
		expect(json).not.toContain("_id");
	});

	it("copies the roles array (the stored record cannot be changed through the view)", () => {
		const stored = record({ roles: ["user", "admin"] });
		const user = toPublicUser(stored);
		user.roles.pop();
		expect(stored.roles).toEqual(["user", "admin"]);
	});
});
