import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { Piscina } from "piscina";
import type { HashTask, VerifyTask } from "./worker";

// The worker is loaded by file name: `worker.ts` in development and tests (Node strips the types),
// `worker.js` when compiled.
const WORKER_FILE = path.join(__dirname, `worker${path.extname(__filename)}`);

/** How long a worker thread waits for the next hash before it ends. */
const IDLE_TIMEOUT_MS = 5_000;

/** Rounds encoded in a bcrypt hash (`$2b$12$…`). */
export function bcryptRounds(hash: string): number {
	const match = /^\$2[abxy]\$(\d{2})\$/.exec(hash);
	return match ? Number(match[1]) : 0;
}

/** bcrypt in a pool of worker threads. */
export class PasswordHasher {
	private readonly pool: Piscina;
	private dummyHash?: Promise<string>;

	constructor(
		private readonly rounds: number,
		threads = Math.max(1, os.availableParallelism())
	) {
		// No thread while nobody logs in: each idle worker holds ~10 MiB; starting one costs a few ms on the
		// first hash after a quiet spell, against the hash's own hundreds.
		this.pool = new Piscina({ filename: WORKER_FILE, minThreads: 0, maxThreads: threads, idleTimeout: IDLE_TIMEOUT_MS });
	}

	hash(password: string): Promise<string> {
		const task: HashTask = { op: "hash", password, rounds: this.rounds };
		return this.pool.run(task) as Promise<string>;
	}

	/**
	 * Checks a password. With no stored hash (unknown address) it still compares against a hash of the
	 * same cost, so that the answer takes as long either way, and answers false.
	 */
	async verify(password: string, hash: string | null | undefined): Promise<boolean> {
		if (!hash) {
			this.dummyHash ??= this.hash(randomBytes(16).toString("hex"));
			const task: VerifyTask = { op: "verify", password, hash: await this.dummyHash };
			await this.pool.run(task);
			return false;
		}
		const task: VerifyTask = { op: "verify", password, hash };
		return (await this.pool.run(task)) as boolean;
	}

	/** A hash made with fewer rounds than configured is replaced at the next successful login. */
	needsRehash(hash: string): boolean {
		return bcryptRounds(hash) < this.rounds;
	}

	async destroy(): Promise<void> {
		await this.pool.destroy();
	}
}
