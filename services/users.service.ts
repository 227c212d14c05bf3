import type { ServiceDeps } from "../lib/types";
import { randomUUID } from "node:crypto";
import type { Context, Service, ServiceSchema } from "moleculer";
import type { Config } from "../lib/config";
import { Collection, isDuplicateKeyError } from "../lib/collection";
import { emailKey } from "../lib/email";
import { EMAIL_PARAM } from "../lib/params";
import { apiError } from "../lib/errors";
import type { AppMeta, Page, UserRecord } from "../lib/types";
import type { Role, UserStatus } from "../lib/enums";
import type { PublicUser } from "../lib/user-schema";
import { ROLES, USER_STATUSES } from "../lib/enums";
import {
	ACTIVE_ADMINS,
	USER_SORTS,
	isTimeZone,
	normalizeRoles,
	removesLastAdmin,
	userListFilter,
	type UserListQuery
} from "../lib/user-policy";
import { LOCALE_PATTERN, toPublicUser } from "../lib/user-schema";
import { IDEMPOTENT } from "../lib/fault-tolerance";
import { withLock, type LockRecord } from "../lib/lock";
import { dbMixin, type DbMixinMethods } from "../mixins/db.mixin";
import { LockModel, UserModel } from "../models";
import type { AuditInput } from "./auth/audit/trail";

type UsersThis = Service & DbMixinMethods & {
	users: Collection<UserRecord>;
	findUser(id: string): Promise<UserRecord>;
	locks: Collection<LockRecord>;
	applyAdminChange(ctx: Context<unknown, AppMeta>, patch: AdminPatch): Promise<PublicUser>;
	recordAudit(ctx: Context<unknown, AppMeta>, event: AuditInput): Promise<void>;
	guarded<R>(userId: string, change: AdminChange, work: (target: UserRecord) => Promise<R>): Promise<R>;
	deleteAccount(ctx: Context<unknown, AppMeta>, userId: string): Promise<void>;
	checkProfile(p: ProfilePatch): void;
};

type Ctx<P = Record<string, never>> = Context<P, AppMeta>;

interface ProfilePatch {
	displayName?: string;
	bio?: string;
	avatarUrl?: string | null;
	locale?: string;
	timezone?: string;
}

/** A change the last-admin guard must see. */
interface AdminChange {
	roles?: Role[];
	status?: UserStatus;
	deleted?: boolean;
}

interface AdminPatch {
	id: string;
	displayName?: string;
	roles?: Role[];
	status?: UserStatus;
}

interface CreateParams {
	email: string;
	displayName?: string;
	locale?: string;
	roles?: Role[];
	emailVerified?: boolean;
}

const id = { type: "string", min: 1, max: 100 } as const;
const displayName = { type: "string", max: 100, trim: true, optional: true } as const;
const AVATAR_URL_MAX = 2048;
const profile = {
	displayName,
	bio: { type: "string", max: 1000, optional: true },
	// `url` ignores `max`; checkProfile enforces it.
	avatarUrl: { type: "url", max: AVATAR_URL_MAX, optional: true, nullable: true },
	locale: { type: "string", max: 35, pattern: LOCALE_PATTERN, optional: true },
	timezone: { type: "string", max: 64, optional: true }
} as const;

export default function usersService(config: Config, _deps: ServiceDeps): ServiceSchema {
	const schema: ServiceSchema<object, Record<string, never>, object, UsersThis> = {
		name: "users",
		mixins: [dbMixin(config)],

		actions: {
			// --- Public: the signed-in user ---
			me: {
				...IDEMPOTENT,
				auth: "required",
				summary: "The signed-in user",
				async handler(this: UsersThis, ctx: Ctx): Promise<PublicUser> {
					return toPublicUser(await this.findUser(ctx.meta.user!.id));
				}
			},

			updateMe: {
				auth: "required",
				summary: "Update the signed-in user's profile",
				params: { ...profile, $$strict: true },
				async handler(this: UsersThis, ctx: Ctx<ProfilePatch>): Promise<PublicUser> {
					this.checkProfile(ctx.params);
					await this.findUser(ctx.meta.user!.id);
					const updated = await this.users.updateById(ctx.meta.user!.id, { $set: { ...ctx.params, updatedAt: new Date() } });
					if (!updated) throw apiError("NOT_FOUND");
					return toPublicUser(updated);
				}
			},

			removeMe: {
				auth: "required",
				summary: "Delete the signed-in user's account",
				params: { password: { type: "string", max: 1024 }, $$strict: true },
				async handler(this: UsersThis, ctx: Ctx<{ password: string }>): Promise<null> {
					const user = await this.findUser(ctx.meta.user!.id);
					const ok = await ctx.call<boolean, { userId: string; password: string }>("auth.checkPassword", {
						userId: user._id,
						password: ctx.params.password
					});
					if (!ok) throw apiError("INVALID_CREDENTIALS", "The password is wrong");
					await this.deleteAccount(ctx, user._id);
					return null;
				}
			},

			// --- Public: administration ---
			list: {
				...IDEMPOTENT,
				roles: ["admin"],
				summary: "List users (admin)",
				params: {
					page: { type: "number", integer: true, min: 1, max: 1_000_000, convert: true, default: 1 },
					pageSize: { type: "number", integer: true, min: 1, max: 100, convert: true, default: 20 },
					search: { type: "string", max: 100, optional: true },
					sort: { type: "enum", values: [...USER_SORTS], optional: true },
					status: { type: "enum", values: [...USER_STATUSES], optional: true },
					role: { type: "enum", values: [...ROLES], optional: true }
				},
				async handler(this: UsersThis, ctx: Ctx<UserListQuery>): Promise<Page<PublicUser>> {
					const { page, pageSize } = ctx.params;
					const { filter, sort } = userListFilter(ctx.params);
					const [rows, total] = await Promise.all([
						this.users.find(filter, { sort, limit: pageSize, offset: (page - 1) * pageSize }),
						this.users.count(filter)
					]);
					return { rows: rows.map(toPublicUser), total, page, pageSize, totalPages: Math.ceil(total / pageSize) };
				}
			},

			get: {
				...IDEMPOTENT,
				roles: ["admin"],
				summary: "Get a user (admin)",
				params: { id },
				async handler(this: UsersThis, ctx: Ctx<{ id: string }>): Promise<PublicUser> {
					return toPublicUser(await this.findUser(ctx.params.id));
				}
			},

			update: {
				roles: ["admin"],
				summary: "Change a user's name, roles or status (admin)",
				params: {
					id,
					displayName,
					roles: { type: "array", items: { type: "enum", values: [...ROLES] }, min: 1, max: 2, optional: true },
					status: { type: "enum", values: [...USER_STATUSES], optional: true },
					$$strict: true
				},
				handler(this: UsersThis, ctx: Ctx<AdminPatch>): Promise<PublicUser> {
					return this.applyAdminChange(ctx, ctx.params);
				}
			},

			remove: {
				roles: ["admin"],
				summary: "Delete a user (admin)",
				params: { id },
				async handler(this: UsersThis, ctx: Ctx<{ id: string }>): Promise<null> {
					await this.deleteAccount(ctx, ctx.params.id);
					return null;
				}
			},

			// --- Internal: called by other services and the operators' REPL, never routed ---
			/** The admin change of `update`, for operators (the REPL), who hold no access token. */
			adminUpdate: {
				visibility: "public",
				params: {
					id,
					roles: { type: "array", items: { type: "enum", values: [...ROLES] }, min: 1, max: 2, optional: true },
					status: { type: "enum", values: [...USER_STATUSES], optional: true },
					$$strict: true
				},
				handler(this: UsersThis, ctx: Ctx<AdminPatch>): Promise<PublicUser> {
					return this.applyAdminChange(ctx, ctx.params);
				}
			},

			create: {
				visibility: "public",
				params: {
					email: EMAIL_PARAM,
					displayName,
					locale: profile.locale,
					roles: { type: "array", items: { type: "enum", values: [...ROLES] }, optional: true },
					emailVerified: { type: "boolean", optional: true }
				},
				async handler(this: UsersThis, ctx: Context<CreateParams>): Promise<PublicUser> {
					const now = new Date();
					try {
						const user = await this.users.insert({
							_id: randomUUID(),
							email: ctx.params.email,
							emailKey: emailKey(ctx.params.email),
							displayName: ctx.params.displayName ?? "",
							bio: "",
							avatarUrl: null,
							locale: ctx.params.locale ?? "en",
							timezone: "UTC",
							roles: normalizeRoles(ctx.params.roles ?? []),
							status: "active",
							emailVerified: ctx.params.emailVerified ?? false,
							createdAt: now,
							updatedAt: now,
							lastLoginAt: null
						});
						return toPublicUser(user);
					} catch (err) {
						if (isDuplicateKeyError(err)) throw apiError("EMAIL_TAKEN");
						throw err;
					}
				}
			},

			findByEmail: {
				...IDEMPOTENT,
				visibility: "public",
				params: { email: { type: "string", max: 320 } },
				async handler(this: UsersThis, ctx: Context<{ email: string }>): Promise<PublicUser | null> {
					const user = await this.users.findOne({ emailKey: emailKey(ctx.params.email) });
					return user ? toPublicUser(user) : null;
				}
			},

			getById: {
				...IDEMPOTENT,
				visibility: "public",
				params: { id },
				async handler(this: UsersThis, ctx: Context<{ id: string }>): Promise<PublicUser | null> {
					const user = await this.users.findById(ctx.params.id);
					return user ? toPublicUser(user) : null;
				}
			},

			markVerified: {
				visibility: "public",
				params: { id },
				async handler(this: UsersThis, ctx: Context<{ id: string }>): Promise<PublicUser> {
					const user = await this.users.updateById(ctx.params.id, { $set: { emailVerified: true, updatedAt: new Date() } });
					if (!user) throw apiError("NOT_FOUND");
					return toPublicUser(user);
				}
			},

			recordLogin: {
				visibility: "public",
				params: { id },
				async handler(this: UsersThis, ctx: Context<{ id: string }>): Promise<PublicUser> {
					const user = await this.users.updateById(ctx.params.id, { $set: { lastLoginAt: new Date() } });
					if (!user) throw apiError("NOT_FOUND");
					return toPublicUser(user);
				}
			},

			/** Undoes `create` when registration fails half-way. */
			discard: {
				visibility: "public",
				params: { id },
				async handler(this: UsersThis, ctx: Context<{ id: string }>): Promise<void> {
					await this.users.removeById(ctx.params.id);
				}
			},

			/** A confirmed address change (auth checked the link): EMAIL_TAKEN if someone took it meanwhile. */
			setEmail: {
				visibility: "public",
				params: { id, email: EMAIL_PARAM },
				async handler(this: UsersThis, ctx: Context<{ id: string; email: string }>): Promise<PublicUser> {
					const holder = await this.users.findOne({ emailKey: emailKey(ctx.params.email) });
					if (holder && holder._id !== ctx.params.id) throw apiError("EMAIL_TAKEN");
					try {
						const user = await this.users.updateById(ctx.params.id, {
							$set: { email: ctx.params.email, emailKey: emailKey(ctx.params.email), emailVerified: true, updatedAt: new Date() }
						});
						if (!user) throw apiError("NOT_FOUND");
						return toPublicUser(user);
					} catch (err) {
						if (isDuplicateKeyError(err)) throw apiError("EMAIL_TAKEN");
						throw err;
					}
				}
			},

			/** ADMIN_EMAIL bootstrap: the account is an active, verified admin. */
			promoteAdmin: {
				visibility: "public",
				params: { id },
				async handler(this: UsersThis, ctx: Context<{ id: string }>): Promise<PublicUser> {
					const user = await this.users.updateById(ctx.params.id, {
						$set: { roles: ["user", "admin"], status: "active", emailVerified: true, updatedAt: new Date() }
					});
					if (!user) throw apiError("NOT_FOUND");
					return toPublicUser(user);
				}
			}
		},

		methods: {
			async findUser(this: UsersThis, userId: string): Promise<UserRecord> {
				const user = await this.users.findById(userId);
				if (!user) throw apiError("NOT_FOUND", "User not found");
				return user;
			},

			/** Name, roles or status of a user, under the last-admin guard; disabling or a role change ends their sessions. */
			async applyAdminChange(this: UsersThis, ctx: Ctx<unknown>, patch: AdminPatch): Promise<PublicUser> {
				this.checkProfile({ displayName: patch.displayName });
				const roles = patch.roles ? normalizeRoles(patch.roles) : undefined;
				const status = patch.status;
				const set: Partial<UserRecord> = { updatedAt: new Date() };
				if (patch.displayName !== undefined) set.displayName = patch.displayName;
				if (roles) set.roles = roles;
				if (status) set.status = status;
				const { target, updated } = await this.guarded(patch.id, { roles, status }, async target => {
					const updated = await this.users.updateById(target._id, { $set: set });
					if (!updated) throw apiError("NOT_FOUND");
					return { target, updated };
				});

				// A disabled account, or one whose roles changed, must not go on with tokens issued before.
				const rolesChanged = roles !== undefined && roles.join() !== target.roles.join();
				if (rolesChanged) await this.recordAudit(ctx, { type: "user.roles", subjectId: target._id, details: { from: target.roles, to: updated.roles } });
				if (status && status !== target.status) await this.recordAudit(ctx, { type: "user.status", subjectId: target._id, details: { from: target.status, to: status } });
				if ((status === "disabled" && target.status !== "disabled") || rolesChanged) {
					await ctx.call("auth.endUserSessions", { userId: target._id });
				}
				return toPublicUser(updated);
			},

			/**
			 * Runs a change to a user under the last-admin guard. Changes that could remove an admin run one at a
			 * time across the cluster (a lock in the database), so two admins demoting each other at once cannot
			 * both succeed.
			 */
			async guarded<R>(this: UsersThis, userId: string, change: AdminChange, work: (target: UserRecord) => Promise<R>): Promise<R> {
				const run = async () => {
					const target = await this.findUser(userId);
					if (removesLastAdmin(target, change, await this.users.count(ACTIVE_ADMINS))) throw apiError("LAST_ADMIN");
					return work(target);
				};
				return change.roles || change.status || change.deleted ? withLock(this.locks, "admins", run) : run();
			},

			/** Sessions and credentials go first: a half-deleted account can no longer sign in. */
			async deleteAccount(this: UsersThis, ctx: Ctx<unknown>, userId: string): Promise<void> {
				const user = await this.guarded(userId, { deleted: true }, async target => {
					await ctx.call("auth.purgeUser", { userId: target._id });
					await this.users.removeById(target._id);
					return target;
				});
				try {
					await ctx.call("notifications.purgeUser", { userId: user._id, email: user.email, displayName: user.displayName });
				} catch (err) {
					// The account is gone either way; its notices are removed when `notifications` sees `user.deleted`.
					this.logger.warn("Could not reach notifications after deleting an account:", (err as Error).message);
				}
				ctx.emit("user.deleted", { userId: user._id });
				await this.recordAudit(ctx, { type: "user.delete", subjectId: user._id, details: { email: user.email } });
			},

			/** The audit trail is kept by `auth`; an entry that cannot be written is logged, not fatal. */
			async recordAudit(this: UsersThis, ctx: Ctx<unknown>, event: AuditInput): Promise<void> {
				try {
					await ctx.call("auth.recordAudit", { ...event, actorId: ctx.meta.user?.id ?? null });
				} catch (err) {
					this.logger.error(`Could not record the '${event.type}' audit event:`, (err as Error).message);
				}
			},

			/** What the schema cannot say: fastest-validator lets `null` through optional fields. */
			checkProfile(p: ProfilePatch): void {
				const nulled = (["displayName", "bio", "locale", "timezone"] as const).filter(f => p[f] === null);
				if (nulled.length > 0) {
					throw apiError("VALIDATION_ERROR", undefined, nulled.map(field => ({ field, type: "string", message: `The '${field}' field must be a string.` })));
				}
				if (typeof p.avatarUrl === "string" && p.avatarUrl.length > AVATAR_URL_MAX) {
					throw apiError("VALIDATION_ERROR", undefined, [
						{ field: "avatarUrl", type: "stringMax", message: `The 'avatarUrl' field length must be less than or equal to ${AVATAR_URL_MAX} characters long.` }
					]);
				}
				if (p.timezone !== undefined && !isTimeZone(p.timezone)) {
					throw apiError("VALIDATION_ERROR", "Unknown time zone", [
						{ field: "timezone", type: "timezone", message: "The 'timezone' field must be an IANA time zone, e.g. Europe/Paris" }
					]);
				}
			}
		},

		created(this: UsersThis) {
			this.users = this.collection<UserRecord>(UserModel);
			this.locks = this.collection<LockRecord>(LockModel);
		}
	};
	return schema as unknown as ServiceSchema;
}
