import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./ferretdb";

const ROOT = path.join(__dirname, "../..");

/** nats-server: NATS_SERVER_BIN, /usr/sbin/nats-server (Debian), or PATH. */
export function natsServerBinary(): string | null {
	const candidates = [process.env.NATS_SERVER_BIN, "/usr/sbin/nats-server", "/usr/bin/nats-server"];
	for (const dir of (process.env.PATH ?? "").split(path.delimiter)) candidates.push(path.join(dir, "nats-server"));
	return candidates.find((c): c is string => !!c && fs.existsSync(c)) ?? null;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
		await new Promise(r => setTimeout(r, 100));
	}
}

/** A process of ours; its output is kept (the tail) for when a test fails. */
class Proc {
	output = "";
	readonly exited: Promise<number | null>;

	constructor(
		readonly name: string,
		readonly child: ChildProcess
	) {
		const keep = (c: Buffer) => {
			this.output = (this.output + c.toString()).slice(-20_000);
		};
		child.stdout?.on("data", keep);
		child.stderr?.on("data", keep);
		this.exited = new Promise(resolve => child.once("exit", code => resolve(code)));
	}

	get running(): boolean {
		return this.child.exitCode === null && this.child.signalCode === null;
	}

	async kill(signal: NodeJS.Signals): Promise<void> {
		if (!this.running) return;
		this.child.kill(signal);
		await this.exited;
	}
}

export class NatsServer {
	private proc?: Proc;

	private constructor(readonly port: number) {}

	static async create(): Promise<NatsServer> {
		return new NatsServer(await freePort());
	}

	get url(): string {
		return `nats://127.0.0.1:${this.port}`;
	}

	/** `auth`: clients must log in with this user and password (`--user`/`--pass`), or this token (`--auth`). */
	async start(auth?: { user: string; pass: string } | { token: string }): Promise<void> {
		const binary = natsServerBinary();
		if (!binary) throw new Error("nats-server not found (apt-get install nats-server, or set NATS_SERVER_BIN)");
		const args = ["-a", "127.0.0.1", "-p", String(this.port), ...(auth ? ("token" in auth ? ["--auth", auth.token] : ["--user", auth.user, "--pass", auth.pass]) : [])];
		this.proc = new Proc("nats", spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] }));
		await waitFor(
			"nats-server listening",
			async () => {
				if (!this.proc?.running) throw new Error(`nats-server exited: ${this.proc?.output}`);
				return portOpen(this.port);
			},
			10_000
		);
	}

	async stop(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
		await this.proc?.kill(signal);
	}
}

async function portOpen(port: number): Promise<boolean> {
	const net = await import("node:net");
	return new Promise(resolve => {
		const s = net.connect(port, "127.0.0.1");
		s.once("connect", () => {
			s.destroy();
			resolve(true);
		});
		s.once("error", () => resolve(false));
	});
}

export interface NodeOptions {
	name: string;
	/** "all": SERVICES unset, the node runs every service (the all-in-one shape). */
	services: string[] | "all";
	env?: Record<string, string>;
}

/** One backend node: `server.ts` in a process of its own, as production runs it. */
export class BackendNode {
	private constructor(
		readonly name: string,
		readonly proc: Proc,
		readonly port: number | null
	) {}

	static async start(opts: NodeOptions, shared: Record<string, string>): Promise<BackendNode> {
		const port = opts.services === "all" || opts.services.includes("api") ? await freePort() : null;
		const env: Record<string, string> = {
			...(process.env as Record<string, string>),
			...shared,
			SERVICES: opts.services === "all" ? "" : opts.services.join(","),
			NODE_ID: opts.name,
			PORT: String(port ?? 0),
			METRICS_PORT: "0",
			HEALTH_PORT: "0",
			...(opts.env ?? {})
		};
		delete env.CI; // a node is not a test run
		if (opts.services === "all") delete env.SERVICES;
		const child = spawn(process.execPath, ["--disable-warning=DEP0174", "--import", "tsx", "server.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
		const node = new BackendNode(opts.name, new Proc(opts.name, child), port);
		return node;
	}

	get url(): string {
		if (this.port === null) throw new Error(`${this.name} runs no gateway`);
		return `http://127.0.0.1:${this.port}`;
	}

	get output(): string {
		return this.proc.output;
	}

	get running(): boolean {
		return this.proc.running;
	}

	/** Until /api/health/ready answers 200 (gateways only). */
	async ready(timeoutMs = 30_000): Promise<void> {
		await waitFor(
			`${this.name} ready`,
			async () => {
				if (!this.proc.running) throw new Error(`${this.name} exited: ${this.proc.output.slice(-3000)}`);
				try {
					return (await fetch(`${this.url}/api/health/ready`, { signal: AbortSignal.timeout(2000) })).status === 200;
				} catch {
					return false;
				}
			},
			timeoutMs
		);
	}

	kill(signal: NodeJS.Signals): Promise<void> {
		return this.proc.kill(signal);
	}

	/** Until the node has written a line matching `pattern` (start it with LOG_LEVEL=info to see its start). */
	async said(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
		await waitFor(
			`${this.name} saying ${pattern}`,
			async () => {
				if (!this.proc.running) throw new Error(`${this.name} exited: ${this.proc.output.slice(-3000)}`);
				return pattern.test(this.proc.output);
			},
			timeoutMs
		);
	}
}

/** A folder the nodes share: the dev signing key lives there, so every node trusts the same tokens. */
export function sharedDataDir(): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), "ub-cluster-"));
}

export { waitFor };

interface Sample {
	ok: boolean;
	status: number;
	ms: number;
	at: number;
}

/** Continuous GET /api/v1/users/me through the gateways, `concurrency` requests at a time. */
export class Load {
	readonly samples: Sample[] = [];
	private running = true;
	private readonly loops: Promise<void>[];

	constructor(gateways: () => BackendNode[], token: string, concurrency: number) {
		let next = 0;
		this.loops = Array.from({ length: concurrency }, async () => {
			while (this.running) {
				const list = gateways();
				const gw = list[next++ % list.length];
				const started = performance.now();
				let status: number;
				try {
					const res = await fetch(`${gw.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(20_000) });
					status = res.status;
					await res.arrayBuffer();
				} catch {
					status = 0;
				}
				this.samples.push({ ok: status === 200, status, ms: performance.now() - started, at: Date.now() });
			}
		});
	}

	async stop(): Promise<void> {
		this.running = false;
		await Promise.all(this.loops);
	}

	report(from = 0, to = Number.MAX_SAFE_INTEGER) {
		const window = this.samples.filter(s => s.at >= from && s.at <= to);
		const sorted = window.map(s => s.ms).sort((a, b) => a - b);
		const pct = (p: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]) : 0);
		const failed = window.filter(s => !s.ok);
		return {
			requests: window.length,
			failed: failed.length,
			statuses: [...new Set(failed.map(s => s.status))],
			p50: pct(0.5),
			p99: pct(0.99),
			max: Math.round(sorted[sorted.length - 1] ?? 0)
		};
	}
}

