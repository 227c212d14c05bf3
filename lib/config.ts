import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROLES, type Role } from "./enums";

/** The four services a node can run (CONTRACT §1, `SERVICES`). */
export const SERVICE_NAMES = ["api", "users", "auth", "notifications"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The log levels moleculer knows, most to least severe (LOG_LEVEL; case-sensitive, as moleculer compares them). */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Whom a variable is for: the services whose behaviour depends on it ("all": every node, whatever it runs). */
export interface VariableUse {
	services: readonly ServiceName[] | "all";
}

const API: readonly ServiceName[] = ["api"];
const AUTH: readonly ServiceName[] = ["auth"];
const NOTIFICATIONS: readonly ServiceName[] = ["notifications"];
const STORES: readonly ServiceName[] = ["users", "auth", "notifications"];

/**
 * Every environment variable `loadConfig` reads, and the services that need it. The readers below only take
 * names declared here (a type error otherwise), and test/unit/deploy.test.ts proves the reverse (every name
 * here is read) and checks that docker-compose.yml and k8s.yaml give each variable to each service listed.
 */
export const VARIABLES = {
	NODE_ENV: { services: "all" },
	PORT: { services: API },
	METRICS_PORT: { services: "all" },
	HEALTH_PORT: { services: "all" },
	SERVICES: { services: "all" },
	NODE_ID: { services: "all" },
	NAMESPACE: { services: "all" },
	TRANSPORTER: { services: "all" },
	NATS_TOKEN: { services: "all" },
	NATS_TLS_CA: { services: "all" },
	NATS_TLS_CERT: { services: "all" },
	NATS_TLS_KEY: { services: "all" },
	ALLOW_INSECURE_TRANSPORT: { services: "all" },
	MONGO_URI: { services: STORES },
	// The embedded store (users, auth, notifications), development keys (api, auth) and the outbox (notifications).
	DATA_DIR: { services: "all" },
	SMTP_URL: { services: NOTIFICATIONS },
	MAIL_FROM: { services: NOTIFICATIONS },
	// Links in e-mails (notifications) and the default token issuer (every node verifies what auth signs).
	APP_URL: { services: SERVICE_NAMES },
	// auth signs access tokens; the gateway's OpenID Provider signs ID tokens with the same key.
	JWT_PRIVATE_KEY: { services: ["api", "auth"] },
	// Every node verifies the access token a call carries itself (CONTRACT §7: identity on the bus is proven).
	JWT_PUBLIC_KEYS: { services: SERVICE_NAMES },
	JWT_ISSUER: { services: SERVICE_NAMES },
	JWT_AUDIENCE: { services: SERVICE_NAMES },
	ACCESS_TOKEN_TTL: { services: AUTH },
	// auth rotates refresh tokens; the gateway gives the browser-session cookie the same lifetime.
	REFRESH_TOKEN_TTL: { services: ["api", "auth"] },
	REFRESH_REUSE_INTERVAL: { services: AUTH },
	SESSION_MAX_LIFETIME: { services: AUTH },
	BCRYPT_ROUNDS: { services: AUTH },
	EMAIL_VERIFICATION_REQUIRED: { services: AUTH },
	MAGIC_LINK_ENABLED: { services: AUTH },
	LOGIN_MAX_FAILURES: { services: AUTH },
	AUTH_RATE_LIMIT_PER_MINUTE: { services: AUTH },
	TRUST_PROXY: { services: API },
	OIDC_ISSUER: { services: API },
	// Sign in with another provider: auth runs the flows, the gateway's pages list the providers.
	OIDC_PROVIDERS: { services: ["api", "auth"] },
	CORS_ORIGINS: { services: API },
	HOSTED_PAGES: { services: API },
	ADMIN_EMAIL: { services: AUTH },
	ADMIN_PASSWORD: { services: AUTH },
	LOG_LEVEL: { services: "all" },
	TRACING_EXPORTER: { services: "all" },
	TRACING_ENDPOINT: { services: "all" },
	// Second factors: TOTP secrets are sealed and passkeys verified by auth; the name shows in authenticator apps.
	APP_NAME: { services: AUTH },
	MFA_ENCRYPTION_KEY: { services: AUTH },
	MFA_ENCRYPTION_KEYS: { services: AUTH },
	WEBAUTHN_RP_ID: { services: AUTH },
	WEBAUTHN_RP_NAME: { services: AUTH },
	WEBAUTHN_ORIGINS: { services: AUTH },
	// Roles that must have a second factor: until they enrol, their tokens reach only the enrolment routes.
	MFA_REQUIRED_ROLES: { services: AUTH }
} as const satisfies Record<string, VariableUse>;
export type VariableName = keyof typeof VARIABLES;

/** TLS towards NATS: each a PEM file path (or the PEM itself). */
export interface NatsTls {
	ca?: string;
	cert?: string;
	key?: string;
}

export interface Config {
	production: boolean;
	port: number;
	/** Prometheus port; 0 turns the metrics endpoint off (tests run many brokers at once). */
	metricsPort: number;
	/** Port of the /live and /ready server every node runs; 0 turns it off. */
	healthPort: number;
	services: ServiceName[];
	/** Broker namespace: clusters with different namespaces can share one NATS. */
	namespace: string;
	/** NATS URL, credentials included when given (never log it: lib/transport.ts describes it safely). */
	transporter?: string;
	natsToken?: string;
	/** Set when TLS is required: `tls://` or any NATS_TLS_* variable. */
	natsTls?: NatsTls;
	nodeId: string;
	mongoUri?: string;
	dataDir: string;
	/** Tests only: the embedded store keeps nothing on disk. */
	inMemoryStore?: boolean;
	smtpUrl?: string;
	mailFrom: string;
	appUrl: string;
	jwtPrivateKey?: string;
	jwtPublicKeys?: string;
	jwtIssuer: string;
	jwtAudience: string;
	accessTokenTtl: number;
	refreshTokenTtl: number;
	/** Seconds during which a just-spent refresh token still gets its successor (two tabs, a retry); 0 = never. */
	refreshReuseInterval: number;
	/** Absolute session lifetime: refreshing never carries a session past it. */
	sessionMaxLifetime: number;
	bcryptRounds: number;
	emailVerificationRequired: boolean;
	/** Sign-in with a one-time link by e-mail (CONTRACT §6); off: its routes answer 404. */
	magicLinkEnabled: boolean;
	loginMaxFailures: number;
	authRateLimitPerMinute: number;
	trustProxy: boolean;
	/** The OpenID Provider's issuer (CONTRACT §6); the gateway serves it under this URL's path. */
	oidcIssuer: string;
	/** Other OpenID providers users may sign in with (OIDC_PROVIDERS; services/auth/federation). */
	oidcProviders: OidcProviderConfig[];
	/** Browser origins allowed to call the API (CORS); unset = none, `*` = any. */
	corsOrigins?: string[];
	/** The gateway serves the hosted pages (web/) at the root of PORT, and /api/docs. */
	hostedPages: boolean;
	adminEmail?: string;
	adminPassword?: string;
	logLevel: LogLevel;
	/** Where trace spans go: off unless set (`console` in development; `zipkin`, `jaeger` or `event` in production). */
	tracingExporter?: "console" | "zipkin" | "jaeger" | "event";
	/** The product's name: TOTP issuer in authenticator apps, default WebAuthn RP name. */
	appName: string;
	/** Encrypts TOTP secrets at rest (32 bytes, base64 or hex); see services/auth/mfa/encryption-keys.ts. */
	mfaEncryptionKey?: string;
	/** Earlier MFA_ENCRYPTION_KEY values, still accepted for decryption while secrets are re-encrypted. */
	mfaEncryptionKeys: string[];
	webauthn: WebAuthnConfig;
	/** Users with one of these roles get tokens that reach only the enrolment routes until they show a second factor. */
	mfaRequiredRoles: Role[];
	/** Collector URL for zipkin (`http://zipkin:9411`) or jaeger (`http://jaeger:14268/api/traces`). */
	tracingEndpoint?: string;
}

/** One entry of OIDC_PROVIDERS: an OpenID Connect issuer this backend is a client of. */
export interface OidcProviderConfig {
	/** In the routes (/api/v1/auth/oidc/:id/…) and the links' records: lower-case letters, digits, `-`. */
	id: string;
	/** Shown on the sign-in page ("Continue with …") and in e-mails. */
	name: string;
	issuer: string;
	clientId: string;
	/** Absent: a public client (PKCE only). */
	clientSecret?: string;
	/** Asked for at the provider; always includes `openid` and `email`. */
	scopes: string[];
}

/** The WebAuthn relying party (CONTRACT §4): passkeys are bound to the RP ID and accepted from these origins only. */
export interface WebAuthnConfig {
	rpId: string;
	rpName: string;
	origins: string[];
}

const TRACING_EXPORTERS = ["console", "zipkin", "jaeger", "event"] as const;

function tracingExporter(env: Env): Config["tracingExporter"] {
	const raw = text(env, "TRACING_EXPORTER")?.toLowerCase();
	if (raw === undefined || raw === "none") return undefined;
	if (!(TRACING_EXPORTERS as readonly string[]).includes(raw)) {
		throw new ConfigError(`TRACING_EXPORTER must be one of none,${TRACING_EXPORTERS.join(",")}; got "${raw}"`);
	}
	return raw as Config["tracingExporter"];
}

/** A configuration the node must not start with; the message says which variable and why. */
export class ConfigError extends Error {
	override name = "ConfigError";
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: VariableName): string | undefined {
	const value = env[name]?.trim();
	return value ? value : undefined;
}

function integer(env: Env, name: VariableName, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
	const raw = text(env, name);
	if (raw === undefined) return fallback;
	const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
	if (!/^[-+]?\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number ${range}, got "${raw}"`);
	const value = Number(raw);
	if (value < min || value > max) throw new ConfigError(`${name} must be ${range}, got ${value}`);
	return value;
}

function flag(env: Env, name: VariableName, fallback: boolean): boolean {
	const raw = text(env, name)?.toLowerCase();
	if (raw === undefined) return fallback;
	if (["true", "1", "yes"].includes(raw)) return true;
	if (["false", "0", "no"].includes(raw)) return false;
	throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function services(env: Env): ServiceName[] {
	const raw = text(env, "SERVICES");
	if (raw === undefined) return [...SERVICE_NAMES];
	// A node of no services: the REPL joined to a cluster as an operator's console (`npm run repl`).
	if (raw === "none") return [];
	const names = raw.split(",").map(s => s.trim()).filter(Boolean);
	const unknown = names.filter(n => !(SERVICE_NAMES as readonly string[]).includes(n));
	if (unknown.length > 0 || names.length === 0) {
		throw new ConfigError(`SERVICES must list some of ${SERVICE_NAMES.join(",")} (or be none); unknown: ${unknown.join(",") || "(empty)"}`);
	}
	return [...new Set(names)] as ServiceName[];
}

function url(env: Env, name: VariableName, protocols: string[]): string | undefined {
	const raw = text(env, name);
	if (raw === undefined) return undefined;
	let parsed: URL;
	try {
		parsed = new URL(raw);
	} catch {
		throw new ConfigError(`${name} is not a valid URL`);
	}
	if (!protocols.includes(parsed.protocol)) {
		throw new ConfigError(`${name} must start with ${protocols.map(p => `${p}//`).join(" or ")}`);
	}
	return raw;
}

/** MONGO_URI: a `new URL` cannot parse a replica set's host list (`mongodb://a:27017,b:27017/db?replicaSet=rs0`). */
function mongoUri(env: Env): string | undefined {
	const raw = text(env, "MONGO_URI");
	if (raw === undefined) return undefined;
	const m = /^(mongodb|mongodb\+srv):\/\/(?:[^@/?#]*@)?([^/?#]+)(?:\/[^?#]*)?(?:\?[^#]*)?$/.exec(raw);
	if (!m) throw new ConfigError("MONGO_URI must start with mongodb:// or mongodb+srv:// and name a host");
	const hosts = m[2].split(",");
	const valid = hosts.every(h => /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(h));
	if (!valid || (m[1] === "mongodb+srv" && (hosts.length > 1 || hosts[0].includes(":")))) {
		throw new ConfigError("MONGO_URI has an invalid host list (host[:port],host[:port],…; mongodb+srv:// takes one host without a port)");
	}
	return raw;
}

function logLevel(env: Env): LogLevel {
	const raw = text(env, "LOG_LEVEL");
	if (raw === undefined) return "info";
	if (!(LOG_LEVELS as readonly string[]).includes(raw)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")} (lower case); got "${raw}"`);
	return raw as LogLevel;
}

function namespace(env: Env): string {
	const raw = text(env, "NAMESPACE");
	if (raw === undefined) return "user-backend";
	// It becomes part of NATS subjects (MOL-<namespace>.…): no dots, spaces or wildcards.
	if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(raw)) throw new ConfigError(`NAMESPACE must be letters, digits, "-" or "_" (at most 64), got "${raw}"`);
	return raw;
}

/** A PEM file for NATS TLS: a path that must exist, or the PEM text itself. */
function pem(env: Env, name: "NATS_TLS_CA" | "NATS_TLS_CERT" | "NATS_TLS_KEY"): string | undefined {
	const raw = text(env, name);
	if (raw === undefined || raw.startsWith("-----BEGIN")) return raw;
	if (!fs.existsSync(raw)) throw new ConfigError(`${name} names no file: ${raw} (give a PEM file path, or the PEM itself)`);
	return raw;
}

/** TRANSPORTER and its credentials; in production a transporter without them is refused. */
function transport(env: Env, production: boolean): Pick<Config, "transporter" | "natsToken" | "natsTls"> {
	const transporter = url(env, "TRANSPORTER", ["nats:", "tls:"]);
	const natsToken = text(env, "NATS_TOKEN");
	const tls: NatsTls = { ca: pem(env, "NATS_TLS_CA"), cert: pem(env, "NATS_TLS_CERT"), key: pem(env, "NATS_TLS_KEY") };
	const allowInsecure = flag(env, "ALLOW_INSECURE_TRANSPORT", false);
	if ((tls.cert === undefined) !== (tls.key === undefined)) throw new ConfigError("NATS_TLS_CERT and NATS_TLS_KEY must be set together");
	if (transporter === undefined) return {};
	const parsed = new URL(transporter);
	if (!parsed.hostname) throw new ConfigError("TRANSPORTER must name a host, e.g. nats://nats:4222");
	// A user name (with or without a password) in the URL, a token, or a client certificate.
	const credentials = parsed.username !== "" || natsToken !== undefined || tls.cert !== undefined;
	if (production && !credentials && !allowInsecure) {
		throw new ConfigError(
			`TRANSPORTER ${parsed.protocol}//${parsed.host} has no credentials, and NODE_ENV=production refuses an unauthenticated transporter: ` +
				"give them in the URL (nats://user:password@host:4222), as NATS_TOKEN or as a client certificate (NATS_TLS_CERT and NATS_TLS_KEY), " +
				"or set ALLOW_INSECURE_TRANSPORT=true"
		);
	}
	const wantsTls = parsed.protocol === "tls:" || Object.values(tls).some(v => v !== undefined);
	const natsTls = wantsTls ? Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined)) : undefined;
	return { transporter, natsToken, natsTls };
}

function corsOrigins(env: Env): string[] | undefined {
	const raw = text(env, "CORS_ORIGINS");
	if (raw === undefined) return undefined;
	const origins = raw.split(",").map(o => o.trim().replace(/\/+$/, "")).filter(Boolean);
	for (const origin of origins) {
		if (origin === "*") continue;
		let parsed: URL;
		try {
			parsed = new URL(origin);
		} catch {
			throw new ConfigError(`CORS_ORIGINS must list origins such as https://app.example.com, got "${origin}"`);
		}
		if (parsed.origin !== origin) throw new ConfigError(`CORS_ORIGINS entries are origins (scheme://host[:port]) only, got "${origin}"`);
	}
	return origins;
}

/**
 * WEBAUTHN_ORIGINS defaults to APP_URL's origin and WEBAUTHN_RP_ID to its host name. Browsers refuse an RP ID
 * that is not the origin's host or a parent domain of it, so such a setting is refused here, at start.
 */
function webauthn(env: Env, appUrl: string, appName: string): WebAuthnConfig {
	const origins = (text(env, "WEBAUTHN_ORIGINS") ?? new URL(appUrl).origin).split(",").map(o => o.trim().replace(/\/+$/, "")).filter(Boolean);
	const rpId = (text(env, "WEBAUTHN_RP_ID") ?? new URL(appUrl).hostname).toLowerCase();
	for (const origin of origins) {
		let parsed: URL;
		try {
			parsed = new URL(origin);
		} catch {
			throw new ConfigError(`WEBAUTHN_ORIGINS must list origins such as https://app.example.com, got "${origin}"`);
		}
		if (parsed.origin !== origin) throw new ConfigError(`WEBAUTHN_ORIGINS entries are origins (scheme://host[:port]) only, got "${origin}"`);
		if (parsed.hostname !== rpId && !parsed.hostname.endsWith(`.${rpId}`)) {
			throw new ConfigError(`WEBAUTHN_RP_ID "${rpId}" must be the host of every WEBAUTHN_ORIGINS entry or a parent domain of it; "${origin}" is not`);
		}
	}
	return { rpId, rpName: text(env, "WEBAUTHN_RP_NAME") ?? appName, origins };
}

function mfaRequiredRoles(env: Env): Role[] {
	const names = (text(env, "MFA_REQUIRED_ROLES") ?? "").split(",").map(r => r.trim()).filter(Boolean);
	const unknown = names.filter(n => !(ROLES as readonly string[]).includes(n));
	if (unknown.length) throw new ConfigError(`MFA_REQUIRED_ROLES lists roles of ${ROLES.join(", ")} only, got "${unknown.join(", ")}"`);
	return [...new Set(names)] as Role[];
}

const PROVIDER_ID = /^[a-z0-9-]{1,32}$/;
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
const PROVIDER_KEYS = new Set(["id", "name", "issuer", "clientId", "clientSecret", "scopes"]);

/**
 * OIDC_PROVIDERS: a JSON array of `{id, name, issuer, clientId, clientSecret?, scopes?}`. A plain-http issuer
 * is accepted outside production, and on the loopback interface in production too.
 */
export function parseOidcProviders(raw: string | undefined, production: boolean): OidcProviderConfig[] {
	if (raw === undefined) return [];
	let list: unknown;
	try {
		list = JSON.parse(raw);
	} catch {
		throw new ConfigError("OIDC_PROVIDERS is not valid JSON: give an array of {id, name, issuer, clientId, clientSecret, scopes?}");
	}
	if (!Array.isArray(list)) throw new ConfigError("OIDC_PROVIDERS must be a JSON array of {id, name, issuer, clientId, clientSecret, scopes?}");
	const seen = new Set<string>();
	return list.map((entry: unknown, index) => {
		const at = `OIDC_PROVIDERS[${index}]`;
		if (!entry || typeof entry !== "object" || Array.isArray(entry)) throw new ConfigError(`${at} must be an object {id, name, issuer, clientId, clientSecret, scopes?}`);
		const e = entry as Record<string, unknown>;
		const unknown = Object.keys(e).filter(key => !PROVIDER_KEYS.has(key));
		if (unknown.length) throw new ConfigError(`${at} has unknown keys: ${unknown.join(", ")}`);
		const str = (key: string, optional = false): string | undefined => {
			const value = e[key];
			if (value === undefined && optional) return undefined;
			if (typeof value !== "string" || value.trim() === "") throw new ConfigError(`${at}.${key} must be a non-empty string`);
			return value.trim();
		};
		const id = str("id")!;
		if (!PROVIDER_ID.test(id)) throw new ConfigError(`${at}.id must be 1 to 32 lower-case letters, digits or "-", got "${id}"`);
		if (seen.has(id)) throw new ConfigError(`OIDC_PROVIDERS lists the id "${id}" twice`);
		seen.add(id);
		const issuer = str("issuer")!.replace(/\/+$/, "");
		let parsed: URL;
		try {
			parsed = new URL(issuer);
		} catch {
			throw new ConfigError(`${at}.issuer is not a URL: "${issuer}"`);
		}
		if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new ConfigError(`${at}.issuer must be an https URL, got "${issuer}"`);
		if (parsed.protocol === "http:" && production && !LOCAL_HOSTS.has(parsed.hostname)) {
			throw new ConfigError(`${at}.issuer must be https in production (plain http only on localhost), got "${issuer}"`);
		}
		if (parsed.search || parsed.hash) throw new ConfigError(`${at}.issuer must have no query or fragment`);
		const scopes = e.scopes === undefined ? ["openid", "email", "profile"] : e.scopes;
		if (!Array.isArray(scopes) || !scopes.every(s => typeof s === "string" && /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s))) {
			throw new ConfigError(`${at}.scopes must be an array of scope names`);
		}
		const secret = str("clientSecret", true);
		return {
			id,
			name: str("name")!,
			issuer,
			clientId: str("clientId")!,
			...(secret ? { clientSecret: secret } : {}),
			scopes: [...new Set(["openid", "email", ...(scopes as string[])])]
		};
	});
}

/** Reads CONTRACT §1 from the environment. Throws ConfigError on a value the node must not run with. */
export function loadConfig(env: Env = process.env): Config {
	const production = env.NODE_ENV === "production";
	const appUrl = (url(env, "APP_URL", ["http:", "https:"]) ?? "http://localhost:3000").replace(/\/+$/, "");
	const bcryptRounds = integer(env, "BCRYPT_ROUNDS", 12, 4, 20);
	if (production && bcryptRounds < 10) throw new ConfigError("BCRYPT_ROUNDS must be at least 10 in production");

	const adminEmail = text(env, "ADMIN_EMAIL");
	const adminPassword = env.ADMIN_PASSWORD || undefined;
	if ((adminEmail === undefined) !== (adminPassword === undefined)) {
		throw new ConfigError("ADMIN_EMAIL and ADMIN_PASSWORD must be set together");
	}

	const appName = text(env, "APP_NAME") ?? "User backend";

	return {
		production,
		port: integer(env, "PORT", 3000, 0, 65535),
		metricsPort: integer(env, "METRICS_PORT", 3030, 0, 65535),
		healthPort: integer(env, "HEALTH_PORT", 3001, 0, 65535),
		services: services(env),
		namespace: namespace(env),
		...transport(env, production),
		nodeId: text(env, "NODE_ID") ?? `${os.hostname()}-${process.pid}`,
		mongoUri: mongoUri(env),
		dataDir: path.resolve(text(env, "DATA_DIR") ?? "./data"),
		smtpUrl: url(env, "SMTP_URL", ["smtp:", "smtps:"]),
		mailFrom: text(env, "MAIL_FROM") ?? "no-reply@localhost",
		appUrl,
		jwtPrivateKey: text(env, "JWT_PRIVATE_KEY"),
		jwtPublicKeys: text(env, "JWT_PUBLIC_KEYS"),
		jwtIssuer: text(env, "JWT_ISSUER") ?? appUrl,
		jwtAudience: text(env, "JWT_AUDIENCE") ?? "user-backend",
		accessTokenTtl: integer(env, "ACCESS_TOKEN_TTL", 900, 10, 86_400),
		refreshTokenTtl: integer(env, "REFRESH_TOKEN_TTL", 2_592_000, 60, 31_536_000),
		refreshReuseInterval: integer(env, "REFRESH_REUSE_INTERVAL", 10, 0, 300),
		sessionMaxLifetime: integer(env, "SESSION_MAX_LIFETIME", 7_776_000, 60, 31_536_000),
		bcryptRounds,
		emailVerificationRequired: flag(env, "EMAIL_VERIFICATION_REQUIRED", true),
		magicLinkEnabled: flag(env, "MAGIC_LINK_ENABLED", true),
		loginMaxFailures: integer(env, "LOGIN_MAX_FAILURES", 5, 1, 1000),
		authRateLimitPerMinute: integer(env, "AUTH_RATE_LIMIT_PER_MINUTE", 30, 1, 1_000_000),
		trustProxy: flag(env, "TRUST_PROXY", false),
		oidcIssuer: (url(env, "OIDC_ISSUER", ["http:", "https:"]) ?? `${appUrl}/oidc`).replace(/\/+$/, ""),
		oidcProviders: parseOidcProviders(text(env, "OIDC_PROVIDERS"), production),
		corsOrigins: corsOrigins(env),
		hostedPages: flag(env, "HOSTED_PAGES", true),
		adminEmail,
		adminPassword,
		logLevel: logLevel(env),
		tracingExporter: tracingExporter(env),
		appName,
		mfaEncryptionKey: text(env, "MFA_ENCRYPTION_KEY"),
		mfaEncryptionKeys: (text(env, "MFA_ENCRYPTION_KEYS") ?? "").split(",").map(k => k.trim()).filter(Boolean),
		webauthn: webauthn(env, appUrl, appName),
		mfaRequiredRoles: mfaRequiredRoles(env),
		tracingEndpoint: url(env, "TRACING_ENDPOINT", ["http:", "https:"])
	};
}
