// Runs in a worker thread (piscina): bcrypt is CPU-bound and must not block the event loop.
// Kept free of TypeScript-only syntax so that Node can load the .ts file directly in development.
import { createHmac } from "node:crypto";
import { compare, hash } from "bcryptjs";

// OWASP's pre-hashing advice: bcrypt reads at most 72 bytes, so a keyed SHA-384 of the whole password
// (64 base64 characters, no NUL bytes) goes into bcrypt instead, and every character counts.
const PREHASH_KEY = "user-backend/password/v1";

function prehash(password: string): string {
	return createHmac("sha384", PREHASH_KEY).update(password, "utf8").digest("base64");
}

export interface HashTask {
	op: "hash";
	password: string;
	rounds: number;
}

export interface VerifyTask {
	op: "verify";
	password: string;
	hash: string;
}

export default async function run(task: HashTask | VerifyTask): Promise<string | boolean> {
	if (task.op === "hash") return hash(prehash(task.password), task.rounds);
	return compare(prehash(task.password), task.hash);
}
