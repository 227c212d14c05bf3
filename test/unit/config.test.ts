import { NatsTransporter } from "../../lib/nats-transporter";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError, loadConfig, LOG_LEVELS, SERVICE_NAMES } from "../../lib/config";
import { describeTransporter, natsOptions } from "../../lib/transport";
import { brokerOptions } from "../../moleculer.config";

describe("loadConfig defaults (CONTRACT §1)", () => {
	const config = loadConfig({});

	it("uses the documented defaults", () => {
		expect(config.port).toBe(3000);
		expect(config.accessTokenTtl).toBe(900);
		expect(config.refreshTokenTtl).toBe(2_592_000);
		expect(config.bcryptRounds).toBe(12);
		expect(config.emailVerificationRequired).toBe(true);
		expect(config.loginMaxFailures).toBe(5);
		expect(config.authRateLimitPerMinute).toBe(30);
		expect(config.trustProxy).toBe(false);
		expect(config.mailFrom).toBe("no-reply@localhost");
		expect(config.appUrl).toBe("http://localhost:3000");
		expect(config.logLevel).toBe("info");
	});

	it("runs all four services by default", () => {
		expect([...config.services].sort()).toEqual(["api", "auth", "notifications", "users"]);
		expect(SERVICE_NAMES).toHaveLength(4);
	});

	it("has no transporter, Mongo URI, SMTP URL, keys or admin by default", () => {
		expect(config.transporter).toBeUndefined();
		expect(config.mongoUri).toBeUndefined();
		expect(config.smtpUrl).toBeUndefined();
		expect(config.jwtPrivateKey).toBeUndefined();
		expect(config.jwtPublicKeys).toBeUndefined();
		expect(config.adminEmail).toBeUndefined();
		expect(config.adminPassword).toBeUndefined();
	});

	it("defaults DATA_DIR to ./data (absolute) and NODE_ID to host name + pid", () => {
		expect(config.dataDir).toBe(path.resolve("./data"));
		expect(config.nodeId).toBe(`${os.hostname()}-${process.pid}`);
	});

	it("is not production unless NODE_ENV=production", () => {
		expect(config.production).toBe(false);
		expect(loadConfig({ NODE_ENV: "development" }).production).toBe(false);
		expect(loadConfig({ NODE_ENV: "production" }).production).toBe(true);
	});

	it("treats blank values as unset", () => {
		const blank = loadConfig({ PORT: "  ", MAIL_FROM: "", SERVICES: " ", APP_URL: "" });
		expect(blank.port).toBe(3000);
		expect(blank.mailFrom).toBe("no-reply@localhost");
		expect(blank.services).toHaveLength(4);
		expect(blank.appUrl).toBe("http://localhost:3000");
	});

	it("defaults the JWT issuer to APP_URL", () => {
		expect(config.jwtIssuer).toBe("http://localhost:3000");
		expect(loadConfig({ APP_URL: "https://example.com/" }).jwtIssuer).toBe("https://example.com");
	});
});

describe("loadConfig reads values", () => {
	it("parses numbers, flags and strings", () => {
		const c = loadConfig({
			PORT: "8080",
			ACCESS_TOKEN_TTL: "60",
			REFRESH_TOKEN_TTL: "3600",
			BCRYPT_ROUNDS: "10",
			EMAIL_VERIFICATION_REQUIRED: "false",
			LOGIN_MAX_FAILURES: "3",
			AUTH_RATE_LIMIT_PER_MINUTE: "100",
			TRUST_PROXY: "true",
			MAIL_FROM: "team@example.com",
			LOG_LEVEL: "debug",
			NODE_ID: "node-7",
			DATA_DIR: "/tmp/somewhere"
		});
		expect(c).toMatchObject({
			port: 8080,
			accessTokenTtl: 60,
			refreshTokenTtl: 3600,
			bcryptRounds: 10,
			emailVerificationRequired: false,
			loginMaxFailures: 3,
			authRateLimitPerMinute: 100,
			trustProxy: true,
			mailFrom: "team@example.com",
			logLevel: "debug",
			nodeId: "node-7",
			dataDir: "/tmp/somewhere"
		});
	});

	it.each([
		["true", true],
		["TRUE", true],
		["1", true],
		["yes", true],
		["false", false],
		["0", false],
		["No", false]
	])("reads the flag %s as %s", (raw, expected) => {
		expect(loadConfig({ TRUST_PROXY: raw }).trustProxy).toBe(expected);
		expect(loadConfig({ EMAIL_VERIFICATION_REQUIRED: raw }).emailVerificationRequired).toBe(expected);
	});

	it("reads a subset of services, trimmed and without duplicates", () => {
		expect(loadConfig({ SERVICES: " api , users,api" }).services).toEqual(["api", "users"]);
		expect(loadConfig({ SERVICES: "notifications" }).services).toEqual(["notifications"]);
		// A node of no services: the REPL joined to a cluster as a console.
		expect(loadConfig({ SERVICES: "none" }).services).toEqual([]);
	});

	it("strips trailing slashes from APP_URL", () => {
		expect(loadConfig({ APP_URL: "https://app.example.com///" }).appUrl).toBe("https://app.example.com");
	});

	it("accepts the documented URL schemes", () => {
		const c = loadConfig({
			TRANSPORTER: "nats://127.0.0.1:4222",
			MONGO_URI: "mongodb+srv://cluster.example.com/db",
			SMTP_URL: "smtps://user:pass@mail.example.com:465"
		});
		expect(c.transporter).toBe("nats://127.0.0.1:4222");
		expect(c.mongoUri).toBe("mongodb+srv://cluster.example.com/db");
		expect(c.smtpUrl).toBe("smtps://user:pass@mail.example.com:465");
		expect(loadConfig({ MONGO_URI: "mongodb://localhost:27017/x" }).mongoUri).toBe("mongodb://localhost:27017/x");
		expect(loadConfig({ SMTP_URL: "smtp://localhost:25" }).smtpUrl).toBe("smtp://localhost:25");
	});

	it("sets the admin account when both variables are given", () => {
		const c = loadConfig({ ADMIN_EMAIL: "admin@example.com", ADMIN_PASSWORD: "a long secret" });
		expect(c.adminEmail).toBe("admin@example.com");
		expect(c.adminPassword).toBe("a long secret");
	});

	it("accepts BCRYPT_ROUNDS >= 10 in production and low rounds outside production", () => {
		expect(loadConfig({ NODE_ENV: "production", BCRYPT_ROUNDS: "10" }).bcryptRounds).toBe(10);
		expect(loadConfig({ BCRYPT_ROUNDS: "4" }).bcryptRounds).toBe(4);
	});
});

describe("loadConfig refuses bad values", () => {
	it.each([
		["PORT", "abc"],
		["PORT", "3000.5"],
		["PORT", "-1"],
		["PORT", "1e3"],
		["PORT", "70000"],
		["ACCESS_TOKEN_TTL", "ten"],
		["ACCESS_TOKEN_TTL", "0"],
		["REFRESH_TOKEN_TTL", "12h"],
		["BCRYPT_ROUNDS", "3"],
		["BCRYPT_ROUNDS", "31"],
		["LOGIN_MAX_FAILURES", "0"],
		["LOGIN_MAX_FAILURES", "five"],
		["AUTH_RATE_LIMIT_PER_MINUTE", "0"],
		["AUTH_RATE_LIMIT_PER_MINUTE", "30/min"]
	])("%s=%s", (name, value) => {
		expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
		expect(() => loadConfig({ [name]: value })).toThrow(name);
	});

	it.each(["maybe", "on", "2"])("refuses the flag value %s", raw => {
		expect(() => loadConfig({ TRUST_PROXY: raw })).toThrow(ConfigError);
		expect(() => loadConfig({ EMAIL_VERIFICATION_REQUIRED: raw })).toThrow(ConfigError);
	});

	it.each(["api,mailer", "gateway", ",", "api,,users,foo"])("refuses SERVICES=%s", raw => {
		expect(() => loadConfig({ SERVICES: raw })).toThrow(ConfigError);
		expect(() => loadConfig({ SERVICES: raw })).toThrow(/SERVICES/);
	});

	it.each([
		["APP_URL", "not a url"],
		["APP_URL", "ftp://example.com"],
		["APP_URL", "javascript:alert(1)"],
		["TRANSPORTER", "redis://localhost:6379"],
		["TRANSPORTER", "localhost:4222"],
		["MONGO_URI", "postgres://localhost/db"],
		["MONGO_URI", "::::"],
		["SMTP_URL", "http://mail.example.com"],
		["SMTP_URL", "mail.example.com"]
	])("refuses %s=%s", (name, value) => {
		expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
		expect(() => loadConfig({ [name]: value })).toThrow(name);
	});

	it("does not echo a bad URL (it may hold credentials) in the message", () => {
		try {
			loadConfig({ SMTP_URL: "http://user:secret@mail.example.com" });
			throw new Error("did not throw");
		} catch (err) {
			expect(err).toBeInstanceOf(ConfigError);
			expect((err as Error).message).not.toContain("secret");
		}
	});

	it("refuses BCRYPT_ROUNDS below 10 in production", () => {
		expect(() => loadConfig({ NODE_ENV: "production", BCRYPT_ROUNDS: "9" })).toThrow(ConfigError);
		expect(() => loadConfig({ NODE_ENV: "production", BCRYPT_ROUNDS: "4" })).toThrow(/BCRYPT_ROUNDS/);
	});

	it("refuses ADMIN_EMAIL without ADMIN_PASSWORD and the reverse", () => {
		expect(() => loadConfig({ ADMIN_EMAIL: "admin@example.com" })).toThrow(ConfigError);
		expect(() => loadConfig({ ADMIN_EMAIL: "admin@example.com", ADMIN_PASSWORD: "" })).toThrow(/ADMIN_EMAIL and ADMIN_PASSWORD/);
		expect(() => loadConfig({ ADMIN_PASSWORD: "a long secret" })).toThrow(ConfigError);
		expect(() => loadConfig({ ADMIN_EMAIL: "   ", ADMIN_PASSWORD: "a long secret" })).toThrow(ConfigError);
	});

	it("ConfigError is an Error named ConfigError", () => {
		const err = new ConfigError("x");
		expect(err).toBeInstanceOf(Error);
		expect(err.name).toBe("ConfigError");
	});
});

describe("CORS_ORIGINS", () => {
	it("is off by default, a list of origins, or any", () => {
		expect(loadConfig({}).corsOrigins).toBeUndefined();
		expect(loadConfig({ CORS_ORIGINS: "https://a.example.com, http://localhost:5173/" }).corsOrigins).toEqual(["https://a.example.com", "http://localhost:5173"]);
		expect(loadConfig({ CORS_ORIGINS: "*" }).corsOrigins).toEqual(["*"]);
	});

	it("refuses what is not an origin", () => {
		expect(() => loadConfig({ CORS_ORIGINS: "app.example.com" })).toThrow(ConfigError);
		expect(() => loadConfig({ CORS_ORIGINS: "https://a.example.com/path" })).toThrow(/origins/);
	});
});

describe("NAMESPACE and HEALTH_PORT (CONTRACT §3, §7)", () => {
	it("default to user-backend and 3001; the broker takes its namespace from the configuration", () => {
		expect(loadConfig({}).namespace).toBe("user-backend");
		expect(loadConfig({}).healthPort).toBe(3001);
		expect(loadConfig({ NAMESPACE: "staging", HEALTH_PORT: "0" })).toMatchObject({ namespace: "staging", healthPort: 0 });
		expect(brokerOptions(loadConfig({})).namespace).toBe("user-backend");
		expect(brokerOptions(loadConfig({ NAMESPACE: "blue_2" })).namespace).toBe("blue_2");
	});

	it.each(["a.b", "with space", "*", ">", "-lead", "x".repeat(65)])("refuses NAMESPACE=%s (it becomes part of NATS subjects)", raw => {
		expect(() => loadConfig({ NAMESPACE: raw })).toThrow(/NAMESPACE must be letters, digits/);
	});

	it.each([["-1"], ["65536"], ["http"]])("refuses HEALTH_PORT=%s", raw => {
		expect(() => loadConfig({ HEALTH_PORT: raw })).toThrow(/HEALTH_PORT must be .*between 0 and 65535/);
	});
});

describe("LOG_LEVEL", () => {
	it.each(LOG_LEVELS.map(l => [l]))("accepts %s", level => {
		expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
	});

	it.each(["verbose", "INFO", "Debug", "warning", "silent", "0"])("refuses %s, naming the allowed values", raw => {
		expect(() => loadConfig({ LOG_LEVEL: raw })).toThrow(ConfigError);
		expect(() => loadConfig({ LOG_LEVEL: raw })).toThrow(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace (lower case); got "${raw}"`);
	});
});

describe("number messages say what is wrong", () => {
	it.each([
		["ACCESS_TOKEN_TTL", "-5", "ACCESS_TOKEN_TTL must be between 10 and 86400, got -5"],
		["ACCESS_TOKEN_TTL", "5", "ACCESS_TOKEN_TTL must be between 10 and 86400, got 5"],
		["ACCESS_TOKEN_TTL", "ten", 'ACCESS_TOKEN_TTL must be a whole number between 10 and 86400, got "ten"'],
		["ACCESS_TOKEN_TTL", "1.5", 'ACCESS_TOKEN_TTL must be a whole number between 10 and 86400, got "1.5"'],
		["PORT", "-1", "PORT must be between 0 and 65535, got -1"],
		["BCRYPT_ROUNDS", "-12", "BCRYPT_ROUNDS must be between 4 and 20, got -12"]
	])("%s=%s", (name, raw, message) => {
		expect(() => loadConfig({ [name]: raw })).toThrow(message);
	});
});

describe("MONGO_URI", () => {
	it("accepts a replica set's host list", () => {
		const uri = "mongodb://root:p%40ss@mongo-0.mongo:27017,mongo-1.mongo:27017,mongo-2.mongo:27017/userbackend?replicaSet=rs0&authSource=admin";
		expect(loadConfig({ MONGO_URI: uri }).mongoUri).toBe(uri);
		expect(loadConfig({ MONGO_URI: "mongodb://[::1]:27017/x" }).mongoUri).toBe("mongodb://[::1]:27017/x");
	});

	it.each(["mongodb://", "mongodb://a:27017,,b/x", "mongodb+srv://a.example.com:27017/x", "mongodb+srv://a,b/x", "mongodb://a b/x"])("refuses %s without echoing it", raw => {
		expect(() => loadConfig({ MONGO_URI: raw })).toThrow(/MONGO_URI/);
	});
});

describe("TRANSPORTER credentials and TLS (CONTRACT §7)", () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ub-tls-"));
	const file = (name: string) => {
		const p = path.join(dir, name);
		fs.writeFileSync(p, "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n");
		return p;
	};
	const [ca, cert, key] = [file("ca.pem"), file("cert.pem"), file("key.pem")];
	afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

	it("hands user and password to the NATS client decoded, without the URL (moleculer would keep them encoded)", () => {
		const options = natsOptions(loadConfig({ TRANSPORTER: "nats://back%40end:p%40ss%3Aw%2Fd@nats.example.com:4222" }));
		expect(options).toMatchObject({ servers: ["nats.example.com:4222"], user: "back@end", pass: "p@ss:w/d", maxReconnectAttempts: -1 });
		expect(options).not.toHaveProperty("url");
		expect(options).not.toHaveProperty("tls");
		const transporter = brokerOptions(loadConfig({ TRANSPORTER: "nats://u:p@h:4222" })).transporter;
		expect(transporter).toBeInstanceOf(NatsTransporter);
		expect((transporter as unknown as { opts: object }).opts).toEqual({ ...natsOptions(loadConfig({ TRANSPORTER: "nats://u:p@h:4222" })), preserveBuffers: true });
	});

	it("reads NATS_TOKEN, and a lone user name in the URL as a token", () => {
		expect(natsOptions(loadConfig({ TRANSPORTER: "nats://h:4222", NATS_TOKEN: "tok" }))).toMatchObject({ token: "tok" });
		expect(natsOptions(loadConfig({ TRANSPORTER: "nats://s3cr3t@h:4222" }))).toMatchObject({ token: "s3cr3t" });
		expect(natsOptions(loadConfig({ TRANSPORTER: "nats://s3cr3t@h:4222" }))).not.toHaveProperty("user");
	});

	it("requires TLS for tls:// and with NATS_TLS_*: CA, certificate and key as files or inline PEM", () => {
		expect(natsOptions(loadConfig({ TRANSPORTER: "tls://u:p@nats:4222" }))?.tls).toEqual({});
		expect(natsOptions(loadConfig({ TRANSPORTER: "tls://nats:4222", NATS_TLS_CA: ca, NATS_TLS_CERT: cert, NATS_TLS_KEY: key }))?.tls).toEqual({ caFile: ca, certFile: cert, keyFile: key });
		const inline = "-----BEGIN CERTIFICATE-----\\nabc\\n-----END CERTIFICATE-----";
		expect(natsOptions(loadConfig({ TRANSPORTER: "nats://u:p@nats:4222", NATS_TLS_CA: inline }))?.tls).toEqual({ ca: inline.replace(/\\n/g, "\n") });
		expect(() => loadConfig({ TRANSPORTER: "tls://nats:4222", NATS_TLS_CA: path.join(dir, "missing.pem") })).toThrow(/NATS_TLS_CA names no file/);
		expect(() => loadConfig({ TRANSPORTER: "tls://nats:4222", NATS_TLS_CERT: cert })).toThrow("NATS_TLS_CERT and NATS_TLS_KEY must be set together");
	});

	it("in production, refuses a transporter without credentials unless ALLOW_INSECURE_TRANSPORT=true", () => {
		const prod = { NODE_ENV: "production", BCRYPT_ROUNDS: "12" };
		const message = "TRANSPORTER nats://nats:4222 has no credentials, and NODE_ENV=production refuses an unauthenticated transporter";
		expect(() => loadConfig({ ...prod, TRANSPORTER: "nats://nats:4222" })).toThrow(ConfigError);
		expect(() => loadConfig({ ...prod, TRANSPORTER: "nats://nats:4222" })).toThrow(message);
		expect(() => loadConfig({ ...prod, TRANSPORTER: "tls://nats:4222" })).toThrow(/ALLOW_INSECURE_TRANSPORT=true/);
		expect(loadConfig({ ...prod, TRANSPORTER: "nats://nats:4222", ALLOW_INSECURE_TRANSPORT: "true" }).transporter).toBe("nats://nats:4222");
		expect(loadConfig({ ...prod, TRANSPORTER: "nats://u:p@nats:4222" }).transporter).toBe("nats://u:p@nats:4222");
		expect(loadConfig({ ...prod, TRANSPORTER: "nats://nats:4222", NATS_TOKEN: "t" }).natsToken).toBe("t");
		expect(loadConfig({ ...prod, TRANSPORTER: "tls://nats:4222", NATS_TLS_CERT: cert, NATS_TLS_KEY: key }).natsTls).toEqual({ cert, key });
		// Outside production, and without a transporter, nothing is required.
		expect(loadConfig({ TRANSPORTER: "nats://nats:4222" }).transporter).toBe("nats://nats:4222");
		expect(loadConfig(prod).transporter).toBeUndefined();
	});

	it("describes the transporter by host and kind of credentials, never with them", () => {
		const described = [
			describeTransporter(loadConfig({ TRANSPORTER: "nats://backend:hunter2@nats:4222" })),
			describeTransporter(loadConfig({ TRANSPORTER: "nats://nats:4222", NATS_TOKEN: "hunter2" })),
			describeTransporter(loadConfig({ TRANSPORTER: "tls://hunter2@nats:4222" }))
		];
		expect(described).toEqual(['NATS at nats://nats:4222 (user "backend")', "NATS at nats://nats:4222 (token)", "NATS at tls://nats:4222 (token, TLS)"]);
		expect(describeTransporter(loadConfig({}))).toBe("none (local calls only)");
	});
});

describe("a node that must not start (server.ts)", () => {
	it("exits with 78 and a clear message when production has an unauthenticated transporter, printing no secret", async () => {
		const { code, output } = await new Promise<{ code: number | null; output: string }>(resolve => {
			const child = spawn(process.execPath, ["--disable-warning=DEP0174", "--import", "tsx", "server.ts"], {
				cwd: path.join(__dirname, "../.."),
				env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", TRANSPORTER: "nats://nats.internal:4222", NATS_TLS_CA: "-----BEGIN CERTIFICATE-----hidden", HEALTH_PORT: "0", METRICS_PORT: "0" },
				stdio: ["ignore", "pipe", "pipe"]
			});
			let output = "";
			child.stdout.on("data", c => (output += c));
			child.stderr.on("data", c => (output += c));
			child.on("exit", code => resolve({ code, output }));
		});
		expect(code).toBe(78);
		expect(output).toContain("Configuration error: TRANSPORTER nats://nats.internal:4222 has no credentials");
		expect(output).not.toContain("hidden");
	}, 30_000);
});
