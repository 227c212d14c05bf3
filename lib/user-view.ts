import type { PublicUser, UserRecord } from "./types";

function iso(value: Date | string | null | undefined): string | null {
	if (value === null || value === undefined) return null;
	return new Date(value).toISOString();
}

/** The one place a stored user becomes the contract's user: only these fields ever leave the service. */
export function toPublicUser(user: UserRecord): PublicUser {
	return {
		id: user._id,
		email: user.email,
		displayName: user.displayName,
		bio: user.bio,
		avatarUrl: user.avatarUrl,
		locale: user.locale,
		timezone: user.timezone,
		roles: [...user.roles],
		status: user.status,
		emailVerified: user.emailVerified,
		createdAt: iso(user.createdAt) as string,
		updatedAt: iso(user.updatedAt) as string,
		lastLoginAt: iso(user.lastLoginAt)
	};
}
