import type { Filter } from "./collection";
import { escapeRegExp } from "./regexp";
import type { UserRecord } from "./types";
import type { Role, UserStatus } from "./enums";

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


/** The admin list's filter and sort, built from validated parameters only (no client object reaches the store). */
export function userListFilter(q: UserListQuery): { filter: Filter; sort: string[] } {
	const filter: Filter = {};
	if (q.status) filter.status = q.status;
	if (q.role) filter.roles = q.role;
	const search = q.search?.trim();
	if (search) {
		const pattern = new RegExp(escapeRegExp(search), "i");
		filter.$or = [{ emailKey: { $regex: pattern } }, { displayName: { $regex: pattern } }];
	}
	const sort = q.sort ?? "-createdAt";
	const field = sort.replace(/^-/, "");
	const stored = field === "email" ? "emailKey" : field;
	return { filter, sort: [`${sort.startsWith("-") ? "-" : ""}${stored}`, "_id"] };
}
