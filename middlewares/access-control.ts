import type { Context, Middleware } from "moleculer";
import type { CallerIdentity } from "../lib/bus-identity";
import type { Clock } from "../lib/clock";
import { apiError } from "../lib/errors";
import type { AccessRule, AppMeta } from "../lib/types";

/** The action definition as the middleware sees it: the access rule is declared on the action itself. */
type RuledAction = AccessRule & { name?: string };

/**
 * Enforces `auth: "required"` and `roles: [...]` declared on actions, in one place, on the node that runs
 * the action. The caller is proven here, on this node, from the access token (or operator assertion) the
 * call carries; a `meta.user` sent by whoever published on the bus is replaced, on every action, so no
 * handler or audit entry ever sees an unproven user. 401 without a valid token, 403 without the role,
 * 403 MFA_REQUIRED for a token limited to second-factor enrolment on an action not marked `enrolment`.
 */
export function AccessControlMiddleware(identity: CallerIdentity, clock: Pick<Clock, "now">): Middleware {
	return {
		name: "AccessControl",
		localAction(next: (ctx: Context) => Promise<unknown>, action: RuledAction) {
			const roles = action.roles;
			const guarded = action.auth === "required" || !!roles?.length;
			return function checkAccess(ctx: Context<unknown, AppMeta>) {
				const caller = identity.callerOf(ctx.meta, clock.now());
				const user = caller && "id" in caller ? caller : null;
				if (user) ctx.meta.user = user;
				else if (ctx.meta.user !== undefined) delete ctx.meta.user;
				if (!guarded) return next(ctx);
				if (!user) {
					// A token that was sent and refused (here, or already at the gateway) is INVALID_TOKEN.
					return Promise.reject(caller || ctx.meta.authFailure ? apiError("INVALID_TOKEN") : apiError("UNAUTHORIZED"));
				}
				if (user.enrolmentOnly && action.enrolment !== true) {
					return Promise.reject(apiError("MFA_REQUIRED", "Set up a second factor first: until then this token reaches only the enrolment routes"));
				}
				if (roles?.length && !roles.some(r => user.roles.includes(r))) {
					return Promise.reject(apiError("FORBIDDEN"));
				}
				return next(ctx);
			};
		}
	};
}
