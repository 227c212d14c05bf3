import type { Context, Service, ServiceSchema } from "moleculer";
import { isDuplicateKeyError, type Collection } from "../lib/collection";
import { throttled } from "../lib/errors";
import { FixedWindowLimiter, type WindowCounter } from "../lib/rate-limit";
import { escapeRegExp } from "../lib/regexp";
import type { AppMeta } from "../lib/types";
import { RateLimitModel } from "../models";
import type { DbMixinMethods } from "./db.mixin";
import type { MetricsMixinMethods } from "./metrics.mixin";

interface RateLimitRecord {
	_id: string; // "<ip>|<window start>"
	count: number;
	expiresAt: Date;
}

export interface IpLimitMixinMethods {
	/** Lifts the limit of one client IP at once. */
	clearIpLimit(ip: string): Promise<void>;
}

type IpLimitThis = Service &
	DbMixinMethods &
	MetricsMixinMethods &
	IpLimitMixinMethods & {
		rateLimits: Collection<RateLimitRecord>;
		ipLimiter: FixedWindowLimiter;
		limitByIp(ctx: Context<unknown, AppMeta>): Promise<void>;
	};

/** A counter document per client and minute: every replica counts in the same place. */
function databaseCounter(rateLimits: Collection<RateLimitRecord>): WindowCounter {
	return {
		async increment(id, expiresAt) {
			if ((await rateLimits.updateMany({ _id: id }, { $inc: { count: 1 } })) === 0) {
				try {
					await rateLimits.insert({ _id: id, count: 1, expiresAt });
					return 1;
				} catch (err) {
					if (!isDuplicateKeyError(err)) throw err;
					await rateLimits.updateMany({ _id: id }, { $inc: { count: 1 } });
				}
			}
			return (await rateLimits.findById(id))?.count ?? 1;
		}
	};
}

/**
 * At most `perMinute` calls a minute per client IP to the named actions, counted in the database so that the
 * limit holds across every replica and gateway. Calls from other services carry no client IP and are not
 * counted. Needs the db and metrics mixins.
 */
export function ipLimitMixin(perMinute: number, actions: string[]): Partial<ServiceSchema> {
	const schema: Partial<ServiceSchema<object, IpLimitMixinMethods, object, IpLimitThis>> = {
		hooks: {
			before: Object.fromEntries(actions.map(action => [action, "limitByIp"]))
		},
		methods: {
			async limitByIp(this: IpLimitThis, ctx: Context<unknown, AppMeta>): Promise<void> {
				const ip = ctx.meta.clientIp;
				if (!ip) return;
				const verdict = await this.ipLimiter.hit(ip);
				if (verdict.allowed) return;
				this.countMetric("throttled", { kind: "ip" });
				throw throttled("RATE_LIMITED", verdict.retryAfter);
			},
			async clearIpLimit(this: IpLimitThis, ip: string): Promise<void> {
				await this.rateLimits.removeMany({ _id: { $regex: new RegExp(`^${escapeRegExp(ip)}\\|`) } });
			}
		},
		created(this: IpLimitThis) {
			this.rateLimits = this.collection<RateLimitRecord>(RateLimitModel);
			this.ipLimiter = new FixedWindowLimiter(databaseCounter(this.rateLimits), perMinute);
		}
	};
	return schema as Partial<ServiceSchema>;
}
