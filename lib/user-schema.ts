/**
 * The user of CONTRACT §2, described once. From this one schema come the `PublicUser` type, the allow-list
 * `toPublicUser` copies (nothing else ever leaves the users service), the OpenAPI `User` component and the
 * tests' expectations (test/helpers/kit.ts validates every user a response carries against it).
 */
import { ROLES, USER_STATUSES } from "./enums";
import type { UserRecord } from "./types";

export const LOCALE_PATTERN = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;
export const USER_LIMITS = { displayName: 100, bio: 1000, avatarUrl: 2048, locale: 35, timezone: 64, email: 254 } as const;

const isoTime = { type: "string", format: "date-time" } as const;

export const USER_SCHEMA = {
	type: "object",
	additionalProperties: false,
	required: ["id", "email", "displayName", "bio", "avatarUrl", "locale", "timezone", "roles", "status", "emailVerified", "createdAt", "updatedAt", "lastLoginAt"],
	properties: {
		id: { type: "string", description: "Stable identifier (UUID)", examples: ["5f0c8a6e-3c1b-4d0e-9a57-2f8e1c4b7d21"] },
		email: { type: "string", format: "email", maxLength: USER_LIMITS.email, examples: ["ada@example.com"] },
		displayName: { type: "string", maxLength: USER_LIMITS.displayName, examples: ["Ada"] },
		bio: { type: "string", maxLength: USER_LIMITS.bio },
		avatarUrl: { type: ["string", "null"], format: "uri", maxLength: USER_LIMITS.avatarUrl },
		locale: { type: "string", maxLength: USER_LIMITS.locale, pattern: LOCALE_PATTERN.source, examples: ["en"] },
		timezone: { type: "string", maxLength: USER_LIMITS.timezone, description: "IANA time zone", examples: ["UTC"] },
		roles: { type: "array", items: { enum: ROLES }, uniqueItems: true, examples: [["user"]] },
		status: { enum: USER_STATUSES },
		emailVerified: { type: "boolean" },
		createdAt: isoTime,
		updatedAt: isoTime,
		lastLoginAt: { type: ["string", "null"], format: "date-time" }
	}
} as const;

type Properties = typeof USER_SCHEMA.properties;

/** The TypeScript type of one property of the schema (the subset of JSON Schema used above). */
type FieldType<S> = S extends { enum: readonly (infer E)[] }
	? E
	: S extends { type: "array"; items: infer I }
		? FieldType<I>[]
		: S extends { type: readonly ["string", "null"] }
			? string | null
			: S extends { type: "string" }
				? string
				: S extends { type: "boolean" }
					? boolean
					: never;

/** A user in any response: exactly the schema's properties. */
export type PublicUser = { -readonly [K in keyof Properties]: FieldType<Properties[K]> };

export type UserKey = keyof PublicUser;

/** The allow-list, in the schema's order. */
export const USER_KEYS = Object.keys(USER_SCHEMA.properties) as UserKey[];

function iso(value: Date | string): string;
function iso(value: Date | string | null | undefined): string | null;
function iso(value: Date | string | null | undefined): string | null {
	if (value === null || value === undefined) return null;
	return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

/**
 * The one place a stored user becomes the contract's user: the schema's keys are copied, nothing else. One
 * object literal (the type checker holds it to exactly PublicUser's keys, test/unit/user-schema.test.ts to
 * the schema's) rather than a loop over the keys: it is built on every read, and a literal has one shape.
 */
export function toPublicUser(record: UserRecord): PublicUser {
	return {
		id: record._id,
		email: record.email,
		displayName: record.displayName,
		bio: record.bio,
		avatarUrl: record.avatarUrl,
		locale: record.locale,
		timezone: record.timezone,
		roles: [...record.roles],
		status: record.status,
		emailVerified: record.emailVerified,
		createdAt: iso(record.createdAt),
		updatedAt: iso(record.updatedAt),
		lastLoginAt: iso(record.lastLoginAt)
	};
}
