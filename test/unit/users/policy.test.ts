import {
	ACTIVE_ADMINS,
	isActiveAdmin,
	isTimeZone,
	normalizeRoles,
	removesLastAdmin,
	USER_SORTS,
	userListFilter
} from "../../../services/users/policy";
import { LOCALE_PATTERN } from "../../../lib/user-schema";
import type { Role, UserStatus } from "../../../lib/enums";

const admin = { roles: ["user", "admin"] as Role[], status: "active" as UserStatus };
const disabledAdmin = { roles: ["user", "admin"] as Role[], status: "disabled" as UserStatus };
const plainUser = { roles: ["user"] as Role[], status: "active" as UserStatus };

describe("isActiveAdmin / ACTIVE_ADMINS", () => {
	it("is an active user with the admin role", () => {
		expect(isActiveAdmin(admin)).toBe(true);
		expect(isActiveAdmin(disabledAdmin)).toBe(false);
		expect(isActiveAdmin(plainUser)).toBe(false);
		expect(isActiveAdmin({ roles: ["admin"], status: "active" })).toBe(true);
	});

	it("the store filter selects the same", () => {
		expect(ACTIVE_ADMINS).toEqual({ roles: "admin", status: "active" });
	});
});

describe("removesLastAdmin", () => {
	describe("when the target is the only active admin", () => {
		it("refuses deleting it", () => {
			expect(removesLastAdmin(admin, { deleted: true }, 1)).toBe(true);
		});
		it("refuses disabling it", () => {
			expect(removesLastAdmin(admin, { status: "disabled" }, 1)).toBe(true);
		});
		it("refuses removing its admin role", () => {
			expect(removesLastAdmin(admin, { roles: ["user"] }, 1)).toBe(true);
			expect(removesLastAdmin(admin, { roles: [] }, 1)).toBe(true);
		});
		it("refuses removing the role and disabling at once", () => {
			expect(removesLastAdmin(admin, { roles: ["user"], status: "disabled" }, 1)).toBe(true);
		});
		it("allows changes that keep it an active admin", () => {
			expect(removesLastAdmin(admin, {}, 1)).toBe(false);
			expect(removesLastAdmin(admin, { status: "active" }, 1)).toBe(false);
			expect(removesLastAdmin(admin, { roles: ["user", "admin"] }, 1)).toBe(false);
			expect(removesLastAdmin(admin, { roles: ["admin"], status: "active" }, 1)).toBe(false);
			expect(removesLastAdmin(admin, { deleted: false }, 1)).toBe(false);
		});
		it("still refuses when the count says 0 (the target is one, so it is the last)", () => {
			expect(removesLastAdmin(admin, { deleted: true }, 0)).toBe(true);
		});
	});

	describe("when there are other active admins", () => {
		it.each([{ deleted: true }, { status: "disabled" as const }, { roles: ["user"] as Role[] }])("allows %p", change => {
			expect(removesLastAdmin(admin, change, 2)).toBe(false);
			expect(removesLastAdmin(admin, change, 10)).toBe(false);
		});
	});

	describe("when the target is not an active admin", () => {
		it.each([{ deleted: true }, { status: "disabled" as const }, { roles: ["user"] as Role[] }, { status: "active" as const }])(
			"allows %p for a plain user and a disabled admin",
			change => {
				expect(removesLastAdmin(plainUser, change, 1)).toBe(false);
				expect(removesLastAdmin(plainUser, change, 0)).toBe(false);
				expect(removesLastAdmin(disabledAdmin, change, 1)).toBe(false);
				expect(removesLastAdmin(disabledAdmin, change, 0)).toBe(false);
			}
		);
	});
});

describe("normalizeRoles", () => {
	it("always includes user, adds admin when asked, in a fixed order, without duplicates", () => {
		expect(normalizeRoles([])).toEqual(["user"]);
		expect(normalizeRoles(["user"])).toEqual(["user"]);
		expect(normalizeRoles(["admin"])).toEqual(["user", "admin"]);
		expect(normalizeRoles(["admin", "user", "admin"])).toEqual(["user", "admin"]);
	});
});

describe("isTimeZone", () => {
	it("accepts IANA zones and UTC", () => {
		expect(isTimeZone("Europe/Paris")).toBe(true);
		expect(isTimeZone("America/New_York")).toBe(true);
		expect(isTimeZone("UTC")).toBe(true);
	});
	it("refuses anything else", () => {
		expect(isTimeZone("Mars/Olympus")).toBe(false);
		expect(isTimeZone("not a zone")).toBe(false);
		expect(isTimeZone("")).toBe(false);
	});
});

describe("LOCALE_PATTERN", () => {
	it.each(["en", "fr", "de-CH", "zh-Hant-TW", "es-419"])("accepts %s", locale => {
		expect(LOCALE_PATTERN.test(locale)).toBe(true);
	});
	it.each(["", "e", "english-language-tag-too-long-x", "en_US", "en-", "<script>", "en-US;drop"])("refuses %p", locale => {
		expect(LOCALE_PATTERN.test(locale)).toBe(false);
	});
});

describe("userListFilter", () => {
	const base = { page: 1, pageSize: 20 };

	function matches(filter: Record<string, unknown>, doc: { emailKey: string; displayName: string }): boolean {
		const or = filter.$or as Array<Record<string, { $regex: RegExp }>>;
		return or.some(clause => {
			const [field, cond] = Object.entries(clause)[0];
			return cond.$regex.test(doc[field as "emailKey" | "displayName"]);
		});
	}

	it("with no criteria: empty filter, newest first, ties broken by _id", () => {
		expect(userListFilter(base)).toEqual({ filter: {}, sort: ["-createdAt", "_id"] });
	});

	it("filters by status and role", () => {
		expect(userListFilter({ ...base, status: "disabled", role: "admin" }).filter).toEqual({ status: "disabled", roles: "admin" });
	});

	it("searches e-mail key and display name, case-insensitively", () => {
		const { filter } = userListFilter({ ...base, search: "  Alice " });
		const or = filter.$or as Array<Record<string, { $regex: RegExp }>>;
		expect(or.map(c => Object.keys(c)[0]).sort()).toEqual(["displayName", "emailKey"]);
		for (const clause of or) {
			const cond = Object.values(clause)[0];
			expect(cond.$regex).toBeInstanceOf(RegExp);
			expect(cond.$regex.flags).toContain("i");
		}
		expect(matches(filter, { emailKey: "alice@example.com", displayName: "x" })).toBe(true);
		expect(matches(filter, { emailKey: "bob@example.com", displayName: "ALICE B." })).toBe(true);
		expect(matches(filter, { emailKey: "bob@example.com", displayName: "Bob" })).toBe(false);
	});

	it("escapes regex special characters: '.*' matches only a literal '.*'", () => {
		const { filter } = userListFilter({ ...base, search: ".*" });
		expect(matches(filter, { emailKey: "bob@example.com", displayName: "Bob" })).toBe(false);
		expect(matches(filter, { emailKey: "bob@example.com", displayName: "Name .* here" })).toBe(true);
	});

	it.each(["(", "[a-z]+", "a|b", "^bob", "$", "\\", "a{1,3}", "?", "+"])("treats %p literally and does not throw", search => {
		const { filter } = userListFilter({ ...base, search });
		expect(matches(filter, { emailKey: "bob@example.com", displayName: "Bob" })).toBe(false);
		expect(matches(filter, { emailKey: "x", displayName: `pre${search}post` })).toBe(true);
	});

	it("passes no client object through: every filter value is a string or a RegExp built here", () => {
		const { filter } = userListFilter({ ...base, search: "x", status: "active", role: "user" });
		expect(typeof filter.status).toBe("string");
		expect(typeof filter.roles).toBe("string");
		const or = filter.$or as Array<Record<string, Record<string, unknown>>>;
		for (const clause of or) {
			const cond = Object.values(clause)[0];
			expect(Object.keys(cond)).toEqual(["$regex"]);
			expect(cond.$regex).toBeInstanceOf(RegExp);
		}
		// The search string itself never appears as a raw query value.
		expect(Object.values(filter)).not.toContain("x");
	});

	it("ignores a blank search", () => {
		expect(userListFilter({ ...base, search: "   " }).filter).toEqual({});
		expect(userListFilter({ ...base, search: "" }).filter).toEqual({});
	});

	it("maps every allowed sort to a stored field, descending with '-', with _id last", () => {
		expect(userListFilter({ ...base, sort: "email" }).sort).toEqual(["emailKey", "_id"]);
		expect(userListFilter({ ...base, sort: "-email" }).sort).toEqual(["-emailKey", "_id"]);
		expect(userListFilter({ ...base, sort: "displayName" }).sort).toEqual(["displayName", "_id"]);
		expect(userListFilter({ ...base, sort: "-lastLoginAt" }).sort).toEqual(["-lastLoginAt", "_id"]);
		expect(userListFilter({ ...base, sort: "createdAt" }).sort).toEqual(["createdAt", "_id"]);
		for (const sort of USER_SORTS) {
			const [first, second] = userListFilter({ ...base, sort }).sort;
			expect(second).toBe("_id");
			expect(first.startsWith("-")).toBe(sort.startsWith("-"));
		}
	});
});
