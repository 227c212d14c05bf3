/**
 * What the users service's logic needs from the world, as small interfaces: the service file wires them to
 * the database and to other services; the unit tests (test/unit/users) pass in-memory fakes.
 */
import type { Clock } from "../../lib/clock";
import type { Page, UserRecord } from "../../lib/types";
import type { UserListQuery } from "./policy";

/** The stored users. `insert` and `update` reject with a duplicate-key error when the address is taken. */
export interface UserStore {
	findById(id: string): Promise<UserRecord | null>;
	findByEmailKey(emailKey: string): Promise<UserRecord | null>;
	insert(user: UserRecord): Promise<UserRecord>;
	/** The user after the change, or null when there is none with that id. */
	update(id: string, set: Partial<UserRecord>): Promise<UserRecord | null>;
	remove(id: string): Promise<void>;
	countActiveAdmins(): Promise<number>;
	page(query: UserListQuery): Promise<Page<UserRecord>>;
}

/** Runs work under a named lock that holds across replicas. */
export interface Mutex {
	hold<R>(name: string, work: () => Promise<R>): Promise<R>;
}

export interface Logger {
	warn(...args: unknown[]): void;
	error(...args: unknown[]): void;
}

/** An audit trail entry about a user; the actor is the caller of the request. */
export interface UserAuditEvent {
	type: "user.roles" | "user.status" | "user.delete";
	subjectId: string;
	details: Record<string, unknown>;
}

/** What users asks of the other services, for one request (the caller's identity travels with it). */
export interface Peers {
	/** Re-authentication: false for a wrong password; with TOTP on, auth also wants a current `code` (MFA_REQUIRED / INVALID_MFA_CODE). */
	checkPassword(userId: string, password: string, code?: string): Promise<boolean>;
	/** Sessions and credentials of the account (auth). */
	purgeCredentials(userId: string): Promise<void>;
	endSessions(userId: string): Promise<void>;
	/** The account's notices go, and a last e-mail says it was deleted (notifications). */
	purgeNotices(user: { userId: string; email: string; displayName: string }): Promise<void>;
	announceDeleted(userId: string): void;
	audit(event: UserAuditEvent): Promise<void>;
}

/** What every flow of the users service is built on. */
export interface UsersCore {
	store: UserStore;
	mutex: Mutex;
	clock: Clock;
	logger: Logger;
}
