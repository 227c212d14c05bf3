/** A public user for unit tests (the API's shape, lib/user-schema.ts), with whatever a test changes. */
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
