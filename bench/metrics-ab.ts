/**
 * `npm run bench:metrics`: what the Prometheus metrics cost. GET /api/v1/users/me on the embedded default with
 * the metrics on and with METRICS_PORT=0, both nodes up at once and measured in turns (on, off, on, off…), so
 * that the load of the moment hits both alike. AB_DISTS (comma-separated compiled `dist` folders, default
 * `dist`) compares builds the same way; BENCH_SECONDS (10) per turn, AB_ROUNDS (2).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { freePort } from "../test/helpers/ferretdb";
import { MailCatcher } from "../test/helpers/mail-catcher";
import { Proc, type Server } from "./harness";

const ROOT = path.join(__dirname, "..");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.AB_ROUNDS ?? 2);
const DISTS = (process.env.AB_DISTS ?? "dist").split(",");

async function start(dist: string, metrics: boolean, smtp: string): Promise<Server> {
	const port = await freePort();
	const env = {
		PATH: process.env.PATH ?? "",
		PORT: String(port),
		HEALTH_PORT: String(await freePort()),
		METRICS_PORT: metrics ? String(await freePort()) : "0",
		DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "metrics-ab-")),
		SMTP_URL: smtp,
		EMAIL_VERIFICATION_REQUIRED: "false",
		BCRYPT_ROUNDS: "10"
	};
	const child = spawn(process.execPath, ["--disable-warning=DEP0174", path.join(ROOT, dist, "server.js")], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
	const proc = Object.assign(new Proc(child), { url: `http://127.0.0.1:${port}` }) as Server;
	const deadline = Date.now() + 120_000;
	while ((await fetch(`${proc.url}/api/health/ready`).then(r => r.status, () => 0)) !== 200) {
		if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${dist}: not ready\n${proc.output}`);
		await new Promise(r => setTimeout(r, 100));
	}
	return proc;
}

async function token(url: string): Promise<string> {
	const body = JSON.stringify({ email: "bench@example.com", password: "a long bench passphrase" });
	const headers = { "content-type": "application/json" };
	await fetch(`${url}/api/v1/auth/register`, { method: "POST", headers, body });
	const res = await fetch(`${url}/api/v1/auth/login`, { method: "POST", headers, body });
	return ((await res.json()) as { accessToken: string }).accessToken;
}

async function main(): Promise<void> {
	const mail = new MailCatcher();
	const smtp = await mail.start();
	const variants: Array<{ name: string; node: Server; token: string; rates: number[]; cpu: number[] }> = [];
	try {
		for (const dist of DISTS) {
			for (const metrics of [true, false]) {
				const node = await start(dist, metrics, smtp);
				variants.push({ name: `${dist} metrics ${metrics ? "on" : "off"}`, node, token: await token(node.url), rates: [], cpu: [] });
			}
		}
		for (const v of variants) await autocannon({ url: `${v.node.url}/api/v1/users/me`, headers: { authorization: `Bearer ${v.token}` }, connections: 50, duration: 2 });
		for (let round = 0; round < ROUNDS; round++) {
			for (const v of round % 2 ? [...variants].reverse() : variants) {
				const cpuBefore = v.node.cpuMs();
				const r = await autocannon({ url: `${v.node.url}/api/v1/users/me`, headers: { authorization: `Bearer ${v.token}` }, connections: 50, duration: SECONDS });
				if (r.non2xx || r.errors) throw new Error(`${v.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
				v.rates.push(r.requests.average);
				// Server CPU per request (µs): less sensitive than req/s to what else the machine runs.
				v.cpu.push(((v.node.cpuMs() - cpuBefore) * 1000) / r.requests.total);
				console.log(
					`round ${round + 1} ${v.name}: ${Math.round(r.requests.average)} req/s, ${Math.round(v.cpu[v.cpu.length - 1])} µs CPU each, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms (load ${os.loadavg()[0].toFixed(1)})`
				);
			}
		}
		const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
		for (let i = 0; i < variants.length; i += 2) {
			const on = mean(variants[i].rates);
			const off = mean(variants[i + 1].rates);
			const cpuOn = mean(variants[i].cpu);
			const cpuOff = mean(variants[i + 1].cpu);
			console.log(
				`${DISTS[i / 2]}: on ${Math.round(on)} req/s, off ${Math.round(off)} req/s, on ÷ off = ${(on / off).toFixed(2)}; CPU per request on ${Math.round(cpuOn)} µs, off ${Math.round(cpuOff)} µs (on ÷ off ${(cpuOn / cpuOff).toFixed(2)})`
			);
		}
	} finally {
		await Promise.all(variants.map(v => v.node.stop()));
		await mail.stop();
	}
}

main().catch(err => {
	console.error(err);
	process.exit(1);
});
