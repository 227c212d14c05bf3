/**
 * Nothing promised is lost (CONTRACT §7): every e-mail the API has promised with a 201 or 202 arrives, once,
 * at a real SMTP sink — when the node that answered is SIGKILLed right after, when `notifications` is away
 * for well past the old hand-over's minute of retries, and when NATS restarts in the middle. Separate node
 * processes over a real NATS, on FerretDB: `front` (api + auth), `users`, `notifications`, later a second
 * auth replica. Each run reports the e-mails expected, delivered and duplicated.
 */
import fs from "node:fs";
import mongoose from "mongoose";
import { FerretDb } from "../helpers/ferretdb";
import { MailCatcher, type CaughtMail } from "../helpers/mail-catcher";
import { BackendNode, NatsServer, sharedDataDir, waitFor } from "../helpers/cluster";

const AUTH = "/api/v1/auth";
/** How long notifications stays away in run (b): several minutes, well past the old hand-over giving up after 8 attempts, 60 s (72 s at most with jitter). */
const AWAY_MS = 180_000;
const SUBJECTS = { "verify-email": "Confirm your e-mail address", "password-reset": "Reset your password" } as const;
type Kind = keyof typeof SUBJECTS;

async function post(gw: BackendNode, path: string, body: unknown): Promise<number> {
	try {
		const res = await fetch(`${gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(20_000) });
		await res.arrayBuffer();
		return res.status;
	} catch {
		return 0;
	}
}

/** The e-mails one run promised (each answered 201/202), counted against what the sink received. */
class Run {
	readonly promised: Array<{ to: string; kind: Kind }> = [];
	constructor(readonly name: string) {}

	promise(to: string, kind: Kind): void {
		this.promised.push({ to, kind });
	}

	tally(messages: CaughtMail[]) {
		const received = (to: string, kind: Kind) => messages.filter(m => m.to.toLowerCase() === to && m.subject === SUBJECTS[kind]).length;
		const counts = this.promised.map(p => received(p.to, p.kind));
		return {
			expected: this.promised.length,
			delivered: counts.filter(c => c > 0).length,
			duplicated: counts.reduce((sum, c) => sum + Math.max(0, c - 1), 0)
		};
	}
}

describe("outbox: a promised e-mail arrives once, whatever fails", () => {
	let nats: NatsServer;
	let ferret: FerretDb;
	let mail: MailCatcher;
	let dataDir: string;
	let shared: Record<string, string>;
	const nodes: BackendNode[] = [];
	let front: BackendNode;
	let notifications: BackendNode;
	const runs: Run[] = [];
	const tag = Date.now().toString(36);

	const startNode = async (name: string, services: string[]) => {
		const node = await BackendNode.start({ name, services, env: { LOG_LEVEL: "info" } }, shared);
		nodes.push(node);
		return node;
	};
	const startFront = async () => {
		front = await startNode("front", ["api", "auth"]);
		await front.ready(60_000);
	};
	const startNotifications = async () => {
		notifications = await startNode("notifications", ["notifications"]);
		await notifications.said(/ServiceBroker with \d+ service\(s\) started successfully/);
	};
	const register = async (run: Run, email: string) => {
		const status = await post(front, `${AUTH}/register`, { email, password: "outbox passphrase" });
		if (status === 201) run.promise(email, "verify-email");
		return status;
	};
	const forgot = async (run: Run, email: string, known: boolean) => {
		const status = await post(front, `${AUTH}/password/forgot`, { email });
		if (status === 202 && known) run.promise(email, "password-reset");
		return status;
	};
	/** Messages in auth's outbox now (read from the store, as an operator would). */
	const outboxDepth = async () => {
		const conn = await mongoose.createConnection(shared.MONGO_URI).asPromise();
		try {
			return await conn.collection("mail_outbox").countDocuments();
		} finally {
			await conn.close();
		}
	};
	/** Until every promised e-mail has arrived, then a while longer, so a late duplicate would be seen too. */
	const settle = async (run: Run, timeoutMs: number) => {
		await waitFor(`${run.name}: every promised e-mail`, async () => run.tally(mail.messages).delivered === run.promised.length, timeoutMs).catch(err => {
			console.log(`${run.name}:`, JSON.stringify(run.tally(mail.messages)));
			throw err;
		});
		await new Promise(r => setTimeout(r, 3_000));
		const tally = run.tally(mail.messages);
		console.log(`${run.name}: e-mails expected ${tally.expected}, delivered ${tally.delivered}, duplicated ${tally.duplicated}`);
		return tally;
	};

	beforeAll(async () => {
		nats = await NatsServer.create();
		await nats.start();
		ferret = await FerretDb.create();
		await ferret.start();
		mail = new MailCatcher();
		dataDir = sharedDataDir();
		shared = {
			TRANSPORTER: nats.url,
			NAMESPACE: `outbox-${tag}`,
			MONGO_URI: `${ferret.uri}/outbox`,
			DATA_DIR: dataDir,
			SMTP_URL: await mail.start(),
			BCRYPT_ROUNDS: "4",
			AUTH_RATE_LIMIT_PER_MINUTE: "100000"
		};
		const { loadSigningKey } = await import("../../lib/tokens/keys");
		const { loadConfig } = await import("../../lib/config");
		loadSigningKey({ ...loadConfig({}), dataDir });
		await Promise.all([startNode("users", ["users"]), startNotifications(), startFront()]);
	}, 120_000);

	afterAll(async () => {
		await Promise.all(nodes.map(n => n.kill("SIGKILL")));
		await nats?.stop();
		await ferret?.destroy();
		await mail?.stop();
		if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
		for (const run of runs) console.log(`${run.name}:`, JSON.stringify(run.tally(mail?.messages ?? [])));
	});

	afterEach(() => {
		const state = expect.getState();
		if (state.assertionCalls !== state.numPassingAsserts) for (const n of nodes) console.log(`--- ${n.name}\n${n.output.slice(-3000)}`);
	});

	it("(a) the node that answered is SIGKILLed right after its 201s and 202s, and restarted: each e-mail arrives once", async () => {
		const run = new Run("(a) SIGKILL after answering");
		runs.push(run);
		// With notifications there: registrations hand over within the request, the forgot-password requests behind.
		const users = Array.from({ length: 10 }, (_, i) => `a-${i}-${tag}@example.com`);
		expect(await Promise.all(users.map(u => register(run, u)))).toEqual(users.map(() => 201));
		const answers = await Promise.all([...users.slice(0, 5).map(u => forgot(run, u, true)), ...[1, 2, 3].map(i => forgot(run, `a-nobody-${i}-${tag}@example.com`, false))]);
		await front.kill("SIGKILL");
		expect(answers).toEqual(answers.map(() => 202));
		console.log(`(a) in the outbox when the node died (notifications there): ${await outboxDepth()}`);

		// With notifications away: every registration is only in the outbox when the node dies.
		await notifications.kill("SIGTERM");
		await startFront();
		const more = Array.from({ length: 5 }, (_, i) => `a-away-${i}-${tag}@example.com`);
		expect(await Promise.all(more.map(u => register(run, u)))).toEqual(more.map(() => 201));
		await front.kill("SIGKILL");
		console.log(`(a) in the outbox when the node died again (notifications away): ${await outboxDepth()}`);
		await startNotifications();
		await startFront();

		const tally = await settle(run, 60_000);
		expect(tally).toEqual({ expected: 20, delivered: 20, duplicated: 0 });
	}, 180_000);

	it(`(b) notifications away for ${AWAY_MS / 1000} s while users register: every e-mail arrives once after it returns`, async () => {
		const run = new Run(`(b) notifications away ${AWAY_MS / 1000} s`);
		runs.push(run);
		// A second auth replica: both relay the same outbox, each message once.
		await startNode("auth-2", ["auth"]);
		await notifications.kill("SIGTERM");
		const awayFrom = Date.now();
		// 40 registrations spread over the whole absence, a forgotten password for every fourth: 50 e-mails.
		for (let i = 0; i < 40; i++) {
			await new Promise(r => setTimeout(r, Math.max(0, awayFrom + (i * AWAY_MS) / 40 - Date.now())));
			const email = `b-${i}-${tag}@example.com`;
			expect(await register(run, email)).toBe(201);
			if (i % 4 === 0) expect(await forgot(run, email, true)).toBe(202);
		}
		await new Promise(r => setTimeout(r, Math.max(0, awayFrom + AWAY_MS - Date.now())));
		// Nothing was sent while it was away: the first of these had waited the whole time when it comes back.
		expect(run.tally(mail.messages).delivered).toBe(0);
		console.log(`(b) in the outbox when notifications returns: ${await outboxDepth()}`);
		await startNotifications();
		const back = Date.now();
		const tally = await settle(run, 90_000);
		expect(await outboxDepth()).toBe(0);
		console.log(`(b) the first promise waited ${Math.round((back - awayFrom) / 1000)} s for notifications; all arrived within ${Math.round((Date.now() - back) / 1000) - 3} s of its return`);
		expect(tally).toEqual({ expected: 50, delivered: 50, duplicated: 0 });
	}, AWAY_MS + 150_000);

	it("(c) NATS restarts in the middle of registrations and password resets: every promised e-mail arrives once", async () => {
		const run = new Run("(c) NATS restart");
		runs.push(run);
		const statuses: number[] = [];
		let stop = false;
		const traffic = (async () => {
			for (let i = 0; !stop; i++) {
				statuses.push(await register(run, `c-${i}-${tag}@example.com`));
				await new Promise(r => setTimeout(r, 200));
			}
		})();
		await new Promise(r => setTimeout(r, 3_000));
		// Answered 202 just before NATS dies: the relay resolves these addresses (over NATS) after the answer.
		// Earlier runs' users who were never sent a reset.
		const resets = await Promise.all([5, 6, 7, 8, 9].map(i => forgot(run, `a-${i}-${tag}@example.com`, true)));
		await nats.stop("SIGKILL");
		await new Promise(r => setTimeout(r, 1_500));
		await nats.start();
		await new Promise(r => setTimeout(r, 6_000));
		stop = true;
		await traffic;
		console.log(`(c) registrations answered: ${JSON.stringify(statuses.reduce<Record<number, number>>((n, s) => ({ ...n, [s]: (n[s] ?? 0) + 1 }), {}))}`);
		expect(resets).toEqual([202, 202, 202, 202, 202]);
		// Six seconds after NATS is back, registrations are served again.
		expect(await register(run, `c-after-${tag}@example.com`)).toBe(201);
		const tally = await settle(run, 90_000);
		expect(tally).toEqual({ expected: run.promised.length, delivered: run.promised.length, duplicated: 0 });
	}, 180_000);
});
