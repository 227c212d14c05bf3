import type { Context } from "moleculer";
import type { AppMeta } from "../../lib/types";
import type { Peers } from "./ports";

/** The Peers port over the broker: calls made within the request, so its caller and trace travel along. */
export function peersOf(ctx: Context<unknown, AppMeta>): Peers {
	return {
		checkPassword: (userId, password, code) => ctx.call<boolean, { userId: string; password: string; code?: string }>("auth.checkPassword", { userId, password, ...(code === undefined ? {} : { code }) }),
		purgeCredentials: async userId => {
			await ctx.call("auth.purgeUser", { userId });
		},
		endSessions: async userId => {
			await ctx.call("auth.endUserSessions", { userId });
		},
		purgeNotices: async user => {
			await ctx.call("notifications.purgeUser", user);
		},
		announceDeleted: userId => {
			ctx.emit("user.deleted", { userId });
		},
		audit: async event => {
			// Without a signed-in caller, auth names the actor from the call's meta (an operator's console) or null.
			await ctx.call("auth.recordAudit", { ...event, ...(ctx.meta.user ? { actorId: ctx.meta.user.id } : {}) });
		}
	};
}
