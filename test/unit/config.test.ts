import os from "node:os";
import path from "node:path";
import { ConfigError, loadConfig, SERVICE_NAMES } from "../../lib/config";

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
