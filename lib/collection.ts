import { apiError } from "./errors";
import { isUnavailableError } from "./mongo";

/**
 * A typed collection over a moleculer-db adapter (NeDB MemoryAdapter or the mongoose adapter): the one way
 * services read and write their data. Queries are MongoDB-style filters, understood by both stores.
 */
export type Filter = Record<string, unknown>;
export type Update = Record<string, unknown>;

export interface FindOptions {
	sort?: string[];
	limit?: number;
	offset?: number;
}

/** The part of moleculer-db's adapter API this project uses (both adapters implement it). */
export interface StoreAdapter {
	connect(): Promise<void>;
	disconnect(): Promise<void>;
	find(filters: { query?: Filter } & FindOptions): Promise<unknown[]>;
	findOne(query: Filter): Promise<unknown>;
	findById(id: string): Promise<unknown>;
	count(filters: { query?: Filter }): Promise<number>;
	insert(entity: object): Promise<unknown>;
	updateMany(query: Filter, update: Update): Promise<number>;
	updateById(id: string, update: Update): Promise<unknown>;
	removeMany(query: Filter): Promise<number>;
	removeById(id: string): Promise<unknown>;
	entityToObject(entity: unknown): unknown;
}

export interface Entity {
	_id: string;
}

/**
 * True for a unique-index violation: NeDB's `uniqueViolated`, MongoDB's E11000 — and FerretDB 1.x, which
 * answers an update that breaks a unique index with a generic error naming SQLite's constraint.
 */
export function isDuplicateKeyError(err: unknown): boolean {
	const e = err as { errorType?: unknown; code?: unknown; message?: unknown } | null;
	if (!e) return false;
	return e.errorType === "uniqueViolated" || e.code === 11000 || e.code === 11001 || (typeof e.message === "string" && e.message.includes("UNIQUE constraint failed"));
}

export class Collection<T extends Entity> {
	constructor(
		readonly name: string,
		readonly adapter: StoreAdapter
	) {}

	/** A store that cannot be reached is a 503 for the client, not a 500. */
	private async guard<R>(operation: Promise<R>): Promise<R> {
		try {
			return await operation;
		} catch (err) {
			if (isUnavailableError(err)) throw apiError("SERVICE_UNAVAILABLE", "The database is not reachable; try again shortly");
			throw err;
		}
	}

	private async plain(entity: unknown): Promise<T | null> {
		if (entity === null || entity === undefined) return null;
		return (await this.adapter.entityToObject(entity)) as T;
	}

	async insert(doc: T): Promise<T> {
		return (await this.plain(await this.guard(this.adapter.insert(doc)))) as T;
	}

	async findById(id: string): Promise<T | null> {
		return this.plain(await this.guard(this.adapter.findById(id)));
	}

	async findOne(query: Filter): Promise<T | null> {
		return this.plain(await this.guard(this.adapter.findOne(query)));
	}

	async find(query: Filter, opts: FindOptions = {}): Promise<T[]> {
		const rows = await this.guard(this.adapter.find({ query, ...opts }));
		return Promise.all(rows.map(r => this.plain(r) as Promise<T>));
	}

	count(query: Filter): Promise<number> {
		return this.guard(this.adapter.count({ query }));
	}

	/** Returns how many documents matched and changed: 1 or 0 makes a compare-and-set. */
	updateMany(query: Filter, update: Update): Promise<number> {
		return this.guard(this.adapter.updateMany(query, update));
	}

	/** The document after the update, or null when there is none with that id. */
	async updateById(id: string, update: Update): Promise<T | null> {
		return this.plain(await this.guard(this.adapter.updateById(id, update)));
	}

	removeMany(query: Filter): Promise<number> {
		return this.guard(this.adapter.removeMany(query));
	}

	async removeById(id: string): Promise<void> {
		await this.guard(this.adapter.removeById(id));
	}
}
