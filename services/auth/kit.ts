/** The ports of auth's flows, built for one request from its context (so calls keep its meta and tracing). */
import type { Context, Logger } from "moleculer";
import type { Clock } from "../../lib/clock";
import type { Collection } from "../../lib/collection";
import type { AppMeta, AuthUser } from "../../lib/types";
import type { PublicUser } from "../../lib/user-schema";
import type { AuditRecord } from "./audit/chain";
import { appendAudit, auditEvent } from "./audit/trail";
import { outboxMailPort } from "./hand-over";
import type { SecondFactors } from "./mfa/second-factors";
import type { Outbox } from "./outbox";
import type { AccessTokenSigner, AuthKit, AuthSettings, AuthStores, BackgroundPort, ClientInfo, MetricsPort, PasskeyDecoys, PasswordHashing, RefreshSuccessor, UsersPort } from "./ports";

/** What a request's context (or, outside a request, the broker) offers: calls and broadcasts. */
export interface Bus {
	call<T>(action: string, params: object, opts?: { meta?: AppMeta }): Promise<T>;
	broadcast(event: string, payload: object): unknown;
}

/** What lives as long as the service: settings, stores, the hasher and signer, the logger. */
export interface AuthCore {
	settings: AuthSettings;
	clock: Clock;
	stores: AuthStores;
	auditLog: Collection<AuditRecord>;
	factors: SecondFactors;
	hasher: PasswordHashing;
	signer: AccessTokenSigner;
	successor: RefreshSuccessor;
	metrics: MetricsPort;
	background: BackgroundPort;
	passkeyDecoys: PasskeyDecoys;
	logger: Pick<Logger, "warn" | "error">;
	/** Where the mail port writes, and what relays it to `notifications`. */
	outbox: Pick<Outbox, "add">;
}

function usersOver(bus: Bus): UsersPort {
	const user = (action: string, params: object) => bus.call<PublicUser>(`users.${action}`, params);
	return {
		findByEmail: email => bus.call<PublicUser | null>("users.findByEmail", { email }),
		getById: id => bus.call<PublicUser | null>("users.getById", { id }),
		create: newUser => user("create", newUser),
		discard: async id => void (await bus.call("users.discard", { id })),
		markVerified: id => user("markVerified", { id }),
		recordLogin: id => user("recordLogin", { id }),
		setEmail: (id, email) => user("setEmail", { id, email })
	};
}

export function requestKit(core: AuthCore, bus: Bus, meta: AppMeta): AuthKit {
	const { logger } = core;
	return {
		...core,
		users: usersOver(bus),
		mail: outboxMailPort(core.outbox),
		audit: {
			record: input => appendAudit(core.auditLog, core.clock, auditEvent(input, meta), message => logger.error(message)),
			recorded: async (type, details) =>
				!!(await core.auditLog.findOne({ type, ...Object.fromEntries(Object.entries(details).map(([name, value]) => [`details.${name}`, value])) }))
		},
		revocations: { broadcast: sessions => void bus.broadcast("session.revoked", { sessions }) }
	};
}

/** The service as its action handlers see it. */
export interface AuthHost {
	core: AuthCore;
	kit(ctx: Context<unknown, AppMeta>): AuthKit;
}

/** A handler that hands the request's parameters (and where it came from) to a flow. */
export function withParams<P, R>(flow: (kit: AuthKit, params: P, client: ClientInfo) => R) {
	return function (this: AuthHost, ctx: Context<P, AppMeta>): R {
		return flow(this.kit(ctx), ctx.params, { ip: ctx.meta.clientIp, userAgent: ctx.meta.userAgent });
	};
}

/** A handler for an `auth: "required"` action: the flow gets the signed-in caller (the access-control middleware guarantees one). */
export function forCaller<P, R>(flow: (kit: AuthKit, caller: AuthUser, params: P) => R) {
	return function (this: AuthHost, ctx: Context<P, AppMeta>): R {
		return flow(this.kit(ctx), ctx.meta.user as AuthUser, ctx.params);
	};
}
