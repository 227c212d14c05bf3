/**
 * Load check (`npm run bench`): the whole backend in this process on a fresh embedded store, driven over
 * loopback HTTP by autocannon. Prints requests/s of an authenticated read and the latency of liveness while
 * logins (bcrypt at the configured cost) run at once.
 */
import autocannon from "autocannon";
import { startApp } from "../test/helpers/app";

const ROUNDS = process.env.BCRYPT_ROUNDS ?? "12";
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);

async function main(): Promise<void> {
	const app = await startApp({ logLevel: "warn" }, { BCRYPT_ROUNDS: ROUNDS });
	try {
		const email = "bench@example.com";
		const password = "a long bench passphrase";
		await app.request("POST", "/api/v1/auth/register", { body: { email, password } });
		const token = await app.mail.tokenFor(email, "verify-email");
		await app.request("POST", "/api/v1/auth/verify-email", { body: { token } });
		const login = await app.request<{ accessToken: string }>("POST", "/api/v1/auth/login", { body: { email, password } });
		const accessToken = login.body.accessToken;

		const me = await autocannon({
			url: `${app.url}/api/v1/users/me`,
			headers: { authorization: `Bearer ${accessToken}` },
			connections: 32,
			duration: DURATION
		});
		console.log(`GET /api/v1/users/me: ${Math.round(me.requests.average)} req/s, p50 ${me.latency.p50} ms, p99 ${me.latency.p99} ms, errors ${me.errors}, non-2xx ${me.non2xx}`);

		const idle = await autocannon({ url: `${app.url}/api/health/live`, connections: 4, duration: 3 });
		console.log(`GET /api/health/live idle: ${Math.round(idle.requests.average)} req/s, p99 ${idle.latency.p99} ms`);

		// 16 logins at a time, continuously, while liveness is measured.
		let stop = false;
		let logins = 0;
		const loginLoop = async () => {
			while (!stop) {
				await app.request("POST", "/api/v1/auth/login", { body: { email, password } });
				logins++;
			}
		};
		const loops = Array.from({ length: 16 }, loginLoop);
		const live = await autocannon({ url: `${app.url}/api/health/live`, connections: 4, duration: DURATION });
		stop = true;
		await Promise.all(loops);
		console.log(
			`GET /api/health/live during 16 concurrent logins (bcrypt cost ${ROUNDS}): p50 ${live.latency.p50} ms, p99 ${live.latency.p99} ms, max ${live.latency.max} ms; ${(logins / DURATION).toFixed(1)} logins/s`
		);
	} finally {
		await app.stop();
	}
}

main().catch(err => {
	console.error(err);
	process.exit(1);
});
