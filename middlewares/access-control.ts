import type { Context, Middleware } from "moleculer";
import { apiError } from "../lib/errors";
import { operatorOf, operatorUser } from "../lib/operator";
import type { AccessRule, AppMeta } from "../lib/types";

/** The action definition as the middleware sees it: the access rule is declared on the action itself. */
type RuledAction = AccessRule & { name?: string };

/**
 * Enforces `auth: "required"` and `roles: [...]` declared on actions, in one place, on the node that runs
 * the action: 401 without a valid token (the gateway says why in `meta.authFailure`), 403 without the role,
 * 403 MFA_REQUIRED for a token limited to second-factor enrolment on an action not marked `enrolment`.
 */
export const AccessControlMiddleware: Middleware = {
	name: "AccessControl",
	localAction(next: (ctx: Context) => Promise<unknown>, action: RuledAction) {
		const roles = action.roles;
		if (action.auth !== "required" && !roles?.length) return next;
		return function checkAccess(ctx: Context<unknown, AppMeta>) {
			// An operator's console (lib/operator.ts) acts as an admin, recorded as `operator:<name>`.
			const operator = operatorOf(ctx.meta);
			if (operator) ctx.meta.user = operatorUser(operator);
			const user = ctx.meta.user;
			if (!user) {
				return Promise.reject(ctx.meta.authFailure ? apiError("INVALID_TOKEN") : apiError("UNAUTHORIZED"));
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
