import path from "node:path";
import type { Schema } from "mongoose";
import type { Service, ServiceBroker, ServiceSchema } from "moleculer";
import { MemoryAdapter } from "moleculer-db";
import MongooseDbAdapter from "moleculer-db-adapter-mongoose";
import type { Config } from "../lib/config";
import { Collection, type Entity, type StoreAdapter } from "../lib/collection";

/** What a mongoose model gives this mixin: its name and schema (indexes included). */
export interface ModelLike {
	modelName: string;
	schema: Schema;
	collection: { collectionName: string };
}

interface NedbDatastore {
	ensureIndex(opts: { fieldName: string; unique?: boolean; sparse?: boolean; expireAfterSeconds?: number }): Promise<void>;
	setAutocompactionInterval(ms: number): void;
	stopAutocompaction(): void;
	compactDatafileAsync(): Promise<void>;
}

/** Methods and state the mixin adds to a service. */
export interface DbMixinMethods {
	/** Opens (lazily, at start) the collection of a model; call it in `created`. */
	collection<T extends Entity>(model: ModelLike): Collection<T>;
}

interface DbMixinState {
	$collections: Array<{ collection: Collection<Entity>; model: ModelLike }>;
}

type DbThis = Service & DbMixinMethods & DbMixinState;

/** Compact the embedded store's append-only files every so often. */
const COMPACTION_INTERVAL_MS = 60 * 60 * 1000;

function createAdapter(config: Config, model: ModelLike, broker: ServiceBroker, service: Service): StoreAdapter {
	if (config.mongoUri) {
		const adapter = new MongooseDbAdapter(config.mongoUri, { serverSelectionTimeoutMS: 5_000 });
		// The adapter reads the model from the service schema; several collections per service means
		// handing it a schema of its own.
		(adapter as unknown as { init(b: ServiceBroker, s: unknown): void }).init(broker, {
			schema: { model },
			settings: {},
			logger: service.logger
		});
		return adapter as unknown as StoreAdapter;
	}
	const filename = config.inMemoryStore ? undefined : path.join(config.dataDir, "db", `${model.collection.collectionName}.db`);
	const adapter = new MemoryAdapter(filename ? { filename } : {});
	adapter.init(broker, service);
	return adapter as unknown as StoreAdapter;
}

/** The embedded store has no schema: build its indexes (unique, TTL) from the mongoose model's. */
async function ensureNedbIndexes(db: NedbDatastore, model: ModelLike): Promise<void> {
	for (const [fields, options] of model.schema.indexes()) {
		const names = Object.keys(fields);
		if (names.length !== 1) continue; // NeDB indexes one field at a time; compound ones are for MongoDB.
		await db.ensureIndex({
			fieldName: names[0],
			unique: options.unique === true,
			sparse: options.sparse === true,
			...(typeof options.expireAfterSeconds === "number" ? { expireAfterSeconds: options.expireAfterSeconds } : {})
		});
	}
}

/**
 * Storage for a service: each model becomes a collection on MongoDB (through moleculer-db-adapter-mongoose)
 * when MONGO_URI is set, or on moleculer-db's embedded NeDB store under DATA_DIR otherwise.
 */
export function dbMixin(config: Config): Partial<ServiceSchema> {
	const schema: Partial<ServiceSchema<object, DbMixinMethods, DbMixinState, DbThis>> = {
		methods: {
			collection<T extends Entity>(this: DbThis, model: ModelLike): Collection<T> {
				const collection = new Collection<T>(model.collection.collectionName, createAdapter(config, model, this.broker, this));
				this.$collections.push({ collection: collection as unknown as Collection<Entity>, model });
				return collection;
			}
		},
		created(this: DbThis) {
			this.$collections = [];
		},
		async started(this: DbThis) {
			// One at a time: the mongoose adapters share the process's single connection.
			for (const { collection, model } of this.$collections) {
				await collection.adapter.connect();
				if (!config.mongoUri) {
					const db = (collection.adapter as unknown as { db: NedbDatastore }).db;
					await ensureNedbIndexes(db, model);
					if (!config.inMemoryStore) db.setAutocompactionInterval(COMPACTION_INTERVAL_MS);
				}
			}
		},
		async stopped(this: DbThis) {
			for (const { collection } of this.$collections) {
				if (!config.mongoUri) {
					const db = (collection.adapter as unknown as { db?: NedbDatastore }).db;
					db?.stopAutocompaction();
				}
				await collection.adapter.disconnect();
			}
		}
	};
	return schema as Partial<ServiceSchema>;
}
