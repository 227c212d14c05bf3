/**
 * `npm run bench`: every figure of issue 13 in one run, printed as a table. Each server runs in a process of
 * its own, started as `npm start` starts it (the compiled dist/, default configuration) and measured from
 * outside (autocannon, /proc): a bare node:http baseline that verifies the same JWT with the same key and
 * reads the user from a Map; GET /users/me on the embedded default and through a gateway with `users` on
 * another node over NATS; refresh and register throughput and the CPU each costs; liveness during a storm
 * of 16 concurrent logins against the hashing limit; resident memory; and how cost grows with 1k/10k/100k
 * seeded users and sessions on the embedded store and on MongoDB's wire protocol (FerretDB).
 *
 * BENCH_SECONDS (default 10) per measurement; BENCH_SIZES (default 1000,10000,100000; "" skips the growth
 * table); BENCH_STORES (default embedded,mongo); BCRYPT_ROUNDS (default 12).
 */
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { loadConfig } from "../lib/config";
import { loadSigningKey } from "../lib/tokens/keys";
import { NatsServer } from "../test/helpers/cluster";
import { FerretDb, ferretdbBinary } from "../test/helpers/ferretdb";
import { MailCatcher } from "../test/helpers/mail-catcher";
import hashWorker from "../services/auth/password/worker";
import { algorithmCosts } from "./algorithms";
import { call, loop, percentile, states, startBaseline, startNode, type Server } from "./harness";
import { describeParts, hashingOf, monotonicUs, partsOf, profilesIn } from "./profile";
import { SEED_PASSWORD, seedEmail, seedEmbedded, seedMongo } from "./seed";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BCRYPT_ROUNDS ?? 12);
const SIZES = (process.env.BENCH_SIZES ?? "1000,10000,100000").split(",").filter(Boolean).map(Number);
const STORES = (process.env.BENCH_STORES ?? "embedded,mongo").split(",").filter(Boolean);
const CONNECTIONS = 50;
const CORES = os.availableParallelism();

type Row = [figure: string, value: string, target?: string, met?: boolean];
const rows: Row[] = [];
const growth: string[][] = [];

function row(figure: string, value: string, target?: string, met?: boolean): void {
	rows.push([figure, value, target, met]);
	console.error(`  ${figure}: ${value}${target ? ` (target ${target}: ${met ? "met" : "NOT met"})` : ""}`);
}

function tempDir(): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), "ub-bench-"));
}

/** A fresh data directory with the run's signing key (the same key as every other process of the run). */
function copyOf(dataDir: string): string {
	const dir = tempDir();
	fs.cpSync(path.join(dataDir, "keys"), path.join(dir, "keys"), { recursive: true });
	return dir;
}

async function cannon(url: string, token: string | undefined, seconds: number, connections = CONNECTIONS): Promise<autocannon.Result> {
	const result = await autocannon({ url, headers: token ? { authorization: `Bearer ${token}` } : {}, connections, duration: seconds });
	if (result.non2xx || result.errors) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
	return result;
}

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function login(url: string, email: string, password = SEED_PASSWORD): Promise<{ accessToken: string; refreshToken: string; user: { id: string } }> {
	const res = await call<{ accessToken: string; refreshToken: string; user: { id: string } }>(`${url}/api/v1/auth/login`, "POST", { email, password });
	if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${JSON.stringify(res.body)}`);
	return res.body;
}

async function registerAccount(url: string, email: string): Promise<void> {
	const res = await call(`${url}/api/v1/auth/register`, "POST", { email, password: SEED_PASSWORD });
	if (res.status !== 201) throw new Error(`register ${email}: ${res.status} ${JSON.stringify(res.body)}`);
}

/**
 * One password check at the configured cost, as auth's hashing worker does it, in this process: CPU ms (not
 * wall time, which a loaded machine stretches), median of 3.
 */
async function hashMs(hash: string): Promise<number> {
	const times: number[] = [];
	for (let i = 0; i < 3; i++) {
		const t = process.cpuUsage();
		await hashWorker({ op: "verify", password: SEED_PASSWORD, hash });
		const used = process.cpuUsage(t);
		times.push((used.user + used.system) / 1000);
	}
	return percentile(times, 50);
}

async function reads(env: Record<string, string>, hash: string, natsAvailable: boolean): Promise<void> {
	const node = await startNode(env);
	try {
		const idleRss = node.rss();
		await registerAccount(node.url, "bench@example.com");
		const session = await login(node.url, "bench@example.com");
		const me = (await call<{ id: string }>(`${node.url}/api/v1/users/me`, "GET", undefined, session.accessToken)).body;

		const baseline = await startBaseline(env, [me]);
		const base = await cannon(baseline.url, session.accessToken, SECONDS).finally(() => undefined);
		const baseRss = baseline.rss();
		await baseline.stop();
		row("baseline: node:http + same JWT verification + Map", `${fmt(base.requests.average)} req/s, p50 ${base.latency.p50} ms, p99 ${base.latency.p99} ms, RSS ${fmt(baseRss)} MiB`);

		const embedded = await cannon(`${node.url}/api/v1/users/me`, session.accessToken, SECONDS);
		const ratio = embedded.requests.average / base.requests.average;
		const p99Ratio = embedded.latency.p99 / Math.max(1, base.latency.p99);
		row(
			"GET /users/me, embedded default",
			`${fmt(embedded.requests.average)} req/s (${fmt(ratio, 2)}×), p50 ${embedded.latency.p50} ms, p99 ${embedded.latency.p99} ms (${fmt(p99Ratio, 1)}×)`,
			"≥1.0× req/s, p99 ≤2×",
			ratio >= 1 && p99Ratio <= 2
		);

		// The same read with the Prometheus metrics off (METRICS_PORT=0): what the per-request metrics cost.
		const bareDir = copyOf(env.DATA_DIR);
		const bare = await startNode({ ...env, METRICS_PORT: "0", DATA_DIR: bareDir });
		try {
			await registerAccount(bare.url, "bench@example.com");
			const quiet = await cannon(`${bare.url}/api/v1/users/me`, (await login(bare.url, "bench@example.com")).accessToken, SECONDS);
			row(
				"GET /users/me, embedded, METRICS_PORT=0 (what the metrics cost)",
				`${fmt(quiet.requests.average)} req/s (${fmt(quiet.requests.average / base.requests.average, 2)}×), p50 ${quiet.latency.p50} ms, p99 ${quiet.latency.p99} ms`
			);
		} finally {
			await bare.stop();
			fs.rmSync(bareDir, { recursive: true, force: true });
		}

		if (natsAvailable) await overNats(env, base.requests.average);
		else row("GET /users/me over NATS", "skipped: nats-server not found");

		// Refresh: each worker rotates its own session's refresh token.
		const sessions = await states(16, async () => ({ token: (await login(node.url, "bench@example.com")).refreshToken }));
		const cpu0 = node.cpuMs();
		const refresh = await loop(
			sessions,
			SECONDS,
			async state => {
				const res = await call<{ refreshToken: string }>(`${node.url}/api/v1/auth/refresh`, "POST", { refreshToken: state.token });
				if (res.status !== 200) return false;
				state.token = res.body.refreshToken;
				return true;
			}
		);
		const refreshCpu = (node.cpuMs() - cpu0) / refresh.done;
		row(
			"POST /auth/refresh, 16 clients",
			`${fmt(refresh.perSecond)} /s, p50 ${fmt(percentile(refresh.latencies, 50), 1)} ms, p99 ${fmt(percentile(refresh.latencies, 99), 1)} ms; server CPU ${fmt(refreshCpu, 2)} ms each`,
			`≥${fmt(1200 * CORES)}/s (10× Keycloak's 120/s per vCPU × ${CORES})`,
			refresh.perSecond >= 1200 * CORES
		);

		const one = await hashMs(hash);
		let n = 0;
		const cpu1 = node.cpuMs();
		const register = await loop(
			Array.from({ length: 16 }, () => null),
			SECONDS,
			async () => (await call(`${node.url}/api/v1/auth/register`, "POST", { email: `reg-${n++}@example.com`, password: SEED_PASSWORD })).status === 201
		);
		const registerCpu = (node.cpuMs() - cpu1) / register.done;
		row(
			"POST /auth/register, 16 clients",
			`${fmt(register.perSecond, 1)} /s, p50 ${fmt(percentile(register.latencies, 50))} ms; server CPU ${fmt(registerCpu, 1)} ms each, of which the hash ~${fmt(one)} ms (${fmt((one / registerCpu) * 100)} %)`
		);

		// Logins one at a time: a login's own time, nothing queued.
		const cpuAlone = node.cpuMs();
		const alone = await loop([null], Math.max(3, SECONDS / 2), () => login(node.url, "bench@example.com").then(() => true));
		const aloneCpu = (node.cpuMs() - cpuAlone) / alone.done;

		// Logins (one hash each) while liveness is probed at 50 requests a second (a probe, not a load: a
		// flood of probes would take the cores the hashes need).
		const storm = { stop: false, logins: 0, failed: 0, latencies: [] as number[] };
		const cpuStorm = node.cpuMs();
		const loops = Array.from({ length: 16 }, async () => {
			while (!storm.stop) {
				const t = performance.now();
				await login(node.url, "bench@example.com").then(
					() => (storm.logins++, storm.latencies.push(performance.now() - t)),
					() => storm.failed++
				);
			}
		});
		const stormStart = performance.now();
		const live = await autocannon({ url: `${node.url}/api/health/live`, connections: 1, overallRate: 50, duration: SECONDS });
		storm.stop = true;
		await Promise.all(loops);
		const loginsPerSecond = storm.logins / ((performance.now() - stormStart) / 1000);
		const stormCpu = (node.cpuMs() - cpuStorm) / storm.logins;
		const limit = CORES / (one / 1000);
		row(
			"GET /health/live during 16 concurrent logins",
			`p50 ${live.latency.p50} ms, p99 ${live.latency.p99} ms, max ${live.latency.max} ms`,
			"p99 ≤20 ms",
			live.latency.p99 <= 20
		);
		row(
			`logins/s (bcrypt cost ${ROUNDS}) vs ${CORES} cores ÷ one hash (${fmt(one)} ms)`,
			`${fmt(loginsPerSecond, 1)} /s of ${fmt(limit, 1)} (${fmt((loginsPerSecond / limit) * 100)} %)${storm.failed ? `; ${storm.failed} failed` : ""}`,
			"≥90 %",
			loginsPerSecond / limit >= 0.9
		);
		const aloneMs = percentile(alone.latencies, 50);
		row(
			"a login's cost (wall, p50)",
			`alone ${fmt(aloneMs)} ms (server CPU ${fmt(aloneCpu)} ms, the hash ${fmt(one)} ms of it); among 16 at once ${fmt(percentile(storm.latencies, 50))} ms (server CPU ${fmt(stormCpu)} ms), of which queueing in the hashing pool ~${fmt(percentile(storm.latencies, 50) - aloneMs)} ms`
		);
		row("RSS of the embedded node (all services)", `${fmt(idleRss)} MiB idle, ${fmt(node.rss())} MiB after the load`);
	} finally {
		await node.stop();
	}
}

/**
 * Where login, refresh and register spend the server's CPU: a node under `--cpu-prof` runs each scenario in
 * turn, and the main thread's samples taken during it are put into parts (bench/profile.ts); the hashing
 * pool's threads write profiles of their own. Under the profiler everything runs ~10–20 % slower: the shares
 * are the point, the throughput rows above are the speed.
 */
async function anatomy(env: Record<string, string>): Promise<void> {
	const dataDir = copyOf(env.DATA_DIR);
	const profiles = tempDir();
	const node = await startNode({ ...env, DATA_DIR: dataDir }, ["--cpu-prof", `--cpu-prof-dir=${profiles}`]);
	const windows: Array<{ name: string; fromUs: number; toUs: number; done: number }> = [];
	const seconds = Math.max(3, SECONDS / 2);
	const scenario = async (name: string, run: () => Promise<number>) => {
		const fromUs = monotonicUs();
		const done = await run();
		windows.push({ name, fromUs, toUs: monotonicUs(), done });
	};
	try {
		await registerAccount(node.url, "anatomy@example.com");
		let n = 0;
		await scenario("register", async () => (await loop([null], seconds, async () => (await call(`${node.url}/api/v1/auth/register`, "POST", { email: `anatomy-${n++}@example.com`, password: SEED_PASSWORD })).status === 201)).done);
		await scenario("login", async () => (await loop([null], seconds, () => login(node.url, "anatomy@example.com").then(() => true))).done);
		const sessions = await states(16, async () => ({ token: (await login(node.url, "anatomy@example.com")).refreshToken }));
		await scenario("refresh", async () => {
			const result = await loop(sessions, seconds, async state => {
				const res = await call<{ refreshToken: string }>(`${node.url}/api/v1/auth/refresh`, "POST", { refreshToken: state.token });
				if (res.status !== 200) return false;
				state.token = res.body.refreshToken;
				return true;
			});
			return result.done;
		});
	} finally {
		await node.stop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
	try {
		const { main, workers } = profilesIn(profiles);
		for (const w of windows) {
			const { busyMs, parts } = partsOf(main, w);
			const hashMs = workers.reduce((sum, file) => sum + hashingOf(file, w), 0);
			const hashed = hashMs > 0 ? `the hash (pool threads) ${fmt(hashMs / w.done, 1)} ms; ` : "";
			row(
				`where a ${w.name} spends the server's CPU (ms each, profiled, ${w.name === "refresh" ? "16 clients" : "one at a time"})`,
				`${hashed}main thread ${fmt(busyMs / w.done, 2)} ms: ${describeParts(parts, w.done)}`
			);
		}
	} finally {
		fs.rmSync(profiles, { recursive: true, force: true });
	}
}

async function overNats(env: Record<string, string>, baseline: number): Promise<void> {
	const nats = await NatsServer.create();
	await nats.start();
	const clustered = { ...env, TRANSPORTER: nats.url, DATA_DIR: tempDir() };
	const nodes: Server[] = [];
	try {
		nodes.push(await startNode({ ...clustered, SERVICES: "users,auth,notifications", NODE_ID: "bench-services" }));
		const gw = await startNode({ ...clustered, SERVICES: "api", NODE_ID: "bench-gw" });
		nodes.push(gw);
		await registerAccount(gw.url, "bench@example.com");
		const session = await login(gw.url, "bench@example.com");
		const result = await cannon(`${gw.url}/api/v1/users/me`, session.accessToken, SECONDS);
		const ratio = result.requests.average / baseline;
		row(
			"GET /users/me, gateway + users on another node over NATS",
			`${fmt(result.requests.average)} req/s (${fmt(ratio, 2)}×), p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms; RSS gateway ${fmt(gw.rss())} MiB, services ${fmt(nodes[0].rss())} MiB`,
			"≥0.8×",
			ratio >= 0.8
		);
	} finally {
		for (const node of nodes.reverse()) await node.stop();
		await nats.stop();
		fs.rmSync(clustered.DATA_DIR, { recursive: true, force: true });
	}
}

/** How cost grows with the data: one node per store and size, on seeded users and sessions. */
async function grows(env: Record<string, string>, store: string, size: number, hash: string, ferret?: FerretDb): Promise<void> {
	const dataDir = tempDir();
	fs.cpSync(path.join(env.DATA_DIR, "keys"), path.join(dataDir, "keys"), { recursive: true });
	const seeded = performance.now();
	const nodeEnv: Record<string, string> = { ...env, DATA_DIR: dataDir };
	if (store === "mongo") {
		nodeEnv.MONGO_URI = `${ferret!.uri}/bench_${size}_${Date.now()}`;
		await seedMongo(nodeEnv.MONGO_URI, size, size, hash);
	} else {
		seedEmbedded(dataDir, size, size, hash);
	}
	const seedSeconds = (performance.now() - seeded) / 1000;
	const node = await startNode(nodeEnv);
	try {
		const seconds = Math.max(2, Math.round(SECONDS / 3));
		const admin = await login(node.url, seedEmail(0));
		const someone = await login(node.url, seedEmail(Math.floor(size / 2)));
		const me = await cannon(`${node.url}/api/v1/users/me`, someone.accessToken, seconds);
		const list = await cannon(`${node.url}/api/v1/users?search=${encodeURIComponent(`user${size - 7}`)}&pageSize=20`, admin.accessToken, seconds, 8);
		let i = 1;
		// A failed login (e.g. timed out on a loaded machine) is counted, not fatal.
		const loginErrors = new Set<string>();
		const logins = await loop([null, null], seconds, () =>
			login(node.url, seedEmail(i++ % size)).then(
				() => true,
				(err: Error) => (loginErrors.add(err.message.slice(0, 120)), false)
			)
		);
		const refresh = await loop(
			await states(4, async () => ({ token: (await login(node.url, seedEmail(size - 1))).refreshToken })),
			seconds,
			async state => {
				const res = await call<{ refreshToken: string }>(`${node.url}/api/v1/auth/refresh`, "POST", { refreshToken: state.token });
				if (res.status !== 200) return false;
				state.token = res.body.refreshToken;
				return true;
			}
		);
		// A cell says so when requests did not finish (autocannon's timeouts) or failed, rather than print NaN.
		const p = (r: autocannon.Result) => (r.requests.total === 0 ? `none answered in ${seconds} s (${r.timeouts} timeouts)` : `${r.latency.p50} / ${r.latency.p99}${r.timeouts ? ` (${r.timeouts} timeouts)` : ""}`);
		const q = (result: { latencies: number[]; failures: number }, errors?: Set<string>) =>
			(result.latencies.length ? `${fmt(percentile(result.latencies, 50), 1)} / ${fmt(percentile(result.latencies, 99), 1)}` : "none succeeded") +
			(result.failures ? ` (${result.failures} failed${errors?.size ? `: ${[...errors].join("; ")}` : ""})` : "");
		growth.push([store, fmt(size), p(me), q(logins, loginErrors), q(refresh), p(list), fmt(node.rss()), fmt(seedSeconds, 1)]);
		console.error(`  ${growth.at(-1)!.join(" | ")}`);
	} finally {
		await node.stop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
}

function table(header: string[], body: string[][]): string {
	return [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`, ...body.map(r => `| ${r.join(" | ")} |`)].join("\n");
}

async function main(): Promise<void> {
	console.error("Building dist/ (what npm start runs)…");
	execFileSync(process.execPath, [path.join(__dirname, "../scripts/build-if-stale.js")], { stdio: "inherit" });
	const mail = new MailCatcher();
	const dataDir = tempDir();
	// One key for every process of the run (the nodes, the baseline): the dev key under DATA_DIR, or an
	// RSA / P-256 key put there first (BENCH_JWT_KEY=rsa|ec) to compare the algorithms end to end.
	if (process.env.BENCH_JWT_KEY) {
		const pair = process.env.BENCH_JWT_KEY === "ec" ? generateKeyPairSync("ec", { namedCurve: "prime256v1" }) : generateKeyPairSync("rsa", { modulusLength: 2048 });
		fs.mkdirSync(path.join(dataDir, "keys"), { recursive: true });
		fs.writeFileSync(path.join(dataDir, "keys", "jwt-private.pem"), pair.privateKey.export({ type: "pkcs8", format: "pem" }));
	}
	const signing = loadSigningKey({ ...loadConfig({}), dataDir });
	console.error(`Access tokens: ${signing.alg}`);
	const env: Record<string, string> = {
		DATA_DIR: dataDir,
		SMTP_URL: await mail.start(),
		BCRYPT_ROUNDS: String(ROUNDS),
		EMAIL_VERIFICATION_REQUIRED: "false",
		AUTH_RATE_LIMIT_PER_MINUTE: "1000000",
		LOGIN_MAX_FAILURES: "1000"
	};
	const hash = (await hashWorker({ op: "hash", password: SEED_PASSWORD, rounds: ROUNDS })) as string;
	let ferret: FerretDb | undefined;
	try {
		console.error(`Reads, writes and logins (${SECONDS} s each):`);
		const { natsServerBinary } = await import("../test/helpers/cluster");
		await reads(env, hash, !!natsServerBinary());
		await anatomy(env);
		for (const cost of algorithmCosts()) {
			row(
				`JWT ${cost.alg} (${cost.key})${cost.alg === signing.alg ? ", this run's" : ""}`,
				"unsupported" in cost ? `not supported by jsonwebtoken (${cost.unsupported})` : `sign ${fmt(cost.signUs)} µs, verify ${fmt(cost.verifyUs)} µs, ${cost.tokenChars} chars`
			);
		}
		if (SIZES.length) {
			console.error("How cost grows (p50 / p99 ms):");
			for (const store of STORES) {
				if (store === "mongo") {
					if (!ferretdbBinary()) {
						console.error("  mongo: skipped, FerretDB not found (scripts/install-ferretdb.sh)");
						continue;
					}
					ferret = await FerretDb.create();
					await ferret.start();
				}
				for (const size of SIZES) {
					// A size the store cannot serve on this machine (e.g. requests timing out) is a row saying so, not the end of the run.
					await grows(env, store, size, hash, ferret).catch((err: Error) => {
						growth.push([store, fmt(size), `failed: ${err.message.slice(0, 160)}`, "", "", "", "", ""]);
						console.error(`  ${store} | ${fmt(size)} | failed: ${err.message}`);
					});
				}
				await ferret?.destroy();
				ferret = undefined;
			}
		}
	} finally {
		await ferret?.destroy();
		await mail.stop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
	const cpu = os.cpus()[0]?.model ?? "?";
	console.log(`\nMachine: ${CORES} cores (${cpu}), ${fmt(os.totalmem() / 2 ** 30, 1)} GiB, Node ${process.version}; load average at the end ${os.loadavg().map(l => l.toFixed(1)).join(" ")}\n`);
	console.log(table(["figure", "measured", "target", "met"], rows.map(([f, v, t, m]) => [f, v, t ?? "", t ? (m ? "yes" : "**no**") : ""])));
	if (growth.length) {
		console.log(`\nHow cost grows — p50 / p99 ms; ${SIZES.map(size => fmt(size)).join(", ")} users and as many sessions\n`);
		console.log(table(["store", "users", "GET /users/me", "login", "refresh", "admin list + search", "RSS MiB", "seed s"], growth));
	}
}

main().then(
	() => process.exit(0),
	err => {
		console.error(err);
		process.exit(1);
	}
);
