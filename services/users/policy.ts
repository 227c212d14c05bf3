/** The users service's rules, as plain functions: the last-admin guard, roles, profile checks, the admin list's query. */
import type { Filter } from "../../lib/collection";
import { apiError } from "../../lib/errors";
import { escapeRegExp } from "../../lib/regexp";
import type { UserRecord } from "../../lib/types";
import type { Role, UserStatus } from "../../lib/enums";
import { USER_LIMITS } from "../../lib/user-schema";
import { searchTermKey } from "../../lib/user-search";

/** Starts with `text`, literally and case-sensitively (no flag: MongoDB can then bound an index scan). */
const prefix = (text: string): RegExp => new RegExp(`^${escapeRegExp(text)}`);

/** An admin that is active: the ones the last-admin guard counts. */
export const ACTIVE_ADMINS: Filter = { roles: "admin", status: "active" };

export function isActiveAdmin(user: Pick<UserRecord, "roles" | "status">): boolean {
	return user.status === "active" && user.roles.includes("admin");
}

/** Whether a change would leave no active admin: the target is one, stops being one, and is the only one. */
export function removesLastAdmin(
	target: Pick<UserRecord, "roles" | "status">,
	change: { roles?: Role[]; status?: UserStatus; deleted?: boolean },
	activeAdmins: number
): boolean {
	if (!isActiveAdmin(target) || activeAdmins > 1) return false;
	if (change.deleted) return true;
	const after = { roles: change.roles ?? target.roles, status: change.status ?? target.status };
	return !isActiveAdmin(after);
}

/** A change the last-admin guard must see. */
export interface AdminChange {
	roles?: Role[];
	status?: UserStatus;
	deleted?: boolean;
}

/** Only a change that could remove an admin needs the guard's lock. */
export function touchesAdmins(change: AdminChange): boolean {
	return Boolean(change.roles || change.status || change.deleted);
}

/** Every account has the `user` role; `admin` is added to it. */
export function normalizeRoles(roles: Role[]): Role[] {
	return roles.includes("admin") ? ["user", "admin"] : ["user"];
}

export function isTimeZone(value: string): boolean {
	try {
		new Intl.DateTimeFormat("en", { timeZone: value });
		return true;
	} catch {
		return false;
	}
}

/** The fields a user may change on their own profile. */
export interface ProfilePatch {
	displayName?: string;
	bio?: string;
	avatarUrl?: string | null;
	locale?: string;
	timezone?: string;
}

/** What the parameter rules cannot say: fastest-validator lets `null` through optional fields, and `url` ignores `max`. */
export function checkProfile(p: ProfilePatch): void {
	const nulled = (["displayName", "bio", "locale", "timezone"] as const).filter(f => p[f] === null);
	if (nulled.length > 0) {
		throw apiError("VALIDATION_ERROR", undefined, nulled.map(field => ({ field, type: "string", message: `The '${field}' field must be a string.` })));
	}
	if (typeof p.avatarUrl === "string" && p.avatarUrl.length > USER_LIMITS.avatarUrl) {
		throw apiError("VALIDATION_ERROR", undefined, [
			{ field: "avatarUrl", type: "stringMax", message: `The 'avatarUrl' field length must be less than or equal to ${USER_LIMITS.avatarUrl} characters long.` }
		]);
	}
	if (p.timezone !== undefined && !isTimeZone(p.timezone)) {
		throw apiError("VALIDATION_ERROR", "Unknown time zone", [
			{ field: "timezone", type: "timezone", message: "The 'timezone' field must be an IANA time zone, e.g. Europe/Paris" }
		]);
	}
}

export const USER_SORTS = ["createdAt", "-createdAt", "email", "-email", "displayName", "-displayName", "lastLoginAt", "-lastLoginAt"] as const;
export type UserSort = (typeof USER_SORTS)[number];

export interface UserListQuery {
	page: number;
	pageSize: number;
	search?: string;
	sort?: UserSort;
	status?: UserStatus;
	role?: Role;
}

/**
 * The admin list's filter and sort, built from validated parameters only (no client object reaches the store).
 * The search is a case-insensitive prefix match on the lower-cased keys (lib/user-search.ts): the address,
 * the whole display name, or any word of it; a term starting with `@` matches the address's domain. Each is
 * an anchored, case-sensitive regex on a lower-cased, indexed field: MongoDB serves it as an index range.
 */
export function userListFilter(q: UserListQuery): { filter: Filter; sort: string[] } {
	const filter: Filter = {};
	if (q.status) filter.status = q.status;
	if (q.role) filter.roles = q.role;
	const search = searchTermKey(q.search ?? "");
	if (search.startsWith("@")) {
		filter.emailDomain = { $regex: prefix(search.slice(1)) };
	} else if (search) {
		const pattern = prefix(search);
		filter.$or = [{ emailKey: { $regex: pattern } }, { displayNameKey: { $regex: pattern } }, { nameWords: { $regex: pattern } }];
	}
	const sort = q.sort ?? "-createdAt";
	const field = sort.replace(/^-/, "");
	const stored = field === "email" ? "emailKey" : field;
	return { filter, sort: [`${sort.startsWith("-") ? "-" : ""}${stored}`, "_id"] };
}
