import type { Collection } from "../../lib/collection";
import type { UserRecord } from "../../lib/types";
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
		insert: user => announce(user._id, users.insert(user)),
		update: (id, set) => announce(id, users.updateById(id, { $set: set })),
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
