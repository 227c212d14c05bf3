/**
 * `npm run bench:cluster`: GET /api/v1/users/me through a gateway whose `users` runs on another node, over
 * NATS — every hop a real network hop on loopback. Needs nats-server (Debian's package).
 */
import fs from "node:fs";
import autocannon from "autocannon";
import { BackendNode, NatsServer, sharedDataDir } from "../test/helpers/cluster";
import { MailCatcher } from "../test/helpers/mail-catcher";

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);

async function main(): Promise<void> {
	const nats = await NatsServer.create();
	await nats.start();
	const mail = new MailCatcher();
	const dataDir = sharedDataDir();
	const shared = { TRANSPORTER: nats.url, DATA_DIR: dataDir, SMTP_URL: await mail.start(), BCRYPT_ROUNDS: "10", LOG_LEVEL: "warn", EMAIL_VERIFICATION_REQUIRED: "false" };
	const { loadSigningKey } = await import("../lib/tokens/keys");
	const { loadConfig } = await import("../lib/config");
	loadSigningKey({ ...loadConfig({}), dataDir });
	const nodes = await Promise.all([
		BackendNode.start({ name: "gw", services: ["api"] }, shared),
		BackendNode.start({ name: "users", services: ["users"] }, shared),
		BackendNode.start({ name: "auth", services: ["auth"] }, shared),
		BackendNode.start({ name: "notifications", services: ["notifications"] }, shared)
	]);
	const gw = nodes[0];
	try {
		await gw.ready(60_000);
		const body = JSON.stringify({ email: "bench@example.com", password: "a long bench passphrase" });
		const headers = { "content-type": "application/json" };
		await fetch(`${gw.url}/api/v1/auth/register`, { method: "POST", headers, body });
		const login = (await (await fetch(`${gw.url}/api/v1/auth/login`, { method: "POST", headers, body })).json()) as { accessToken: string };
		const result = await autocannon({
			url: `${gw.url}/api/v1/users/me`,
			headers: { authorization: `Bearer ${login.accessToken}` },
			connections: 32,
			duration: DURATION
		});
		console.log(
			`GET /api/v1/users/me, gateway and users on separate nodes over NATS: ${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, errors ${result.errors}, non-2xx ${result.non2xx}`
		);
	} finally {
		await Promise.all(nodes.map(n => n.kill("SIGTERM")));
		await nats.stop();
		await mail.stop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
}

main().catch(err => {
	console.error(err);
	process.exit(1);
});
