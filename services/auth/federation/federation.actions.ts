/** Sign in with another provider (README, Sign in with another provider); spread into the `auth` service. */
import type { Context, ServiceSchema } from "moleculer";
import { IDEMPOTENT } from "../../../lib/fault-tolerance";
import { ID_PARAM, TOKEN_PARAM } from "../../../lib/params";
import type { AppMeta, AuthUser } from "../../../lib/types";
import type { AuthHost } from "../kit";
import { confirmLink, finishFlow, startFlow, startLinking, type CallbackQuery } from "./flow";
import { listLinks, removeLink } from "./links";
import type { RelyingParty } from "./ports";

export interface FederationHost extends AuthHost {
	relyingParty: RelyingParty;
}

type Ctx<P> = Context<P, AppMeta>;
const PROVIDER_ID = { type: "string", min: 1, max: 64 } as const;
const QUERY_VALUE = { type: "string", max: 4000, optional: true } as const;

/** The open routes among these, limited per client IP like the other open auth routes. */
export const FEDERATION_IP_LIMITED = ["oidcProviders", "oidcStart", "oidcCallback", "oidcConfirmLink"];

export const FEDERATION_ACTIONS: ServiceSchema<object, Record<string, never>, object, FederationHost>["actions"] = {
	oidcProviders: {
		...IDEMPOTENT,
		summary: "The other OpenID providers one can sign in with (OIDC_PROVIDERS)",
		handler(this: FederationHost) {
			return this.relyingParty.providers();
		}
	},
	oidcStart: {
		summary: "Sign in with another provider: redirects the browser to it (PKCE, state, nonce) and sets the flow cookie",
		params: { id: PROVIDER_ID, next: { type: "string", max: 2000, optional: true }, $$strict: true },
		handler(this: FederationHost, ctx: Ctx<{ id: string; next?: string }>) {
			return startFlow(this.kit(ctx), this.relyingParty, ctx.params);
		}
	},
	oidcCallback: {
		summary: "Where the provider sends the browser back: signs in (browser session) and redirects to `next`, or to /login?error=<reason>",
		params: { id: PROVIDER_ID, code: QUERY_VALUE, state: QUERY_VALUE, iss: QUERY_VALUE, error: QUERY_VALUE, error_description: QUERY_VALUE, session_state: QUERY_VALUE },
		handler(this: FederationHost, ctx: Ctx<CallbackQuery & { id: string }>) {
			const { id, ...query } = ctx.params;
			return finishFlow(this.kit(ctx), this.relyingParty, { id, query, cookie: ctx.meta.oidcFlowCookie }, { ip: ctx.meta.clientIp, userAgent: ctx.meta.userAgent });
		}
	},
	oidcLink: {
		auth: "required",
		summary: "Link another provider to the signed-in account: answers where to send the browser (and sets the flow cookie)",
		params: { id: PROVIDER_ID, $$strict: true },
		handler(this: FederationHost, ctx: Ctx<{ id: string }>) {
			return startLinking(this.kit(ctx), this.relyingParty, ctx.meta.user as AuthUser, ctx.params);
		}
	},
	oidcConfirmLink: {
		summary: "Confirm, with the token from the e-mail, that a provider may sign in to the account: links it and signs in",
		params: { token: TOKEN_PARAM, $$strict: true },
		handler(this: FederationHost, ctx: Ctx<{ token: string }>) {
			return confirmLink(this.kit(ctx), this.relyingParty, ctx.params, { ip: ctx.meta.clientIp, userAgent: ctx.meta.userAgent });
		}
	},
	oidcLinks: {
		...IDEMPOTENT,
		auth: "required",
		summary: "The signed-in user's linked sign-in providers",
		handler(this: FederationHost, ctx: Ctx<Record<string, never>>) {
			return listLinks(this.kit(ctx), this.relyingParty, ctx.meta.user as AuthUser);
		}
	},
	oidcUnlink: {
		auth: "required",
		summary: "Remove a linked sign-in provider (not the account's last way to sign in)",
		params: { id: ID_PARAM },
		handler(this: FederationHost, ctx: Ctx<{ id: string }>) {
			return removeLink(this.kit(ctx), ctx.meta.user as AuthUser, ctx.params);
		}
	}
};
