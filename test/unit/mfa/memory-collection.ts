import { MemoryAdapter } from "moleculer-db";
import type { Service, ServiceBroker } from "moleculer";
import { Collection, type Entity, type StoreAdapter } from "../../../lib/collection";

interface NedbDatastore {
	ensureIndex(opts: { fieldName: string; unique?: boolean }): Promise<void>;
}

/** A real Collection over moleculer-db's in-memory NeDB adapter (the embedded store), with unique indexes. */
export async function memoryCollection<T extends Entity>(name: string, uniqueFields: string[] = []): Promise<Collection<T>> {
	const adapter = new MemoryAdapter();
	// The adapter only keeps these references; none of its methods use them.
	adapter.init({} as ServiceBroker, {} as Service);
	await adapter.connect();
	const db = (adapter as unknown as { db: NedbDatastore }).db;
	for (const fieldName of uniqueFields) await db.ensureIndex({ fieldName, unique: true });
	return new Collection<T>(name, adapter as unknown as StoreAdapter);
}

/** A clock the test moves. */
export function movableClock(start: number): { now(): number; advance(ms: number): void; set(ms: number): void } {
	let now = start;
	return { now: () => now, advance: ms => void (now += ms), set: ms => void (now = ms) };
}
