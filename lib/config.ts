import os from "node:os";
import path from "node:path";

/** The four services a node can run (CONTRACT §1, `SERVICES`). */
export const SERVICE_NAMES = ["api", "users", "auth", "notifications"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface Config {
	production: boolean;
	port: number;
	/** Prometheus port; 0 turns the metrics endpoint off (tests run many brokers at once). */
	metricsPort: number;
	services: ServiceName[];
	transporter?: string;
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
	/** Absolute session lifetime: refreshing never carries a session past it. */
	sessionMaxLifetime: number;
	bcryptRounds: number;
	emailVerificationRequired: boolean;
	loginMaxFailures: number;
	authRateLimitPerMinute: number;
	trustProxy: boolean;
	/** Browser origins allowed to call the API (CORS); unset = none, `*` = any. */
	corsOrigins?: string[];
	adminEmail?: string;
	adminPassword?: string;
	logLevel: string;
	/** Where trace spans go: off unless set (`console` in development; `zipkin`, `jaeger` or `event` in production). */
	tracingExporter?: "console" | "zipkin" | "jaeger" | "event";
	/** The product's name: TOTP issuer in authenticator apps, default WebAuthn RP name. */
	appName: string;
	/** Encrypts TOTP secrets at rest (32 bytes, base64 or hex); see services/auth/mfa/encryption-keys.ts. */
	mfaEncryptionKey?: string;
	/** Earlier MFA_ENCRYPTION_KEY values, still accepted for decryption while secrets are re-encrypted. */
	mfaEncryptionKeys: string[];
	webauthn: WebAuthnConfig;
	/** Collector URL for zipkin (`http://zipkin:9411`) or jaeger (`http://jaeger:14268/api/traces`). */
	tracingEndpoint?: string;
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

function text(env: Env, name: string): string | undefined {
	const value = env[name]?.trim();
	return value ? value : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
	const raw = text(env, name);
	if (raw === undefined) return fallback;
	if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
	const value = Number(raw);
	if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
	return value;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
	const raw = text(env, name)?.toLowerCase();
	if (raw === undefined) return fallback;
	if (["true", "1", "yes"].includes(raw)) return true;
	if (["false", "0", "no"].includes(raw)) return false;
	throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function services(env: Env): ServiceName[] {
	const raw = text(env, "SERVICES");
	if (raw === undefined) return [...SERVICE_NAMES];
	const names = raw.split(",").map(s => s.trim()).filter(Boolean);
	const unknown = names.filter(n => !(SERVICE_NAMES as readonly string[]).includes(n));
	if (unknown.length > 0 || names.length === 0) {
		throw new ConfigError(`SERVICES must list some of ${SERVICE_NAMES.join(",")}; unknown: ${unknown.join(",") || "(empty)"}`);
	}
	return [...new Set(names)] as ServiceName[];
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
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
		services: services(env),
		transporter: url(env, "TRANSPORTER", ["nats:", "tls:"]),
		nodeId: text(env, "NODE_ID") ?? `${os.hostname()}-${process.pid}`,
		mongoUri: url(env, "MONGO_URI", ["mongodb:", "mongodb+srv:"]),
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
		sessionMaxLifetime: integer(env, "SESSION_MAX_LIFETIME", 7_776_000, 60, 31_536_000),
		bcryptRounds,
		emailVerificationRequired: flag(env, "EMAIL_VERIFICATION_REQUIRED", true),
		loginMaxFailures: integer(env, "LOGIN_MAX_FAILURES", 5, 1, 1000),
		authRateLimitPerMinute: integer(env, "AUTH_RATE_LIMIT_PER_MINUTE", 30, 1, 1_000_000),
		trustProxy: flag(env, "TRUST_PROXY", false),
		corsOrigins: corsOrigins(env),
		adminEmail,
		adminPassword,
		logLevel: text(env, "LOG_LEVEL") ?? "info",
		tracingExporter: tracingExporter(env),
		appName,
		mfaEncryptionKey: text(env, "MFA_ENCRYPTION_KEY"),
		mfaEncryptionKeys: (text(env, "MFA_ENCRYPTION_KEYS") ?? "").split(",").map(k => k.trim()).filter(Boolean),
		webauthn: webauthn(env, appUrl, appName),
		tracingEndpoint: url(env, "TRACING_ENDPOINT", ["http:", "https:"])
	};
}
