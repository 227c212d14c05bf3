import path from "node:path";
import type { Connection, Model, Schema, mongo } from "mongoose";
import type { Service, ServiceBroker, ServiceSchema } from "moleculer";
import { MemoryAdapter } from "moleculer-db";
import MongooseDbAdapter from "moleculer-db-adapter-mongoose";
import type { Config } from "../lib/config";
import { Collection, type Entity, type StoreAdapter } from "../lib/collection";
import { acquireConnection, releaseConnection } from "../lib/mongo";

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
}

/** Methods and state the mixin adds to a service. */
export interface DbMixinMethods {
	/** Opens (at start) the collection of a model; call it in `created`. */
	collection<T extends Entity>(model: ModelLike): Collection<T>;
	/** True when every collection of this service can be used now. */
	storeReachable(): boolean;
}

interface DbMixinState {
	/** A service whose start-up work goes on after `started` (auth's ADMIN_EMAIL account) says here when it is done. */
	startupDone?: () => boolean;
	$collections: Array<{ collection: Collection<Entity>; model: ModelLike }>;
	$stopping: AbortController;
	$connected: boolean;
}

type DbThis = Service & DbMixinMethods & DbMixinState;

/** Compact the embedded store's append-only files every so often. */
const COMPACTION_INTERVAL_MS = 60 * 60 * 1000;

/**
 * moleculer-db's mongoose adapter, on the process's shared connection (lib/mongo.ts) instead of the
 * global one it would open: several services, and in tests several brokers, live in one process.
 */
class SharedConnectionAdapter extends MongooseDbAdapter<never> {
	declare conn: Connection;

	constructor(
		private readonly mongoUri: string,
		private readonly spec: ModelLike,
		private readonly owner: DbThis
	) {
		super(mongoUri);
	}

	override async connect(): Promise<void> {
		this.conn = await acquireConnection(this.mongoUri, this.owner.logger, this.owner.$stopping.signal);
		this.model = this.conn.model(this.spec.modelName, this.spec.schema, this.spec.collection.collectionName) as unknown as Model<never>;
		await this.ensureIndexes();
	}

	/**
	 * Idempotent: creates what is missing, leaves the rest (and any index an operator added) alone. A server
	 * without TTL indexes (FerretDB 1.x) gets the index without expiry: the code never trusts expiry to the
	 * database anyway, it only keeps collections small.
	 */
	private async ensureIndexes(): Promise<void> {
		const collection = this.conn.collection(this.spec.collection.collectionName);
		for (const [fields, schemaOptions] of this.spec.schema.indexes()) {
			const options = schemaOptions as mongo.CreateIndexesOptions;
			try {
				await collection.createIndex(fields as Record<string, 1 | -1>, options);
			} catch (err) {
				const notImplemented = (err as { code?: number }).code === 238;
				if (!notImplemented || options.expireAfterSeconds === undefined) throw err;
				const rest = { ...options };
				delete rest.expireAfterSeconds;
				this.owner.logger.warn(`This MongoDB server has no TTL indexes: expired ${this.spec.collection.collectionName} stay until removed by hand.`);
				await collection.createIndex(fields as Record<string, 1 | -1>, rest);
			}
		}
	}

	override async disconnect(): Promise<void> {
		await releaseConnection(this.mongoUri);
	}
}

function createAdapter(config: Config, model: ModelLike, broker: ServiceBroker, service: DbThis): StoreAdapter {
	if (config.mongoUri) {
		const adapter = new SharedConnectionAdapter(config.mongoUri, model, service);
		// The adapter reads its model from the service schema; several collections per service means
		// handing it a schema of its own.
		(adapter as unknown as { init(b: ServiceBroker, s: unknown): void }).init(broker, { schema: { model }, settings: {}, logger: service.logger });
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
 * when MONGO_URI is set, or on moleculer-db's embedded NeDB store under DATA_DIR otherwise. A database that
 * is not reachable at start is retried with backoff: the service is not started (and the gateway not ready)
 * until it answers.
 */
export function dbMixin(config: Config): Partial<ServiceSchema> {
	const schema: Partial<ServiceSchema<object, DbMixinMethods, DbMixinState, DbThis>> = {
		actions: {
			/** For readiness checks across the cluster: can this replica reach its store now, and is its start-up work done? */
			storeHealth: {
				visibility: "public",
				handler(this: DbThis): { reachable: boolean; startupDone?: boolean } {
					return { reachable: this.storeReachable(), ...(this.startupDone ? { startupDone: this.startupDone() } : {}) };
				}
			}
		},
		methods: {
			collection<T extends Entity>(this: DbThis, model: ModelLike): Collection<T> {
				// Other mixins may open collections in their `created`, before or after this mixin's own.
				this.$collections ??= [];
				const collection = new Collection<T>(model.collection.collectionName, createAdapter(config, model, this.broker, this));
				this.$collections.push({ collection: collection as unknown as Collection<Entity>, model });
				return collection;
			},
			storeReachable(this: DbThis): boolean {
				if (!this.$connected) return false;
				if (!config.mongoUri) return true;
				// 1 = connected; the driver notices a lost server within its heartbeat (2 s).
				return this.$collections.every(({ collection }) => (collection.adapter as unknown as SharedConnectionAdapter).conn?.readyState === 1);
			}
		},
		created(this: DbThis) {
			this.$collections ??= [];
			this.$stopping = new AbortController();
			this.$connected = false;
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
			this.$connected = true;
		},
		async stopped(this: DbThis) {
			this.$stopping.abort();
			for (const { collection } of this.$collections) {
				if (!config.mongoUri) {
					(collection.adapter as unknown as { db?: NedbDatastore }).db?.stopAutocompaction();
				}
				await collection.adapter.disconnect();
			}
		}
	};
	return schema as Partial<ServiceSchema>;
}
