import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError } from "./config";

/**
 * One process per embedded store (CONTRACT §7): two processes writing the same NeDB files lose each other's
 * changes and break unique keys (the audit trail's `seq`). The lock is a file in DATA_DIR naming its holder;
 * a lock whose holder is gone is taken over:
 * - on this host, the holder is gone when its pid is no longer alive (or is our own pid: a container restarted
 *   with pid 1 again);
 * - from another host (a shared volume), liveness cannot be checked, so the holder refreshes the file's time
 *   every REFRESH_MS and a lock not refreshed for STALE_MS is taken over.
 */
export const LOCK_FILE = ".lock";
export const REFRESH_MS = 10_000;
export const STALE_MS = 3 * REFRESH_MS;

interface LockOwner {
	pid: number;
	hostname: string;
	startedAt: string;
}

export interface DataDirLock {
	readonly file: string;
	release(): void;
}

/** A second process on the same DATA_DIR: the node stops with exit code 78 (EX_CONFIG) and this message. */
export class DataDirLockedError extends ConfigError {
	override name = "DataDirLockedError";
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (err) {
		// EPERM: the process exists but belongs to someone else.
		return (err as NodeJS.ErrnoException).code === "EPERM";
	}
}

function readOwner(file: string): { owner: LockOwner | null; mtimeMs: number } | null {
	try {
		const mtimeMs = fs.statSync(file).mtimeMs;
		let owner: LockOwner | null = null;
		try {
			const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<LockOwner>;
			if (typeof parsed.pid === "number" && typeof parsed.hostname === "string") owner = { pid: parsed.pid, hostname: parsed.hostname, startedAt: String(parsed.startedAt ?? "") };
		} catch {
			// Half-written or foreign content: judged by age alone.
		}
		return { owner, mtimeMs };
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
		throw err;
	}
}

/** Whether the process that wrote the lock is gone. */
function isStale(owner: LockOwner | null, mtimeMs: number, now: number): boolean {
	if (owner && owner.hostname === os.hostname()) return owner.pid === process.pid || !isAlive(owner.pid);
	return now - mtimeMs > STALE_MS;
}

/**
 * Takes the lock on `dataDir` or throws DataDirLockedError naming the directory and its holder. The lock is
 * released when the process exits (or by `release`).
 */
export function lockDataDir(dataDir: string, now: () => number = Date.now): DataDirLock {
	fs.mkdirSync(dataDir, { recursive: true });
	const file = path.join(dataDir, LOCK_FILE);
	const me: LockOwner = { pid: process.pid, hostname: os.hostname(), startedAt: new Date(now()).toISOString() };
	const content = JSON.stringify(me);
	for (let attempt = 0; attempt < 3; attempt++) {
		try {
			fs.writeFileSync(file, content, { flag: "wx", mode: 0o644 });
			return holdLock(file, content);
		} catch (err) {
			if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
		}
		const held = readOwner(file);
		if (held === null) continue; // released meanwhile
		if (!isStale(held.owner, held.mtimeMs, now())) {
			const who = held.owner ? `pid ${held.owner.pid} on ${held.owner.hostname}, since ${held.owner.startedAt}` : "another process";
			throw new DataDirLockedError(
				`DATA_DIR ${dataDir} is in use by ${who}: only one process may use an embedded store. ` +
					`Stop that process (or point this one at another DATA_DIR, or set MONGO_URI so that nodes share a database). Lock file: ${file}`
			);
		}
		// Its holder is gone: remove the lock and race for it again (whoever creates it first wins).
		fs.rmSync(file, { force: true });
	}
	throw new DataDirLockedError(`DATA_DIR ${dataDir}: could not take the lock ${file} (another process keeps taking it)`);
}

function holdLock(file: string, content: string): DataDirLock {
	const ours = () => {
		try {
			return fs.readFileSync(file, "utf8") === content;
		} catch {
			return false;
		}
	};
	const refresh = setInterval(() => {
		if (!ours()) return;
		const t = new Date();
		try {
			fs.utimesSync(file, t, t);
		} catch {
			// The directory went away: nothing to keep fresh.
		}
	}, REFRESH_MS);
	refresh.unref();
	let released = false;
	const release = () => {
		if (released) return;
		released = true;
		clearInterval(refresh);
		process.removeListener("exit", release);
		if (ours()) fs.rmSync(file, { force: true });
	};
	process.on("exit", release);
	return { file, release };
}

/** Whether this node writes the embedded store (a store service, no MONGO_URI): then it must hold the lock. */
export function needsDataDirLock(config: { mongoUri?: string; inMemoryStore?: boolean; services: readonly string[] }): boolean {
	return !config.mongoUri && !config.inMemoryStore && config.services.some(s => s !== "api");
}
