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
import { searchKeysFor } from "../../../lib/user-search";
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

describe("searchKeysFor (the stored search keys)", () => {
	it("derives the lower-cased name, its words (split on spaces and hyphens, once each) and the address's domain", () => {
		expect(searchKeysFor({ emailKey: "ada@math.example.org", displayName: "  Ada  Lovelace-Byron ada " })).toEqual({
			displayNameKey: "ada lovelace-byron ada",
			nameWords: ["ada", "lovelace", "byron"],
			emailDomain: "math.example.org"
		});
	});

	it("a write that sets neither field sets no key; one that sets one sets only its own", () => {
		expect(searchKeysFor({})).toEqual({});
		expect(searchKeysFor({ displayName: "" })).toEqual({ displayNameKey: "", nameWords: [] });
		expect(searchKeysFor({ emailKey: "a@b.example" })).toEqual({ emailDomain: "b.example" });
	});
});

describe("userListFilter", () => {
	const base = { page: 1, pageSize: 20 };

	type Doc = { emailKey: string; displayName: string };
	const keyed = (doc: Doc): Record<string, string | string[]> => ({ emailKey: doc.emailKey, ...searchKeysFor(doc) });

	/** The filter's search part, evaluated as MongoDB would on the stored keys (an array matches if any element does). */
	function matches(filter: Record<string, unknown>, doc: Doc): boolean {
		const stored = keyed(doc);
		const clauses = (filter.$or as Array<Record<string, { $regex: RegExp }>> | undefined) ?? [{ emailDomain: filter.emailDomain as { $regex: RegExp } }];
		return clauses.some(clause => {
			const [field, cond] = Object.entries(clause)[0];
			const value = stored[field];
			return (Array.isArray(value) ? value : [value]).some(v => cond.$regex.test(v));
		});
	}

	/** Every regex on an indexed key: anchored at the start, case-sensitive (the keys are lower-cased), no flags. */
	function expectIndexable(cond: { $regex: RegExp }): void {
		expect(cond.$regex).toBeInstanceOf(RegExp);
		expect(cond.$regex.source.startsWith("^")).toBe(true);
		expect(cond.$regex.flags).toBe("");
	}

	it("with no criteria: empty filter, newest first, ties broken by _id", () => {
		expect(userListFilter(base)).toEqual({ filter: {}, sort: ["-createdAt", "_id"] });
	});

	it("filters by status and role", () => {
		expect(userListFilter({ ...base, status: "disabled", role: "admin" }).filter).toEqual({ status: "disabled", roles: "admin" });
	});

	it("searches by prefix on the address, the whole name and each word of it, with anchored, flagless regexes on the lower-cased keys", () => {
		const { filter } = userListFilter({ ...base, search: "  Alice " });
		const or = filter.$or as Array<Record<string, { $regex: RegExp }>>;
		expect(or.map(c => Object.keys(c)[0]).sort()).toEqual(["displayNameKey", "emailKey", "nameWords"]);
		for (const clause of or) {
			expectIndexable(Object.values(clause)[0]);
			expect(Object.values(clause)[0].$regex.source).toBe("^alice");
		}
		expect(matches(filter, { emailKey: "alice@example.com", displayName: "x" })).toBe(true);
		expect(matches(filter, { emailKey: "bob@example.com", displayName: "ALICE B." })).toBe(true);
		expect(matches(filter, { emailKey: "bob@example.com", displayName: "Mary-Alice Jones" })).toBe(true);
		expect(matches(filter, { emailKey: "bob@example.com", displayName: "Bob" })).toBe(false);
		// A prefix, not a fragment: the middle of an address or of a word does not match.
		expect(matches(filter, { emailKey: "malice@example.com", displayName: "Malice" })).toBe(false);
	});

	it("matches a prefix of the whole name across words, spaces collapsed", () => {
		const { filter } = userListFilter({ ...base, search: "ada   LOVE" });
		expect(matches(filter, { emailKey: "x@example.com", displayName: "Ada  Lovelace" })).toBe(true);
		expect(matches(filter, { emailKey: "x@example.com", displayName: "Ada Byron" })).toBe(false);
	});

	it("a search starting with '@' is a prefix of the address's domain, and only that", () => {
		const { filter } = userListFilter({ ...base, search: "@Example.C" });
		expect(filter.$or).toBeUndefined();
		expect(Object.keys(filter)).toEqual(["emailDomain"]);
		expectIndexable(filter.emailDomain as { $regex: RegExp });
		expect((filter.emailDomain as { $regex: RegExp }).$regex.source).toBe("^example\\.c");
		expect(matches(filter, { emailKey: "bob@example.com", displayName: "Bob" })).toBe(true);
		expect(matches(filter, { emailKey: "bob@example.org", displayName: "Bob" })).toBe(false);
		expect(matches(filter, { emailKey: "bob@example-c.com", displayName: "Bob" })).toBe(false);
		expect(matches(filter, { emailKey: "bob@sub.example.com", displayName: "@example.com" })).toBe(false);
	});

	it("escapes regex special characters: 'd.t' does not match 'dot', 'dot.*' matches only a literal 'dot.*'", () => {
		expect(matches(userListFilter({ ...base, search: "d.t" }).filter, { emailKey: "b@example.com", displayName: "Dot Star" })).toBe(false);
		const { filter } = userListFilter({ ...base, search: "dot.*" });
		expect(matches(filter, { emailKey: "dotty@example.com", displayName: "Dotty" })).toBe(false);
		expect(matches(filter, { emailKey: "b@example.com", displayName: "Dot.*Star" })).toBe(true);
	});

	it.each(["(", "[az]+", "a|b", "^bob", "$", "\\", "a{1,3}", "?", "+", ".*"])("treats %p literally and does not throw", search => {
		const { filter } = userListFilter({ ...base, search });
		expect(matches(filter, { emailKey: "bob@example.com", displayName: "Bob" })).toBe(false);
		expect(matches(filter, { emailKey: "x@example.com", displayName: `pre ${search}post` })).toBe(true);
	});

	it("passes no client object through: every filter value is a string or a RegExp built here", () => {
		for (const search of ["x", "@x"]) {
			const { filter } = userListFilter({ ...base, search, status: "active", role: "user" });
			expect(typeof filter.status).toBe("string");
			expect(typeof filter.roles).toBe("string");
			const clauses = (filter.$or as Array<Record<string, Record<string, unknown>>> | undefined) ?? [{ emailDomain: filter.emailDomain as Record<string, unknown> }];
			for (const clause of clauses) {
				const cond = Object.values(clause)[0];
				expect(Object.keys(cond)).toEqual(["$regex"]);
				expect(cond.$regex).toBeInstanceOf(RegExp);
			}
			// The search string itself never appears as a raw query value.
			expect(Object.values(filter)).not.toContain(search);
		}
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
