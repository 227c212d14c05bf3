import type { Context, Service, ServiceSchema } from "moleculer";
import type { Collection } from "../../lib/collection";
import type { Config } from "../../lib/config";
import { LINK_KINDS } from "../../lib/enums";
import { IDEMPOTENT, servicesKnown } from "../../lib/fault-tolerance";
import { DISPLAY_NAME_PARAM, EMAIL_PARAM, ID_PARAM, LOCALE_PARAM, LOGIN_EMAIL_PARAM, NEW_PASSWORD_PARAM, PASSWORD_PARAM, TOKEN_PARAM, TOTP_CODE_PARAM } from "../../lib/params";
import type { AppMeta, ServiceDeps } from "../../lib/types";
import { dbMixin, type DbMixinMethods } from "../../mixins/db.mixin";
import { metricsMixin, type MetricsMixinMethods } from "../../mixins/metrics.mixin";
import { AUDIT_ACTIONS } from "./audit/audit.actions";
import { OIDC_ACTIONS } from "./oidc/oidc.actions";
import { FEDERATION_ACTIONS, FEDERATION_IP_LIMITED } from "./federation/federation.actions";
import type { RelyingParty } from "./federation/ports";
import type { AuditRecord } from "./audit/chain";
import { bootstrapAdminUntilDone, checkAdminSettings, type BootstrapOutcome } from "./flows/bootstrap-admin";
import { confirmEmailChange, requestEmailChange } from "./flows/email-change";
import { linkTokenFor } from "./flows/links";
import { clearThrottle, logIn } from "./flows/login";
import { changePassword, checkPassword, forgotPassword, resetPassword } from "./flows/passwords";
import { refresh } from "./flows/refresh";
import { register, resendVerification, verifyEmail } from "./flows/registration";
import { endUserSessions, listSessions, logoutAll, purgeUser, removeSession, revokedSessions, signOut } from "./flows/sessions";
import { IpLimit } from "./ip-limit";
import { MAGIC_LINK_ACTIONS } from "./magic-link.actions";
import { MFA_ACTIONS } from "./mfa/mfa.actions";
import { openAuth } from "./core";
import { forCaller, requestKit, withParams, type AuthCore } from "./kit";
import type { Outbox } from "./outbox";
import { PASSKEY_ACTIONS, PASSKEY_IP_LIMITED } from "./mfa/passkey.actions";
import { PasswordHasher } from "./password/hasher";
import type { AuthKit } from "./ports";

/** The open routes, limited per client IP (AUTH_RATE_LIMIT_PER_MINUTE) across every replica. */
const IP_LIMITED = ["register", "verifyEmail", "resendVerification", "login", "loginMfa", "refresh", "forgotPassword", "resetPassword", "confirmEmailChange", "requestMagicLink", "verifyMagicLink", ...FEDERATION_IP_LIMITED, ...PASSKEY_IP_LIMITED];
const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" };
/** While TOTP is on, password and address changes need a current code (CONTRACT §4 step-up). */
const STEP_UP_CODE = { ...TOTP_CODE_PARAM, optional: true };

type Ctx<P = Record<string, never>> = Context<P, AppMeta>;

type AuthThis = Service &
	DbMixinMethods &
	MetricsMixinMethods & {
		core: AuthCore;
		/** The audit trail's store, also read directly by the integration tests that tamper with it. */
		auditLog: Collection<AuditRecord>;
		hasher: PasswordHasher;
		ipLimit: IpLimit;
		outbox: Outbox;
		relyingParty: RelyingParty;
		isStopping: boolean;
		/** The ADMIN_EMAIL bootstrap, run once the broker has started (tests wait for it). */
		adminBootstrap: Promise<BootstrapOutcome>;
		/** Readiness (storeHealth) waits for the bootstrap: the admin account can sign in once a gateway is ready. */
		startupDone(): boolean;
		kit(ctx: Ctx<unknown>): AuthKit;
	};

/**
 * Accounts' credentials, sessions and tokens, one-time links, login throttling and the audit trail. Each action
 * hands its request to one flow (./flows), with ports built from the request's context.
 */
export default function authService(config: Config, deps: ServiceDeps): ServiceSchema {
	const schema: ServiceSchema<object, Record<string, never>, object, AuthThis> = {
		name: "auth",
		mixins: [dbMixin(config), metricsMixin(["logins", "registrations", "throttled", "mfaChallenges", "outbox", "oidcLogins"])],

		hooks: {
			before: Object.fromEntries(IP_LIMITED.map(action => [action, "limitByIp"])),
			after: { login: "noStore", loginMfa: "noStore", refresh: "noStore", verifyMagicLink: "noStore", oidcConfirmLink: "noStore", oidcStart: "noStore", oidcCallback: "noStore", totpSetup: "noStore", totpConfirm: "noStore", renewRecoveryCodes: "noStore", passkeyLogin: "noStore", passkeyRegister: "noStore" }
		},

		actions: {
			register: {
				summary: "Create an account and send the verification e-mail",
				params: { email: EMAIL_PARAM, password: NEW_PASSWORD_PARAM, displayName: DISPLAY_NAME_PARAM, locale: LOCALE_PARAM, $$strict: true },
				handler: withParams(register)
			},
			verifyEmail: {
				summary: "Confirm an e-mail address with the token from the e-mail",
				params: { token: TOKEN_PARAM, $$strict: true },
				handler: withParams(verifyEmail)
			},
			resendVerification: {
				summary: "Send the verification e-mail again",
				params: { email: EMAIL_PARAM, $$strict: true },
				handler: withParams(resendVerification)
			},
			login: {
				summary: "Sign in with e-mail address and password",
				params: { email: LOGIN_EMAIL_PARAM, password: PASSWORD_PARAM, $$strict: true },
				handler: withParams(logIn)
			},
			refresh: {
				summary: "Exchange a refresh token for new tokens (the old refresh token is spent)",
				params: { refreshToken: TOKEN_PARAM, $$strict: true },
				handler: withParams(refresh)
			},
			logout: {
				// Bearer, or the session's refresh token (the browser session's cookie): see signOut.
				summary: "End this session: the signed-in one, or the one a refresh token (body or browser-session cookie) belongs to",
				params: { refreshToken: { ...TOKEN_PARAM, optional: true }, $$strict: true },
				handler(this: AuthThis, ctx: Ctx<{ refreshToken?: string }>) {
					return signOut(this.kit(ctx), ctx.meta, ctx.params);
				}
			},
			logoutAll: {
				auth: "required",
				summary: "End every session of the signed-in user",
				handler: forCaller(logoutAll)
			},
			sessions: {
				...IDEMPOTENT,
				auth: "required",
				summary: "The signed-in user's active sessions",
				handler: forCaller(listSessions)
			},
			removeSession: {
				auth: "required",
				summary: "End one of the signed-in user's sessions",
				params: { id: ID_PARAM },
				handler: forCaller(removeSession)
			},
			forgotPassword: {
				summary: "Send a password-reset e-mail",
				params: { email: EMAIL_PARAM, $$strict: true },
				handler: withParams(forgotPassword)
			},
			resetPassword: {
				summary: "Set a new password with the token from the reset e-mail; every session ends",
				params: { token: TOKEN_PARAM, password: NEW_PASSWORD_PARAM, $$strict: true },
				handler: withParams(resetPassword)
			},
			changePassword: {
				auth: "required",
				summary: "Change the password (with TOTP on, also a current code); the other sessions end",
				params: { currentPassword: PASSWORD_PARAM, newPassword: NEW_PASSWORD_PARAM, code: STEP_UP_CODE, $$strict: true },
				handler: forCaller(changePassword)
			},
			requestEmailChange: {
				auth: "required",
				summary: "Change the e-mail address: a link goes to the new address, a notice to the old one",
				params: { newEmail: EMAIL_PARAM, password: PASSWORD_PARAM, code: STEP_UP_CODE, $$strict: true },
				handler: forCaller(requestEmailChange)
			},
			confirmEmailChange: {
				summary: "Confirm a new e-mail address with the token from the e-mail; the other sessions end",
				params: { token: TOKEN_PARAM, $$strict: true },
				handler: withParams(confirmEmailChange)
			},
			clearThrottle: {
				roles: ["admin"],
				summary: "Lift the login lock of an address and/or the request limit of a client IP (admin)",
				params: { email: { ...LOGIN_EMAIL_PARAM, optional: true }, ip: { type: "string", max: 64, optional: true }, $$strict: true },
				handler(this: AuthThis, ctx: Ctx<{ email?: string; ip?: string }>) {
					return clearThrottle(this.kit(ctx), this.ipLimit, ctx.params);
				}
			},
			...AUDIT_ACTIONS,
			...MFA_ACTIONS,
			...PASSKEY_ACTIONS,
			...MAGIC_LINK_ACTIONS,
			...OIDC_ACTIONS,
			...FEDERATION_ACTIONS,

			// --- Internal: for the other services ---
			checkPassword: {
				...IDEMPOTENT,
				visibility: "public",
				params: { userId: { type: "string" }, password: { type: "string" }, code: { type: "string", optional: true } },
				handler: withParams(checkPassword)
			},
			endUserSessions: {
				...IDEMPOTENT,
				roles: ["admin"],
				summary: "End every session of a user (admin)",
				params: { userId: ID_PARAM },
				handler: withParams(endUserSessions)
			},
			purgeUser: {
				...IDEMPOTENT,
				visibility: "public",
				params: { userId: { type: "string" } },
				handler: withParams(purgeUser)
			},
			/** Mints the token of a one-time link as `notifications` sends the e-mail (null: no longer wanted). */
			issueLinkToken: {
				visibility: "public",
				params: { kind: { type: "enum", values: [...LINK_KINDS] }, userId: { type: "string" } },
				handler: withParams(linkTokenFor)
			},
			/** What gateways load at start: sessions whose access tokens must still be refused. */
			revokedSessions: {
				...IDEMPOTENT,
				visibility: "public",
				handler: withParams(revokedSessions)
			}
		},

		events: {
			"$services.changed"(this: AuthThis) {
				if (this.broker.registry.getServiceList({ onlyAvailable: true }).some(s => s.name === "notifications")) {
					void this.outbox.retryNow().catch(err => this.logger.warn("Outbox: could not reschedule:", (err as Error).message));
				}
			}
		},

		methods: {
			kit(this: AuthThis, ctx: Ctx<unknown>): AuthKit {
				return requestKit(this.core, ctx, ctx.meta);
			},
			limitByIp(this: AuthThis, ctx: Ctx<unknown>): Promise<void> {
				return this.ipLimit.check(ctx.meta.clientIp, () => this.countMetric("throttled", { kind: "ip" }));
			},
			noStore<T>(this: AuthThis, ctx: Ctx<unknown>, result: T): T {
				ctx.meta.$responseHeaders = { ...NO_STORE };
				return result;
			}
		},

		created(this: AuthThis) {
			Object.assign(this, openAuth(this, config, deps));
		},

		started(this: AuthThis) {
			this.outbox.start();
			this.isStopping = false;
			checkAdminSettings(config);
			const run = () => bootstrapAdminUntilDone(() => requestKit(this.core, this.broker, {}), async () => void (await servicesKnown(this.broker, ["users"], () => this.isStopping)), {
				stopping: () => this.isStopping,
				sleep: ms => new Promise(resolve => setTimeout(resolve, ms)),
				warn: message => this.logger.warn(message)
			});
			// After the broker has started: no start-up work waits on a call this very node must answer.
			this.adminBootstrap = new Promise(resolve => this.broker.localBus.once("$broker.started", () => resolve(run())));
			let done = false;
			this.startupDone = () => done;
			this.adminBootstrap.then(
				outcome => {
					done = true;
					if (outcome) this.logger.info(`Admin account ${outcome.email}: ${outcome.created ? "created" : "exists or existed, left as it is"}.`);
				},
				err => this.logger.error("Could not set up the admin account:", (err as Error).message)
			);
		},

		async stopped(this: AuthThis) {
			this.isStopping = true;
			await this.outbox.stop();
			await this.hasher.destroy();
		}
	};
	return schema as unknown as ServiceSchema;
}
