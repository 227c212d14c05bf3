import type { Collection } from "../../lib/collection";
import type { UserRecord } from "../../lib/types";
import { nameKeys, emailDomain, searchKeysFor } from "../../lib/user-search";
import { ACTIVE_ADMINS, userListFilter } from "./policy";
import type { UserStore } from "./ports";

/**
 * The users collection behind the UserStore port. `changed` hears of every write once it is done, before
 * the write is answered: the read caches drop the user (lib/user-cache.ts).
 */
export function collectionUserStore(users: Collection<UserRecord>, changed: (id: string) => void): UserStore {
	const announce = <R>(id: string, write: Promise<R>): Promise<R> =>
		write.then(
			result => (changed(id), result),
			err => {
				// A failed write may still have changed something (e.g. a time-out after the write): drop anyway.
				changed(id);
				throw err;
			}
		);
	return {
		findById: id => users.findById(id),
		findByEmailKey: emailKey => users.findOne({ emailKey }),
		// Every write that sets the address or the name also sets the search keys derived from it.
		insert: user => announce(user._id, users.insert({ ...user, ...searchKeysFor(user) })),
		update: (id, set) => announce(id, users.updateById(id, { $set: { ...set, ...searchKeysFor(set) } })),
		remove: id => announce(id, users.removeById(id)),
		countActiveAdmins: () => users.count(ACTIVE_ADMINS),
		async page(query) {
			const { page, pageSize } = query;
			const { filter, sort } = userListFilter(query);
			const [rows, total] = await Promise.all([users.find(filter, { sort, limit: pageSize, offset: (page - 1) * pageSize }), users.count(filter)]);
			return { rows, total, page, pageSize, totalPages: Math.ceil(total / pageSize) };
		}
	};
}

const BACKFILL_BATCH = 500;

/**
 * Gives the search keys to users stored before they existed, once, at start (either store): a batch at a
 * time in `_id` order, only documents without them, so it is idempotent, safe on several replicas at once,
 * and nothing after the first run. Returns how many it changed. The keys are not part of any answer: the
 * read caches need not hear of it.
 */
export async function backfillSearchKeys(users: Collection<UserRecord>): Promise<number> {
	let changed = 0;
	let after = "";
	for (;;) {
		const rows = await users.find({ displayNameKey: { $exists: false }, _id: { $gt: after } }, { sort: ["_id"], limit: BACKFILL_BATCH });
		for (const user of rows) {
			changed += await users.updateMany(
				{ _id: user._id, displayNameKey: { $exists: false } },
				{ $set: { ...nameKeys(user.displayName ?? ""), emailDomain: emailDomain(user.emailKey) } }
			);
		}
		if (rows.length < BACKFILL_BATCH) return changed;
		after = rows[rows.length - 1]._id;
	}
}
