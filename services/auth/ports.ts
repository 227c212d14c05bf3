/**
 * What auth's flows need of the world, as small interfaces. The service builds them from each request's
 * context (so calls keep its meta and tracing); the unit tests build them from in-memory fakes.
 */
import type { Clock } from "../../lib/clock";
import type { Collection } from "../../lib/collection";
import type { Config } from "../../lib/config";
import type { MetricKey } from "../../lib/metrics";
import type { AccessSubject } from "../../lib/tokens/access";
import type { EmailRequest, InAppRequest, NewUser, RevokedSession } from "../../lib/types";
import type { PublicUser } from "../../lib/user-schema";
import type { AuditInput } from "./audit/trail";
import type { EmailChangeRecord } from "./email-changes";
import type { OneTimeTokenRecord } from "./flows/links";
import type { WebAuthnChallengeRecord } from "./mfa/webauthn-challenges";
import type { ThrottleRecord } from "./login-throttle";
import type { OidcFlowRecord, OidcLinkRecord } from "./federation/ports";
import type { OidcClientRecord } from "./oidc/clients";
import type { OidcRecord } from "./oidc/store";
import type { AddressLinkKind } from "./outbox";
import type { CredentialRecord } from "./password/credentials";
import type { SecondFactors } from "./mfa/second-factors";
import type { SessionRecord, SpentTokenRecord } from "./sessions";

/** The `users` service: accounts live there, credentials and sessions here. */
export interface UsersPort {
	findByEmail(email: string): Promise<PublicUser | null>;
	getById(id: string): Promise<PublicUser | null>;
	create(user: NewUser): Promise<PublicUser>;
	/** Removes an account whose registration could not be completed. */
	discard(id: string): Promise<void>;
	markVerified(id: string): Promise<PublicUser>;
	recordLogin(id: string): Promise<PublicUser>;
	setEmail(id: string, email: string): Promise<PublicUser>;
}

/**
 * E-mail and in-app notices for `notifications`, written to auth's outbox: once a call resolves the message
 * survives any crash and is relayed until `notifications` has taken it (./outbox.ts).
 */
export interface MailPort {
	sendEmail(email: EmailRequest): Promise<void>;
	notifyInApp(notice: InAppRequest): Promise<void>;
	/** A link e-mail for whoever owns `address`, if anyone: decided when relayed (links.ts, linkEmailFor). */
	sendLinkTo(kind: AddressLinkKind, address: string): Promise<void>;
}

/** The audit trail; who, from where and when are filled in by the port. Never throws. */
export interface AuditPort {
	record(event: AuditInput): Promise<void>;
	/** Whether the trail holds an event of this type with these details (e.g. the admin bootstrap of an address). */
	recorded(type: string, details: Record<string, string>): Promise<boolean>;
}

export interface MetricsPort {
	count(key: MetricKey, labels: Record<string, string>): void;
}

/** Tells every gateway at once that these sessions' access tokens must be refused. */
export interface RevocationPort {
	broadcast(sessions: RevokedSession[]): void;
}

/** Work that goes on after the answer (e.g. so that "whether or not the account exists" takes no longer). */
export interface BackgroundPort {
	run(what: string, work: () => Promise<void>): void;
}

export interface PasswordHashing {
	hash(password: string): Promise<string>;
	/** False for a missing hash too, after the same work (timing equality for unknown addresses). */
	verify(password: string, hash: string | null | undefined): Promise<boolean>;
	needsRehash(hash: string): boolean;
}

export interface AccessTokenSigner {
	accessToken(subject: AccessSubject): string;
}

/**
 * The successor of a refresh-token secret: HMAC(server key, presented secret). Deterministic, so a token
 * presented again within REFRESH_REUSE_INTERVAL gets the same successor without it being stored anywhere.
 */
export interface RefreshSuccessor {
	of(presentedSecret: string): string;
}

export interface AuthStores {
	credentials: Collection<CredentialRecord>;
	sessions: Collection<SessionRecord>;
	spentTokens: Collection<SpentTokenRecord>;
	oneTimeTokens: Collection<OneTimeTokenRecord>;
	throttles: Collection<ThrottleRecord>;
	emailChanges: Collection<EmailChangeRecord>;
	webauthnChallenges: Collection<WebAuthnChallengeRecord>;
	oidcRecords: Collection<OidcRecord>;
	oidcClients: Collection<OidcClientRecord>;
	/** Sign in with another provider (./federation): flows in progress, pending and made links. */
	oidcFlows: Collection<OidcFlowRecord>;
	oidcLinks: Collection<OidcLinkRecord>;
}

/**
 * A stand-in credential ID for an address with no passkeys (unknown, or none enrolled), the same on every
 * replica and every request: a sign-in by e-mail then cannot tell which addresses have an account.
 */
export interface PasskeyDecoys {
	credentialIdFor(address: string): string;
}

export type AuthSettings = Pick<
	Config,
	"accessTokenTtl" | "refreshTokenTtl" | "refreshReuseInterval" | "sessionMaxLifetime" | "loginMaxFailures" | "emailVerificationRequired" | "magicLinkEnabled" | "adminEmail" | "adminPassword" | "mfaRequiredRoles" | "appName" | "webauthn"
>;

/** Everything a flow may use. */
export interface AuthKit {
	settings: AuthSettings;
	clock: Clock;
	stores: AuthStores;
	hasher: PasswordHashing;
	signer: AccessTokenSigner;
	successor: RefreshSuccessor;
	users: UsersPort;
	mail: MailPort;
	audit: AuditPort;
	metrics: MetricsPort;
	revocations: RevocationPort;
	background: BackgroundPort;
	passkeyDecoys: PasskeyDecoys;
	/** Second factors: TOTP, recovery codes, passkeys, and logins waiting for one. */
	factors: SecondFactors;
}

/** Where a request came from, as the gateway saw it. */
export interface ClientInfo {
	ip?: string | null;
	userAgent?: string | null;
}
