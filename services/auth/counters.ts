import { isDuplicateKeyError, type Collection, type Entity } from "../../lib/collection";

/**
 * Adds one to `field` of the document `id` with an atomic increment, creating the document (`fresh`, which
 * already counts this one) when there is none, so that concurrent callers on every replica all count.
 * Answers the document as it is afterwards.
 */
export async function countOne<T extends Entity>(store: Collection<T>, id: string, field: keyof T & string, fresh: T, set: Partial<T> = {}): Promise<T | null> {
	const update = { $inc: { [field]: 1 }, ...(Object.keys(set).length > 0 ? { $set: set } : {}) };
	if ((await store.updateMany({ _id: id }, update)) === 0) {
		try {
			await store.insert(fresh);
			return fresh;
		} catch (err) {
			if (!isDuplicateKeyError(err)) throw err;
			// A concurrent caller created it first.
			await store.updateMany({ _id: id }, update);
		}
	}
	return store.findById(id);
}
