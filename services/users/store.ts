import type { Collection } from "../../lib/collection";
import type { UserRecord } from "../../lib/types";
import { ACTIVE_ADMINS, userListFilter } from "./policy";
import type { UserStore } from "./ports";

/** The users collection behind the UserStore port. */
export function collectionUserStore(users: Collection<UserRecord>): UserStore {
	return {
		findById: id => users.findById(id),
		findByEmailKey: emailKey => users.findOne({ emailKey }),
		insert: user => users.insert(user),
		update: (id, set) => users.updateById(id, { $set: set }),
		remove: id => users.removeById(id),
		countActiveAdmins: () => users.count(ACTIVE_ADMINS),
		async page(query) {
			const { page, pageSize } = query;
			const { filter, sort } = userListFilter(query);
			const [rows, total] = await Promise.all([users.find(filter, { sort, limit: pageSize, offset: (page - 1) * pageSize }), users.count(filter)]);
			return { rows, total, page, pageSize, totalPages: Math.ceil(total / pageSize) };
		}
	};
}
