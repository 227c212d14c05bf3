/**
 * The users service: accounts, profiles and their administration. Declarative: parameter rules, access
 * rules, and one call per handler into the flows beside it (accounts, admin-change, deletion).
 */
import type { Context, Service, ServiceSchema } from "moleculer";
import type { Collection } from "../../lib/collection";
import type { Config } from "../../lib/config";
import { ROLES } from "../../lib/enums";
import { IDEMPOTENT } from "../../lib/fault-tolerance";
import {
	DISPLAY_NAME_PARAM,
	EMAIL_PARAM,
	ID_PARAM,
	LOCALE_PARAM,
	LOGIN_EMAIL_PARAM,
	PAGING_PARAMS,
	PASSWORD_PARAM,
	ROLES_PARAM,
	STATUS_PARAM,
	TOTP_CODE_PARAM
} from "../../lib/params";
import type { AppMeta, NewUser, Page, ServiceDeps, UserRecord } from "../../lib/types";
import { USER_CHANGED } from "../../lib/user-cache";
import { USER_LIMITS, type PublicUser } from "../../lib/user-schema";
import { dbMixin, type DbMixinMethods } from "../../mixins/db.mixin";
import { LockModel, UserModel } from "../../models";
import { createUser, listUsers, publicUser, recordLogin, setEmail, updateProfile, updateUser, userByEmail, userById } from "./accounts";
import { changeByAdmin, type AdminPatch } from "./admin-change";
import { deleteAccount, deleteOwnAccount } from "./deletion";
import { collectionLockTable, tableMutex, type LockRecord } from "./lock";
import { peersOf } from "./peers";
import { USER_SORTS, type ProfilePatch, type UserListQuery } from "./policy";
import type { UsersCore } from "./ports";
import { backfillSearchKeys, collectionUserStore } from "./store";

type UsersThis = Service & DbMixinMethods & { core: UsersCore; users: Collection<UserRecord> };

type Ctx<P = Record<string, never>> = Context<P, AppMeta>;

const id = ID_PARAM;

const profile = {
	displayName: DISPLAY_NAME_PARAM,
	bio: { type: "string", max: USER_LIMITS.bio, optional: true },
	// `url` ignores `max`; checkProfile enforces it.
	avatarUrl: { type: "url", max: USER_LIMITS.avatarUrl, optional: true, nullable: true },
	locale: LOCALE_PARAM,
	timezone: { type: "string", max: USER_LIMITS.timezone, optional: true }
} as const;

export default function usersService(config: Config, deps: ServiceDeps): ServiceSchema {
	const schema: ServiceSchema<object, Record<string, never>, object, UsersThis> = {
		name: "users",
		mixins: [dbMixin(config)],

		actions: {
			// --- Public: the signed-in user ---
			me: {
				...IDEMPOTENT,
				auth: "required",
				// Also for a token limited to second-factor enrolment (MFA_REQUIRED_ROLES): who is signing in.
				enrolment: true,
				summary: "The signed-in user",
				handler(this: UsersThis, ctx: Ctx): Promise<PublicUser> {
					return publicUser(this.core.store, ctx.meta.user!.id);
				}
			},

			updateMe: {
				auth: "required",
				summary: "Update the signed-in user's profile",
				params: { ...profile, $$strict: true },
				handler(this: UsersThis, ctx: Ctx<ProfilePatch>): Promise<PublicUser> {
					return updateProfile(this.core, ctx.meta.user!.id, ctx.params);
				}
			},

			removeMe: {
				auth: "required",
				summary: "Delete the signed-in user's account",
				params: { password: PASSWORD_PARAM, code: { ...TOTP_CODE_PARAM, optional: true }, $$strict: true },
				async handler(this: UsersThis, ctx: Ctx<{ password: string; code?: string }>): Promise<null> {
					await deleteOwnAccount(this.core, peersOf(ctx), ctx.meta.user!.id, ctx.params.password, ctx.params.code);
					return null;
				}
			},

			// --- Public: administration ---
			list: {
				...IDEMPOTENT,
				roles: ["admin"],
				summary: "List users (admin)",
				params: {
					...PAGING_PARAMS,
					search: {
						type: "string",
						max: 100,
						optional: true,
						openapi: {
							description:
								"A case-insensitive prefix of the e-mail address, of the display name or of any word of it (`ada`, `ada lo`, `lovelace`); starting with `@`, a prefix of the address's domain (`@example.c`). Taken literally (no wildcards); the middle of a word does not match",
							examples: ["ada", "@example.com"]
						}
					},
					sort: { type: "enum", values: [...USER_SORTS], optional: true },
					status: STATUS_PARAM,
					role: { type: "enum", values: [...ROLES], optional: true }
				},
				handler(this: UsersThis, ctx: Ctx<UserListQuery>): Promise<Page<PublicUser>> {
					return listUsers(this.core.store, ctx.params);
				}
			},

			get: {
				...IDEMPOTENT,
				roles: ["admin"],
				summary: "Get a user (admin)",
				params: { id },
				handler(this: UsersThis, ctx: Ctx<{ id: string }>): Promise<PublicUser> {
					return publicUser(this.core.store, ctx.params.id);
				}
			},

			update: {
				roles: ["admin"],
				summary: "Change a user's name, roles or status (admin)",
				params: { id, displayName: DISPLAY_NAME_PARAM, roles: ROLES_PARAM, status: STATUS_PARAM, $$strict: true },
				handler(this: UsersThis, ctx: Ctx<AdminPatch>): Promise<PublicUser> {
					return changeByAdmin(this.core, peersOf(ctx), ctx.params);
				}
			},

			remove: {
				roles: ["admin"],
				summary: "Delete a user (admin)",
				params: { id },
				async handler(this: UsersThis, ctx: Ctx<{ id: string }>): Promise<null> {
					await deleteAccount(this.core, peersOf(ctx), ctx.params.id);
					return null;
				}
			},

			// --- Internal: called by other services and the operators' REPL, never routed ---
			/** The admin change of `update`, for operators (the REPL), who hold no access token. */
			adminUpdate: {
				visibility: "public",
				params: { id, roles: ROLES_PARAM, status: STATUS_PARAM, $$strict: true },
				handler(this: UsersThis, ctx: Ctx<AdminPatch>): Promise<PublicUser> {
					return changeByAdmin(this.core, peersOf(ctx), ctx.params);
				}
			},

			create: {
				visibility: "public",
				params: { email: EMAIL_PARAM, displayName: DISPLAY_NAME_PARAM, locale: LOCALE_PARAM, roles: ROLES_PARAM, emailVerified: { type: "boolean", optional: true } },
				handler(this: UsersThis, ctx: Context<NewUser>): Promise<PublicUser> {
					return createUser(this.core, ctx.params);
				}
			},

			findByEmail: {
				...IDEMPOTENT,
				visibility: "public",
				params: { email: LOGIN_EMAIL_PARAM },
				handler(this: UsersThis, ctx: Context<{ email: string }>): Promise<PublicUser | null> {
					return userByEmail(this.core.store, ctx.params.email);
				}
			},

			getById: {
				...IDEMPOTENT,
				visibility: "public",
				params: { id },
				handler(this: UsersThis, ctx: Context<{ id: string }>): Promise<PublicUser | null> {
					return userById(this.core.store, ctx.params.id);
				}
			},

			markVerified: {
				visibility: "public",
				params: { id },
				handler(this: UsersThis, ctx: Context<{ id: string }>): Promise<PublicUser> {
					return updateUser(this.core, ctx.params.id, { emailVerified: true });
				}
			},

			recordLogin: {
				visibility: "public",
				params: { id },
				handler(this: UsersThis, ctx: Context<{ id: string }>): Promise<PublicUser> {
					return recordLogin(this.core, ctx.params.id);
				}
			},

			/** Undoes `create` when registration fails half-way. */
			discard: {
				visibility: "public",
				params: { id },
				handler(this: UsersThis, ctx: Context<{ id: string }>): Promise<void> {
					return this.core.store.remove(ctx.params.id);
				}
			},

			/** A confirmed address change (auth checked the link): EMAIL_TAKEN if someone took it meanwhile. */
			setEmail: {
				visibility: "public",
				params: { id, email: EMAIL_PARAM },
				handler(this: UsersThis, ctx: Context<{ id: string; email: string }>): Promise<PublicUser> {
					return setEmail(this.core, ctx.params.id, ctx.params.email);
				}
			}
		},

		created(this: UsersThis) {
			// Every write drops the user from this node's read cache at once and from every other node's by event.
			const changed = (userId: string) => {
				deps.userCache.drop(userId);
				void this.broker.broadcast(USER_CHANGED, { id: userId });
			};
			this.users = this.collection<UserRecord>(UserModel);
			const store = collectionUserStore(this.users, changed);
			const mutex = tableMutex(collectionLockTable(this.collection<LockRecord>(LockModel)), deps.clock);
			this.core = { store, mutex, clock: deps.clock, logger: this.logger };
		},

		/** After the store connected (the mixin's `started` runs first): users stored before the search keys get them. */
		async started(this: UsersThis) {
			const changed = await backfillSearchKeys(this.users);
			if (changed > 0) this.logger.info(`Search keys given to ${changed} users stored before them.`);
		}
	};
	return schema as unknown as ServiceSchema;
}
