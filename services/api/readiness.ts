/**
 * `GET /health/ready`: whether this gateway can serve (ended sessions loaded, users and auth with their stores,
 * and auth's start-up work done: with ADMIN_EMAIL, that account exists and can sign in).
 */
import type { Context } from "moleculer";

/** The services a gateway cannot answer without: readiness waits for them. */
const REQUIRED_SERVICES = ["users", "auth"];

export interface Readiness {
	status: "ok" | "unavailable";
	checks: Record<string, boolean>;
}

export async function checkReadiness(ctx: Context, revocationsLoaded: boolean): Promise<Readiness> {
	const checks: Record<string, boolean> = { revocations: revocationsLoaded };
	await Promise.all(
		REQUIRED_SERVICES.map(async name => {
			// Not known (yet) to this node: not ready, and no call (nor "not registered" warning) for it.
			if (!ctx.broker.registry.actions.isAvailable(`${name}.storeHealth`)) {
				checks[name] = false;
				return;
			}
			try {
				const health = await ctx.call<{ reachable: boolean; startupDone?: boolean }, object>(`${name}.storeHealth`, {}, { timeout: 1_000, retries: 0 });
				checks[name] = health.reachable && health.startupDone !== false;
			} catch {
				checks[name] = false;
			}
		})
	);
	return { status: Object.values(checks).every(Boolean) ? "ok" : "unavailable", checks };
}
