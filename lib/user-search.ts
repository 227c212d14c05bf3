/**
 * The admin list's search keys: lower-cased copies of the address's domain and of the display name (whole,
 * and word by word), stored next to the user and indexed (models/index.ts), so that a prefix search is an
 * index range on MongoDB. They are derived from `email`/`displayName` by the users store on every write
 * (services/users/store.ts) and never leave the service (lib/user-schema.ts `toPublicUser` is an allow-list).
 */
export interface UserSearchKeys {
	/** The lower-cased display name, trimmed, inner spaces collapsed. */
	displayNameKey: string;
	/** Each word of `displayNameKey`, once. */
	nameWords: string[];
	/** The part of the lower-cased address after its last `@`. */
	emailDomain: string;
}

/** Words are split on spaces and hyphens ("Jean-Luc" is "jean" and "luc"); other characters stay in the word. */
const WORD_SEPARATORS = /[\s-]+/u;

export function nameKeys(displayName: string): Pick<UserSearchKeys, "displayNameKey" | "nameWords"> {
	const displayNameKey = displayName.trim().toLowerCase().replace(/\s+/gu, " ");
	const nameWords = [...new Set(displayNameKey.split(WORD_SEPARATORS).filter(Boolean))];
	return { displayNameKey, nameWords };
}

export function emailDomain(emailKey: string): string {
	return emailKey.slice(emailKey.lastIndexOf("@") + 1);
}

/** The keys a write changes: those of the fields it sets (a write that sets neither changes none). */
export function searchKeysFor(set: { emailKey?: string; displayName?: string }): Partial<UserSearchKeys> {
	return {
		...(typeof set.displayName === "string" ? nameKeys(set.displayName) : {}),
		...(typeof set.emailKey === "string" ? { emailDomain: emailDomain(set.emailKey) } : {})
	};
}

/** A search term as the keys hold it. */
export function searchTermKey(term: string): string {
	return term.trim().toLowerCase().replace(/\s+/gu, " ");
}
