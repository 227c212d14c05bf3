/**
 * In-memory stand-ins for auth's ports: a clock the test moves, stores on moleculer-db's MemoryAdapter (NeDB
 * in memory, with the unique `_id` the flows rely on), and users, mail, audit and metrics that remember what
 * they were asked.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { MemoryAdapter } from "moleculer-db";
import { Collection, type Entity, type StoreAdapter } from "../../../lib/collection";
import { apiError } from "../../../lib/errors";
import type { EmailRequest, InAppRequest, NewUser, RevokedSession } from "../../../lib/types";
import type { PublicUser } from "../../../lib/user-schema";
import type { AccessSubject } from "../../../lib/tokens/access";
import type { AuditInput } from "../../../services/auth/audit/trail";
import { secondFactorsOver } from "../../../services/auth/mfa/second-factors";
import { SecretBox, toEncryptionKey } from "../../../services/auth/mfa/secret-box";
import type { AddressLinkKind } from "../../../services/auth/outbox";
import type { AuthKit, AuthSettings, PasswordHashing, UsersPort } from "../../../services/auth/ports";
import { successorSecret } from "../../../services/auth/tokens/opaque";

export class FakeClock {
	constructor(public time = Date.UTC(2026, 0, 15, 12, 0, 0)) {}
	now = (): number => this.time;
	advance(ms: number): void {
		this.time += ms;
	}
}

/** A collection in memory; `unique` names fields that must be unique besides `_id`. */
export async function memoryCollection<T extends Entity>(name: string, unique: string[] = []): Promise<Collection<T>> {
	const adapter = new MemoryAdapter();
	await adapter.connect();
	const db = (adapter as unknown as { db: { ensureIndex(o: { fieldName: string; unique: boolean }): Promise<void> } }).db;
	for (const fieldName of unique) await db.ensureIndex({ fieldName, unique: true });
	return new Collection<T>(name, adapter as unknown as StoreAdapter);
}

export class FakeUsers implements UsersPort {
	readonly byId = new Map<string, PublicUser>();
	constructor(private readonly clock: FakeClock) {}

	add(over: Partial<PublicUser> & { email: string }): PublicUser {
		const at = new Date(this.clock.now()).toISOString();
		const user: PublicUser = { id: randomUUID(), displayName: "", bio: "", avatarUrl: null, locale: "en", timezone: "UTC", roles: ["user"], status: "active", emailVerified: true, createdAt: at, updatedAt: at, lastLoginAt: null, ...over };
		this.byId.set(user.id, user);
		return user;
	}
	private update(id: string, change: Partial<PublicUser>): PublicUser {
		const user = { ...this.byId.get(id)!, ...change };
		this.byId.set(id, user);
		return user;
	}
	private holder(email: string): PublicUser | null {
		return [...this.byId.values()].find(u => u.email.toLowerCase() === email.trim().toLowerCase()) ?? null;
	}
	async findByEmail(email: string) {
		return this.holder(email);
	}
	async getById(id: string) {
		return this.byId.get(id) ?? null;
	}
	async create({ email, displayName, locale, roles, emailVerified }: NewUser) {
		// Checked and added at once, as a unique index does.
		if (this.holder(email)) throw apiError("EMAIL_TAKEN");
		return this.add({ email, displayName: displayName ?? "", locale: locale ?? "en", roles: roles ?? ["user"], emailVerified: emailVerified ?? false });
	}
	async discard(id: string) {
		this.byId.delete(id);
	}
	async markVerified(id: string) {
		return this.update(id, { emailVerified: true });
	}
	async recordLogin(id: string) {
		return this.update(id, { lastLoginAt: new Date(this.clock.now()).toISOString() });
	}
	async setEmail(id: string, email: string) {
		return this.update(id, { email });
	}
}

/** bcrypt's contract without its cost: a "hash" names the password and the rounds it was made with. */
export class FakeHasher implements PasswordHashing {
	verified: Array<string | null | undefined> = [];
	constructor(public rounds = 12) {}
	async hash(password: string) {
		return `fake$${this.rounds}$${password}`;
	}
	async verify(password: string, hash: string | null | undefined) {
		this.verified.push(hash);
		return !!hash && hash.slice(hash.indexOf("$", 5) + 1) === password;
	}
	needsRehash(hash: string) {
		return Number(hash.split("$")[1]) < this.rounds;
	}
}

/** The server key of refresh-token successors (any 32 bytes will do in the fakes). */
export const SUCCESSOR_KEY = Buffer.alloc(32, 7);

export const SETTINGS: AuthSettings = {
	accessTokenTtl: 900,
	refreshTokenTtl: 2_592_000,
	refreshReuseInterval: 10,
	sessionMaxLifetime: 7_776_000,
	loginMaxFailures: 5,
	emailVerificationRequired: true,
	appName: "User backend",
	mfaRequiredRoles: [],
	webauthn: { rpId: "example.com", rpName: "Example", origins: ["https://id.example.com"] },
	magicLinkEnabled: true
};

export interface TestKit {
	kit: AuthKit;
	clock: FakeClock;
	users: FakeUsers;
	hasher: FakeHasher;
	emails: EmailRequest[];
	notices: InAppRequest[];
	/** Link e-mails asked for by address (written to the outbox; resolved by the relay with linkEmailFor). */
	linkRequests: Array<{ kind: AddressLinkKind; address: string }>;
	audit: AuditInput[];
	metrics: Array<[string, Record<string, string>]>;
	revoked: RevokedSession[];
	/** What every access token was signed for (its amr, whether enrolment-only). */
	signed: AccessSubject[];
	/** Settles when the work the flows left in the background is done. */
	background(): Promise<void>;
}

export async function testKit(settings: Partial<AuthSettings> = {}): Promise<TestKit> {
	const clock = new FakeClock();
	const users = new FakeUsers(clock);
	const hasher = new FakeHasher();
	const pending: Array<Promise<void>> = [];
	const t = { clock, users, hasher, signed: [] as AccessSubject[], emails: [] as EmailRequest[], notices: [] as InAppRequest[], linkRequests: [] as TestKit["linkRequests"], audit: [] as AuditInput[], metrics: [] as TestKit["metrics"], revoked: [] as RevokedSession[] };
	const kit: AuthKit = {
		settings: { ...SETTINGS, ...settings },
		clock,
		stores: {
			credentials: await memoryCollection("credentials"),
			sessions: await memoryCollection("sessions"),
			spentTokens: await memoryCollection("spent_tokens"),
			oneTimeTokens: await memoryCollection("one_time_tokens"),
			throttles: await memoryCollection("login_throttles"),
			emailChanges: await memoryCollection("email_changes"),
			webauthnChallenges: await memoryCollection("webauthn_challenges"),
			oidcRecords: await memoryCollection("oidc_records"),
			oidcClients: await memoryCollection("oidc_clients"),
			oidcFlows: await memoryCollection("oidc_flows"),
			oidcLinks: await memoryCollection("oidc_links", ["identity"])
		},
		factors: secondFactorsOver(
			{
				totp: await memoryCollection("mfa_factors"),
				recoveryCodes: await memoryCollection("recovery_codes"),
				mfaChallenges: await memoryCollection("mfa_challenges"),
				passkeys: await memoryCollection("passkeys", ["credentialId"])
			},
			new SecretBox(toEncryptionKey(randomBytes(32))),
			clock
		),
		hasher,
		signer: { accessToken: subject => (t.signed.push(subject), `access:${subject.userId}:${subject.sessionId}:${clock.now()}`) },
		successor: { of: secret => successorSecret(SUCCESSOR_KEY, secret) },
		users,
		mail: {
			sendEmail: async e => void t.emails.push(e),
			notifyInApp: async n => void t.notices.push(n),
			sendLinkTo: async (kind, address) => void t.linkRequests.push({ kind, address })
		},
		audit: {
			record: async e => void t.audit.push(e),
			recorded: async (type, details) => t.audit.some(e => e.type === type && Object.entries(details).every(([k, v]) => e.details?.[k] === v))
		},
		metrics: { count: (key, labels) => void t.metrics.push([key, labels]) },
		revocations: { broadcast: sessions => void t.revoked.push(...sessions) },
		background: { run: (_what, work) => void pending.push(work()) },
		passkeyDecoys: { credentialIdFor: address => `decoy-${Buffer.from(address).toString("base64url")}` }
	};
	return { ...t, kit, background: async () => void (await Promise.all(pending)) };
}
