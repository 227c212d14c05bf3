/** Processes and measurements for `npm run bench`: each server in a process of its own, measured from outside. */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { freePort } from "../test/helpers/ferretdb";

const ROOT = path.join(__dirname, "..");

/** What `npm start` runs: the compiled server (the bench builds it first). */
export const SERVER_ENTRY = ["--disable-warning=DEP0174", path.join(ROOT, "dist/server.js")];

export class Proc {
	output = "";
	readonly exited: Promise<void>;

	constructor(readonly child: ChildProcess) {
		const keep = (c: Buffer) => (this.output = (this.output + c.toString()).slice(-20_000));
		child.stdout?.on("data", keep);
		child.stderr?.on("data", keep);
		this.exited = new Promise(resolve => child.once("exit", () => resolve()));
	}

	get pid(): number {
		return this.child.pid!;
	}

	/** Resident set size, MiB. */
	rss(): number {
		const status = fs.readFileSync(`/proc/${this.pid}/status`, "utf8");
		return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
	}

	/** CPU time used so far (user + system), ms; worker threads included. */
	cpuMs(): number {
		const fields = fs.readFileSync(`/proc/${this.pid}/stat`, "utf8").split(") ")[1].split(" ");
		return (Number(fields[11]) + Number(fields[12])) * (1000 / 100);
	}

	async stop(): Promise<void> {
		if (this.child.exitCode !== null || this.child.signalCode !== null) return;
		this.child.kill("SIGTERM");
		const timer = setTimeout(() => this.child.kill("SIGKILL"), 15_000);
		await this.exited;
		clearTimeout(timer);
	}
}

export interface Server extends Proc {
	url: string;
}

async function until(what: string, proc: Proc, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check().catch(() => false))) {
		if (proc.child.exitCode !== null) throw new Error(`${what}: the process exited:\n${proc.output.slice(-3000)}`);
		if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms:\n${proc.output.slice(-3000)}`);
		await new Promise(r => setTimeout(r, 100));
	}
}

/** A backend node as `npm start` runs it, ready (readiness 200) when this resolves when it runs the gateway. */
export async function startNode(env: Record<string, string>, nodeArgs: string[] = []): Promise<Server> {
	const port = await freePort();
	const child = spawn(process.execPath, [...nodeArgs, ...SERVER_ENTRY], {
		cwd: ROOT,
		env: { PATH: process.env.PATH ?? "", PORT: String(port), METRICS_PORT: String(await freePort()), HEALTH_PORT: String(await freePort()), ...env },
		stdio: ["ignore", "pipe", "pipe"]
	});
	const proc = Object.assign(new Proc(child), { url: `http://127.0.0.1:${port}` }) as Server;
	if (!env.SERVICES || env.SERVICES.includes("api")) {
		await until("the node ready", proc, async () => (await fetch(`${proc.url}/api/health/ready`)).status === 200);
	}
	return proc;
}

/** The bare baseline (bench/baseline.ts), given the users it serves. */
export async function startBaseline(env: Record<string, string>, users: Array<{ id: string }>): Promise<Server> {
	const port = await freePort();
	const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "baseline.ts")], {
		cwd: ROOT,
		env: { PATH: process.env.PATH ?? "", ...env, PORT: String(port) },
		stdio: ["pipe", "pipe", "pipe"]
	});
	for (const user of users) child.stdin!.write(JSON.stringify(user) + "\n");
	const proc = Object.assign(new Proc(child), { url: `http://127.0.0.1:${port}` }) as Server;
	await until("the baseline listening", proc, async () => proc.output.includes("listening"));
	// The users are on stdin: wait until the last one answers.
	return proc;
}

export interface JsonAnswer<T> {
	status: number;
	body: T;
}

export async function call<T = unknown>(url: string, method: string, body?: unknown, token?: string): Promise<JsonAnswer<T>> {
	const headers: Record<string, string> = {};
	if (body !== undefined) headers["content-type"] = "application/json";
	if (token) headers.authorization = `Bearer ${token}`;
	const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
	// A kept-alive socket the server has just closed (its keep-alive timeout) fails at once: once more on another.
	const res = await fetch(url, init).catch(err => {
		if ((err as { cause?: { code?: string } }).cause?.code !== "UND_ERR_SOCKET") throw err;
		return fetch(url, init);
	});
	const text = await res.text();
	return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/** p-th percentile (0–100) of latencies, ms. */
export function percentile(values: number[], p: number): number {
	if (values.length === 0) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export interface LoopResult {
	done: number;
	perSecond: number;
	latencies: number[];
	failures: number;
}

/** One state a worker (e.g. its refresh token), made one after another: logins would queue behind each other's hashes. */
export async function states<S>(workers: number, init: (i: number) => Promise<S>): Promise<S[]> {
	const made: S[] = [];
	for (let i = 0; i < workers; i++) made.push(await init(i));
	return made;
}

/** A loop per state running `step` for `seconds`; a step returns false for a failed request. */
export async function loop<S>(states: S[], seconds: number, step: (state: S) => Promise<boolean>): Promise<LoopResult> {
	const latencies: number[] = [];
	let failures = 0;
	const started = performance.now();
	const end = started + seconds * 1000;
	await Promise.all(
		states.map(async state => {
			while (performance.now() < end) {
				const t = performance.now();
				if (await step(state)) latencies.push(performance.now() - t);
				else failures++;
			}
		})
	);
	const elapsed = (performance.now() - started) / 1000;
	return { done: latencies.length, perSecond: latencies.length / elapsed, latencies, failures };
}
