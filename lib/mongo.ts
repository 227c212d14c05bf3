import mongoose, { type Connection, type ConnectOptions } from "mongoose";
import { backoffDelay } from "./backoff";

/**
 * Connection settings, chosen to fail fast: an operation waits at most `serverSelectionTimeoutMS` for a
 * server (then the request answers 503), nothing is buffered while disconnected, and a write is
 * acknowledged only once it is journaled on a majority.
 */
export const MONGO_OPTIONS: ConnectOptions = {
	serverSelectionTimeoutMS: 2_000,
	connectTimeoutMS: 5_000,
	socketTimeoutMS: 30_000,
	heartbeatFrequencyMS: 2_000,
	maxPoolSize: 20,
	minPoolSize: 1,
	bufferCommands: false,
	autoIndex: false,
	autoCreate: true,
	writeConcern: { w: "majority", journal: true }
};

interface Shared {
	connection: Promise<Connection>;
	users: number;
}

/** One connection per process and URI, shared by every service and collection on this node. */
const shared = new Map<string, Shared>();

export interface ConnectLog {
	warn(...args: unknown[]): void;
	info(...args: unknown[]): void;
}

/** A URI safe to log: no password. */
export function redactUri(uri: string): string {
	return uri.replace(/\/\/([^:@/]+):([^@/]+)@/, "//$1:***@");
}

async function connectWithRetry(uri: string, log: ConnectLog, signal: AbortSignal): Promise<Connection> {
	for (let attempt = 1; ; attempt++) {
		const connection = mongoose.createConnection(uri, MONGO_OPTIONS);
		try {
			await connection.asPromise();
			if (attempt > 1) log.info(`Connected to MongoDB at ${redactUri(uri)} after ${attempt} attempts.`);
			return connection;
		} catch (err) {
			await connection.close().catch(() => undefined);
			if (signal.aborted) throw new Error("Stopped while connecting to MongoDB", { cause: err });
			const delay = backoffDelay(attempt, 500, 15_000);
			log.warn(`MongoDB at ${redactUri(uri)} is not reachable (attempt ${attempt}: ${(err as Error).message}); retrying in ${delay} ms.`);
			await new Promise<void>(resolve => {
				const timer = setTimeout(resolve, delay);
				signal.addEventListener("abort", () => {
					clearTimeout(timer);
					resolve();
				});
			});
			if (signal.aborted) throw new Error("Stopped while connecting to MongoDB", { cause: err });
		}
	}
}

/** The process's connection to `uri`, connecting (and retrying with backoff until it succeeds) on first use. */
export function acquireConnection(uri: string, log: ConnectLog, signal: AbortSignal): Promise<Connection> {
	let entry = shared.get(uri);
	if (!entry) {
		entry = { connection: connectWithRetry(uri, log, signal), users: 0 };
		entry.connection.catch(() => shared.delete(uri));
		shared.set(uri, entry);
	}
	entry.users++;
	return entry.connection;
}

/** Closes the connection when its last user lets go. */
export async function releaseConnection(uri: string): Promise<void> {
	const entry = shared.get(uri);
	if (!entry) return;
	entry.users--;
	if (entry.users > 0) return;
	shared.delete(uri);
	const connection = await entry.connection.catch(() => null);
	await connection?.close();
}

/** True for errors that mean "the database cannot be reached now", as opposed to a bad query. */
export function isUnavailableError(err: unknown): boolean {
	const name = (err as { name?: unknown } | null)?.name;
	if (typeof name !== "string") return false;
	return /^(Mongo|Mongoose)(ServerSelection|Network|NetworkTimeout|NotConnected|PoolCleared|TopologyClosed|ServerClosed)Error$/.test(name);
}
