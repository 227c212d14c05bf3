/** Accounts as the users service keeps them: creation, look-ups, profile and address changes. */
import { randomUUID } from "node:crypto";
import { isDuplicateKeyError } from "../../lib/collection";
import { emailKey } from "../../lib/email";
import { apiError } from "../../lib/errors";
import type { NewUser, Page, UserRecord } from "../../lib/types";
import { toPublicUser, type PublicUser } from "../../lib/user-schema";
import { checkProfile, normalizeRoles, type ProfilePatch, type UserListQuery } from "./policy";
import type { UserStore, UsersCore } from "./ports";

/** A unique-index violation on the address is EMAIL_TAKEN, whoever got there first. */
async function uniqueAddress<R>(write: Promise<R>): Promise<R> {
	try {
		return await write;
	} catch (err) {
		if (isDuplicateKeyError(err)) throw apiError("EMAIL_TAKEN");
		throw err;
	}
}

export async function requireUser(store: UserStore, id: string): Promise<UserRecord> {
	const user = await store.findById(id);
	if (!user) throw apiError("NOT_FOUND", "User not found");
	return user;
}

async function applyUpdate(store: UserStore, id: string, set: Partial<UserRecord>): Promise<PublicUser> {
	const user = await store.update(id, set);
	if (!user) throw apiError("NOT_FOUND");
	return toPublicUser(user);
}

/** Changes fields of an existing user (NOT_FOUND otherwise) and stamps `updatedAt`. */
export function updateUser(core: UsersCore, id: string, set: Partial<UserRecord>): Promise<PublicUser> {
	return applyUpdate(core.store, id, { ...set, updatedAt: new Date(core.clock.now()) });
}

/** A sign-in is not a change to the account: `updatedAt` stays. */
export function recordLogin(core: UsersCore, id: string): Promise<PublicUser> {
	return applyUpdate(core.store, id, { lastLoginAt: new Date(core.clock.now()) });
}

export async function createUser(core: UsersCore, params: NewUser): Promise<PublicUser> {
	const now = new Date(core.clock.now());
	const user = await uniqueAddress(
		core.store.insert({
			_id: randomUUID(),
			email: params.email,
			emailKey: emailKey(params.email),
			displayName: params.displayName ?? "",
			bio: "",
			avatarUrl: null,
			locale: params.locale ?? "en",
			timezone: "UTC",
			roles: normalizeRoles(params.roles ?? []),
			status: "active",
			emailVerified: params.emailVerified ?? false,
			createdAt: now,
			updatedAt: now,
			lastLoginAt: null
		})
	);
	return toPublicUser(user);
}

/** A confirmed address change: EMAIL_TAKEN if someone else holds it, or took it meanwhile. */
export async function setEmail(core: UsersCore, id: string, email: string): Promise<PublicUser> {
	const holder = await core.store.findByEmailKey(emailKey(email));
	if (holder && holder._id !== id) throw apiError("EMAIL_TAKEN");
	return uniqueAddress(updateUser(core, id, { email, emailKey: emailKey(email), emailVerified: true }));
}

export async function updateProfile(core: UsersCore, id: string, patch: ProfilePatch): Promise<PublicUser> {
	checkProfile(patch);
	await requireUser(core.store, id);
	return updateUser(core, id, patch as Partial<UserRecord>);
}

export async function publicUser(store: UserStore, id: string): Promise<PublicUser> {
	return toPublicUser(await requireUser(store, id));
}

const publicOrNull = (user: UserRecord | null): PublicUser | null => (user ? toPublicUser(user) : null);

/** Look-ups for other services: null when there is none. */
export async function userByEmail(store: UserStore, email: string): Promise<PublicUser | null> {
	return publicOrNull(await store.findByEmailKey(emailKey(email)));
}

export async function userById(store: UserStore, id: string): Promise<PublicUser | null> {
	return publicOrNull(await store.findById(id));
}

export async function listUsers(store: UserStore, query: UserListQuery): Promise<Page<PublicUser>> {
	const page = await store.page(query);
	return { ...page, rows: page.rows.map(toPublicUser) };
}
