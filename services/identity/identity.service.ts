import type { Context, Service, ServiceSchema } from "moleculer";
import { servicesKnown } from "../../lib/fault-tolerance";
import type { RevokedSession, ServiceDeps } from "../../lib/types";
import { USER_CHANGED } from "../../lib/user-cache";

type IdentityThis = Service & { stopping: boolean; pruneTimer?: NodeJS.Timeout; loadRevocations(): Promise<void> };

/**
 * Keeps this node's set of ended sessions (lib/bus-identity.ts) current, on every node that runs a service:
 * each node refuses a revoked session's token itself, not only the gateway. Internal (`$`): no actions, it
 * only listens to `session.revoked` and loads the sessions ended before the node started; and to
 * `user.changed`, which drops a user from this node's read cache (lib/user-cache.ts).
 */
export default function identityService(deps: ServiceDeps): ServiceSchema {
	const { identity, clock, userCache } = deps;
	const schema: ServiceSchema<object, Record<string, never>, object, IdentityThis> = {
		name: "$identity",

		events: {
			"session.revoked": {
				params: { sessions: { type: "array", items: { type: "object", props: { id: "string", until: "number" } } } },
				handler(ctx: Context<{ sessions: RevokedSession[] }>) {
					identity.revoke(ctx.params.sessions);
				}
			},
			/** A user changed or is gone (services/users): this node's cached copy goes (lib/user-cache.ts). */
			[USER_CHANGED]: {
				params: { id: "string" },
				handler(ctx: Context<{ id: string }>) {
					userCache.drop(ctx.params.id);
				}
			}
		},

		methods: {
			/** Sessions ended before this node started: retried until `auth` answers, never holding up the start. */
			async loadRevocations(this: IdentityThis): Promise<void> {
				for (let attempt = 1; !identity.revocationsLoaded && !this.stopping; attempt++) {
					try {
						if (!(await servicesKnown(this.broker, ["auth"], () => this.stopping))) return;
						identity.revoke(await this.broker.call<RevokedSession[]>("auth.revokedSessions"));
						identity.revocationsLoaded = true;
					} catch (err) {
						if (this.stopping) return;
						this.logger.warn(`Could not load ended sessions yet (attempt ${attempt}):`, (err as Error).message);
						await new Promise(resolve => setTimeout(resolve, Math.min(1000 * attempt, 10_000)));
					}
				}
			}
		},

		created(this: IdentityThis) {
			this.stopping = false;
		},

		started(this: IdentityThis) {
			this.pruneTimer = setInterval(() => identity.prune(clock.now()), 60_000);
			this.pruneTimer.unref();
			// After the broker has started: `auth` may be this very node, whose subscriptions exist only then.
			this.broker.localBus.once("$broker.started", () => void this.loadRevocations());
		},

		stopped(this: IdentityThis) {
			this.stopping = true;
			if (this.pruneTimer) clearInterval(this.pruneTimer);
		}
	};
	return schema as unknown as ServiceSchema;
}
