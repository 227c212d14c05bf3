/**
 * Seeds users (with one password for all, hashed once) and sessions straight into a store, before a node
 * starts on it: the embedded store's files are written as NeDB writes them, MongoDB gets bulk inserts.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import mongoose from "mongoose";
import { emailDomain, nameKeys } from "../lib/user-search";

export const SEED_PASSWORD = "a long bench passphrase";

export function seedUserId(i: number): string {
	return `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
}

export function seedEmail(i: number): string {
	return `user${i}@bench.example`;
}

type Doc = Record<string, unknown> & { _id: string };

/** Seed user 0 is an admin. */
function user(i: number, now: Date): Doc {
	return {
		_id: seedUserId(i),
		email: seedEmail(i),
		emailKey: seedEmail(i),
		displayName: `User ${i}`,
		bio: "",
		avatarUrl: null,
		locale: "en",
		timezone: "UTC",
		roles: i === 0 ? ["user", "admin"] : ["user"],
		status: "active",
		emailVerified: true,
		createdAt: new Date(now.getTime() - i * 1000),
		updatedAt: now,
		lastLoginAt: null,
		// Written straight into the store, past the users store: the admin search's keys too.
		...nameKeys(`User ${i}`),
		emailDomain: emailDomain(seedEmail(i))
	};
}

function session(i: number, users: number, now: Date): Doc {
	return {
		_id: `seed-session-${i}`,
		userId: seedUserId(i % users),
		tokenHash: randomBytes(32).toString("base64url"),
		createdAt: now,
		lastUsedAt: now,
		expiresAt: new Date(now.getTime() + 30 * 86_400_000),
		userAgent: null,
		ip: null,
		revokedAt: null,
		revokedUntil: null
	};
}

function* collections(users: number, sessions: number, passwordHash: string): Generator<[string, (i: number) => Doc, number]> {
	const now = new Date();
	yield ["users", i => user(i, now), users];
	yield ["credentials", i => ({ _id: seedUserId(i), passwordHash, updatedAt: now }), users];
	yield ["sessions", i => session(i, users, now), sessions];
}

/** NeDB's own file format: one JSON document a line, dates as `{"$$date": ms}`. */
export function seedEmbedded(dataDir: string, users: number, sessions: number, passwordHash: string): void {
	const dir = path.join(dataDir, "db");
	fs.mkdirSync(dir, { recursive: true });
	const replacer = function (this: Record<string, unknown>, key: string, value: unknown) {
		const raw = this[key];
		return raw instanceof Date ? { $$date: raw.getTime() } : value;
	};
	for (const [name, make, count] of collections(users, sessions, passwordHash)) {
		const fd = fs.openSync(path.join(dir, `${name}.db`), "w");
		for (let start = 0; start < count; start += 10_000) {
			let chunk = "";
			for (let i = start; i < Math.min(count, start + 10_000); i++) chunk += JSON.stringify(make(i), replacer) + "\n";
			fs.writeSync(fd, chunk);
		}
		fs.closeSync(fd);
	}
}

export async function seedMongo(uri: string, users: number, sessions: number, passwordHash: string): Promise<void> {
	const conn = await mongoose.createConnection(uri).asPromise();
	try {
		for (const [name, make, count] of collections(users, sessions, passwordHash)) {
			const collection = conn.collection(name);
			for (let start = 0; start < count; start += 5_000) {
				const docs = Array.from({ length: Math.min(count, start + 5_000) - start }, (_, k) => make(start + k));
				await collection.insertMany(docs as never[], { ordered: false });
			}
		}
	} finally {
		await conn.close();
	}
}
