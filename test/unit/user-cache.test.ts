import type { Context } from "moleculer";
import { CallerIdentity } from "../../lib/bus-identity";
import { UserReadCache, UserReadCacheMiddleware, USER_CACHE_TTL_MS } from "../../lib/user-cache";
import type { AppMeta } from "../../lib/types";
import type { PublicUser } from "../../lib/user-schema";
import { TestClock } from "../helpers/clock";
import { samplePublicUser } from "../helpers/users";

type Next = (ctx: Context<unknown, AppMeta>) => Promise<unknown>;
type Hook = (next: Next, action: { name?: string }) => Next;

function user(id: string, displayName = "Ada"): PublicUser {
	return samplePublicUser({ id, email: `${id}@example.com`, displayName });
}

const ctxOf = (meta: AppMeta) => ({ meta }) as Context<unknown, AppMeta>;

describe("UserReadCache", () => {
	it("answers what was stored, frozen, until the user is dropped", () => {
		const cache = new UserReadCache();
		const stored = cache.set(user("a"), cache.ticket(), 0);
		expect(cache.get("a", 1)).toBe(stored);
		expect(Object.isFrozen(stored)).toBe(true);
		expect(Object.isFrozen(stored.roles)).toBe(true);
		cache.drop("a");
		expect(cache.get("a", 2)).toBeUndefined();
	});

	it("never stores a read that began before a change was announced", () => {
		const cache = new UserReadCache();
		const ticket = cache.ticket();
		cache.drop("a");
		cache.set(user("a", "stale"), ticket, 0);
		expect(cache.get("a", 0)).toBeUndefined();
		expect(cache.size).toBe(0);
	});

	it("forgets an entry after its time to live, should a change event be lost", () => {
		const cache = new UserReadCache();
		cache.set(user("a"), cache.ticket(), 1_000);
		expect(cache.get("a", 1_000 + USER_CACHE_TTL_MS - 1)?.id).toBe("a");
		expect(cache.get("a", 1_000 + USER_CACHE_TTL_MS)).toBeUndefined();
	});

	it("is bounded: the oldest entry goes first", () => {
		const cache = new UserReadCache(2);
		for (const id of ["a", "b", "c"]) cache.set(user(id), cache.ticket(), 0);
		expect(cache.size).toBe(2);
		expect(cache.get("a", 0)).toBeUndefined();
		expect(cache.get("c", 0)?.id).toBe("c");
	});
});

describe("UserReadCacheMiddleware", () => {
	const clock = new TestClock(1_000_000);
	const identity = new CallerIdentity(new Map(), { issuer: "i", audience: "a" });

	it("wraps only users.me", () => {
		const cache = new UserReadCache();
		const middleware = UserReadCacheMiddleware(cache, identity, clock) as unknown as { localAction: Hook; remoteAction: Hook };
		const next: Next = () => Promise.resolve(null);
		expect(middleware.localAction(next, { name: "users.get" })).toBe(next);
		expect(middleware.remoteAction(next, { name: "auth.login" })).toBe(next);
	});

	it("where users runs: the proven caller's record is read once, and again after a change", async () => {
		const cache = new UserReadCache();
		const middleware = UserReadCacheMiddleware(cache, identity, clock) as unknown as { localAction: Hook };
		let reads = 0;
		let name = "Ada";
		const handler = middleware.localAction(() => (reads++, Promise.resolve(user("a", name))), { name: "users.me" });
		const meta: AppMeta = { user: { id: "a", sid: "s", roles: ["user"] } };
		expect(await handler(ctxOf(meta))).toMatchObject({ displayName: "Ada" });
		expect(await handler(ctxOf(meta))).toMatchObject({ displayName: "Ada" });
		expect(reads).toBe(1);
		name = "Grace";
		cache.drop("a");
		expect(await handler(ctxOf(meta))).toMatchObject({ displayName: "Grace" });
		expect(reads).toBe(2);
	});

	it("a change announced while a read is under way: that read is answered but not kept", async () => {
		const cache = new UserReadCache();
		const middleware = UserReadCacheMiddleware(cache, identity, clock) as unknown as { localAction: Hook };
		let release: (u: PublicUser) => void = () => undefined;
		const handler = middleware.localAction(() => new Promise(resolve => (release = resolve)), { name: "users.me" });
		const pending = handler(ctxOf({ user: { id: "a", sid: "s", roles: ["user"] } }));
		cache.drop("a");
		release(user("a", "before the change"));
		expect(await pending).toMatchObject({ displayName: "before the change" });
		expect(cache.get("a", clock.now())).toBeUndefined();
	});

	it("calling a remote users: a caller this node cannot prove is never served from the cache", async () => {
		const cache = new UserReadCache();
		cache.set(user("a"), cache.ticket(), clock.now());
		identity.revocationsLoaded = true;
		const middleware = UserReadCacheMiddleware(cache, identity, clock) as unknown as { remoteAction: Hook };
		const handler = middleware.remoteAction(() => Promise.resolve("the remote node's answer"), { name: "users.me" });
		// A made-up meta.user proves nothing: the remote node decides.
		expect(await handler(ctxOf({ user: { id: "a", sid: "s", roles: ["user"] } }))).toBe("the remote node's answer");
		expect(await handler(ctxOf({ accessToken: "not.a.token" }))).toBe("the remote node's answer");
	});
});
