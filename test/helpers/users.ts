/** Sample users for tests, with whatever a test changes: as the API shows one, and as the store keeps one. */
import type { UserRecord } from "../../lib/types";
import type { PublicUser } from "../../lib/user-schema";

export function samplePublicUser(overrides: Partial<PublicUser> = {}): PublicUser {
	return {
		id: "u1",
		email: "ada@example.com",
		displayName: "Ada",
		bio: "",
		avatarUrl: null,
		locale: "en",
		timezone: "UTC",
		roles: ["user"],
		status: "active",
		emailVerified: true,
		createdAt: "2026-01-01T00:00:00.000Z",
		updatedAt: "2026-01-02T00:00:00.000Z",
		lastLoginAt: null,
		...overrides
	};
}

/** A stored user (lib/types.ts UserRecord) without the search keys, as versions before them stored it. */
export function sampleUserRecord(overrides: Partial<UserRecord> & Pick<UserRecord, "_id" | "email">, at = new Date()): UserRecord {
	return {
		emailKey: overrides.email.trim().toLowerCase(),
		displayName: "",
		bio: "",
		avatarUrl: null,
		locale: "en",
		timezone: "UTC",
		roles: ["user"],
		status: "active",
		emailVerified: true,
		createdAt: at,
		updatedAt: at,
		lastLoginAt: null,
		...overrides
	};
}
