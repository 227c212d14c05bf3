/** The notifications service's collections behind its store ports. */
import type { Collection, Filter } from "../../lib/collection";
import type { DeliveryRecord, DeliveryStore, InboxStore, NoticeFilter, NotificationRecord } from "./ports";

export function collectionDeliveryStore(deliveries: Collection<DeliveryRecord>): DeliveryStore {
	return {
		insert: delivery => deliveries.insert(delivery),
		due: (now, limit) =>
			deliveries.find({ status: "pending", nextAttemptAt: { $lte: now }, $or: [{ lockedUntil: null }, { lockedUntil: { $lt: now } }] }, { sort: ["nextAttemptAt"], limit }),
		claim: async (delivery, until) =>
			(await deliveries.updateMany({ _id: delivery._id, status: "pending", lockedUntil: delivery.lockedUntil }, { $set: { lockedUntil: until } })) === 1,
		update: async (id, set) => {
			await deliveries.updateById(id, { $set: set });
		},
		failed: async (page, pageSize) => {
			const [rows, total] = await Promise.all([
				deliveries.find({ status: "failed" }, { sort: ["-createdAt"], limit: pageSize, offset: (page - 1) * pageSize }),
				deliveries.count({ status: "failed" })
			]);
			return { rows, total };
		},
		updateFailed: (id, set) => deliveries.updateMany(id ? { _id: id, status: "failed" } : { status: "failed" }, { $set: set })
	};
}

function noticeQuery(userId: string, shown: NoticeFilter): Filter {
	if (shown === "unread") return { userId, readAt: null };
	if (shown === "read") return { userId, readAt: { $ne: null } };
	return { userId };
}

export function collectionInboxStore(notifications: Collection<NotificationRecord>): InboxStore {
	return {
		insert: async notice => {
			await notifications.insert(notice);
		},
		page: (userId, shown, offset, limit) => notifications.find(noticeQuery(userId, shown), { sort: ["-createdAt", "-_id"], limit, offset }),
		count: (userId, shown) => notifications.count(noticeQuery(userId, shown)),
		find: (userId, id) => notifications.findOne({ _id: id, userId }),
		markRead: async (userId, id, at) => {
			const filter: Filter = id ? { _id: id, userId, readAt: null } : { userId, readAt: null };
			await notifications.updateMany(filter, { $set: { readAt: at } });
		},
		removeAll: async userId => {
			await notifications.removeMany({ userId });
		}
	};
}
