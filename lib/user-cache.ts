/**
 * A bounded cache of the signed-in user's own record for `GET /users/me` (the authenticated read), on every
 * node: where `users` runs (no store read, no copy) and on a gateway whose `users` is on another node (no
 * NATS round trip). Kept correct by the users' change events: every write to a user drops the entry on the
 * writing node before the write is answered, and broadcasts `user.changed` to every other node
 * (services/identity listens), as `session.revoked` is. The caller is verified on every request before the
 * cache is consulted (lib/bus-identity.ts: signature once per token, `exp` and revocation every time), so a
 * disabled or deleted account (whose sessions end with the change) is refused, cached or not.
 */
import type { Context, Middleware } from "moleculer";
import type { CallerIdentity } from "./bus-identity";
import type { Clock } from "./clock";
import type { AppMeta } from "./types";
import type { PublicUser } from "./user-schema";

/** Broadcast by `users` after every write to a user (insert, update, delete): `{ id }`. */
export const USER_CHANGED = "user.changed";

/** The one action it serves: the signed-in user (services/users, `me`). */
export const CACHED_ACTION = "users.me";

/** Enough for every user active at once on a busy node; an entry is ~1 KB. */
export const USER_CACHE_ENTRIES = 10_000;

/** A safety net should a change event be lost (a NATS partition): no entry is older than this. */
export const USER_CACHE_TTL_MS = 30_000;

interface Entry {
	user: Readonly<PublicUser>;
	storedAt: number;
}

export class UserReadCache {
	/** Oldest first (a Map keeps insertion order): bounded, evicting the oldest. */
	private readonly entries = new Map<string, Entry>();
	/** Bumped by every drop: a read that began before a drop never stores what it read. */
	private version = 0;

	constructor(
		private readonly maxEntries = USER_CACHE_ENTRIES,
		private readonly ttlMs = USER_CACHE_TTL_MS
	) {}

	get(id: string, now: number): Readonly<PublicUser> | undefined {
		const entry = this.entries.get(id);
		if (!entry) return undefined;
		if (now - entry.storedAt >= this.ttlMs) {
			this.entries.delete(id);
			return undefined;
		}
		return entry.user;
	}

	/** Taken before the read whose result `set` stores. */
	ticket(): number {
		return this.version;
	}

	/** Stores a user read since `ticket` unless a change was announced meanwhile; answers the frozen copy. */
	set(user: PublicUser, ticket: number, now: number): Readonly<PublicUser> {
		const frozen = Object.freeze({ ...user, roles: Object.freeze([...user.roles]) }) as Readonly<PublicUser>;
		if (ticket !== this.version) return frozen;
		this.entries.delete(user.id);
		if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
		this.entries.set(user.id, { user: frozen, storedAt: now });
		return frozen;
	}

	/** A user changed (or is gone): the next read goes to the store. */
	drop(id: string): void {
		this.version++;
		this.entries.delete(id);
	}

	get size(): number {
		return this.entries.size;
	}
}

type Next = (ctx: Context<unknown, AppMeta>) => Promise<unknown>;

/**
 * Serves `users.me` from the cache. Where `users` runs, it sits inside access control (the caller is
 * proven and `meta.user` set); on a node that calls a remote `users`, it proves the caller itself with the
 * node's CallerIdentity, and a caller it cannot prove goes on to the remote node, which answers.
 */
export function UserReadCacheMiddleware(cache: UserReadCache, identity: CallerIdentity, clock: Pick<Clock, "now">): Middleware {
	const fill = (next: Next, ctx: Context<unknown, AppMeta>) => {
		const ticket = cache.ticket();
		return next(ctx).then(user => cache.set(user as PublicUser, ticket, clock.now()));
	};
	return {
		name: "UserReadCache",
		localAction(next: Next, action: { name?: string }) {
			if (action.name !== CACHED_ACTION) return next;
			return function cachedRead(ctx: Context<unknown, AppMeta>) {
				const id = ctx.meta.user?.id;
				const hit = id === undefined ? undefined : cache.get(id, clock.now());
				return hit ? Promise.resolve(hit) : fill(next, ctx);
			};
		},
		remoteAction(next: Next, action: { name?: string }) {
			if (action.name !== CACHED_ACTION) return next;
			return function cachedRemoteRead(ctx: Context<unknown, AppMeta>) {
				if (!identity.revocationsLoaded) return next(ctx);
				const now = clock.now();
				const caller = identity.callerOf(ctx.meta, now);
				if (!caller || !("id" in caller)) return next(ctx);
				const hit = cache.get(caller.id, now);
				return hit ? Promise.resolve(hit) : fill(next, ctx);
			};
		}
	} as Middleware;
}
