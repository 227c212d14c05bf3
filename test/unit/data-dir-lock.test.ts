import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { DataDirLockedError, LOCK_FILE, STALE_MS, lockDataDir, needsDataDirLock } from "../../lib/data-dir-lock";
import { freePort } from "../helpers/ferretdb";
import { NodeProcess, waitForHttp } from "../helpers/node-process";

function tempDir(): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), "ub-lock-"));
}

/** A pid that is surely not alive: a process that has already exited. */
function deadPid(): number {
	return spawnSync(process.execPath, ["-e", ""]).pid!;
}

describe("one writer per embedded store (lib/data-dir-lock.ts)", () => {
	it("refuses a second holder while the first lives, naming the directory", () => {
		const dir = tempDir();
		fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, hostname: os.hostname(), startedAt: "2024-01-01T00:00:00.000Z" }));
		expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
		expect(() => lockDataDir(dir)).toThrow(`DATA_DIR ${dir} is in use by pid ${process.ppid} on ${os.hostname()}`);
	});

	it("takes over a lock left by a dead process, and releases it", () => {
		const dir = tempDir();
		const file = path.join(dir, LOCK_FILE);
		fs.writeFileSync(file, JSON.stringify({ pid: deadPid(), hostname: os.hostname(), startedAt: "2024-01-01T00:00:00.000Z" }));
		const lock = lockDataDir(dir);
		expect(JSON.parse(fs.readFileSync(file, "utf8")).pid).toBe(process.pid);
		lock.release();
		expect(fs.existsSync(file)).toBe(false);
	});

	it("judges a lock from another host by its age: refreshed is held, older than STALE_MS is taken over", () => {
		const dir = tempDir();
		const file = path.join(dir, LOCK_FILE);
		fs.writeFileSync(file, JSON.stringify({ pid: 1, hostname: "another-host", startedAt: "2024-01-01T00:00:00.000Z" }));
		expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
		const old = new Date(Date.now() - STALE_MS - 1_000);
		fs.utimesSync(file, old, old);
		const lock = lockDataDir(dir);
		expect(JSON.parse(fs.readFileSync(file, "utf8")).hostname).toBe(os.hostname());
		lock.release();
	});

	it("is needed by store services on the embedded store only: with MONGO_URI, or for a gateway alone, nodes may share DATA_DIR", () => {
		expect(needsDataDirLock({ services: ["api", "users", "auth", "notifications"] })).toBe(true);
		expect(needsDataDirLock({ services: ["notifications"] })).toBe(true);
		expect(needsDataDirLock({ services: ["api", "users"], mongoUri: "mongodb://db:27017/app" })).toBe(false);
		expect(needsDataDirLock({ services: ["api"] })).toBe(false);
		expect(needsDataDirLock({ services: [] })).toBe(false);
		expect(needsDataDirLock({ services: ["users"], inMemoryStore: true })).toBe(false);
	});
});

describe("two real processes on one DATA_DIR (npm start)", () => {
	const started: NodeProcess[] = [];
	afterAll(async () => {
		for (const p of started) await p.stop("SIGKILL");
	});

	async function startServer(dataDir: string): Promise<{ proc: NodeProcess; healthPort: number }> {
		const healthPort = await freePort();
		const env = { DATA_DIR: dataDir, PORT: String(await freePort()), HEALTH_PORT: String(healthPort), METRICS_PORT: "0", LOG_LEVEL: "warn", BCRYPT_ROUNDS: "4" };
		const proc = new NodeProcess("server.ts", env);
		started.push(proc);
		return { proc, healthPort };
	}

	it("the second stops with exit code 78 naming the directory; after the first is killed, its stale lock is taken over", async () => {
		const dataDir = tempDir();
		const first = await startServer(dataDir);
		await waitForHttp(`http://127.0.0.1:${first.healthPort}/ready`, first.proc, 60_000);

		const second = await startServer(dataDir);
		expect(await second.proc.exited).toBe(78);
		expect(second.proc.output).toContain(`Configuration error: DATA_DIR ${dataDir} is in use by pid ${first.proc.child.pid}`);

		// SIGKILL: no exit handler runs, the lock file stays with a dead pid in it.
		expect(await first.proc.stop("SIGKILL")).toBe(null);
		expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(true);
		const third = await startServer(dataDir);
		await waitForHttp(`http://127.0.0.1:${third.healthPort}/ready`, third.proc, 60_000);
		expect(JSON.parse(fs.readFileSync(path.join(dataDir, LOCK_FILE), "utf8")).pid).toBe(third.proc.child.pid);

		// A graceful stop releases the lock.
		expect(await third.proc.stop()).toBe(0);
		expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
	}, 120_000);
});
