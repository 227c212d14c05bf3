/**
 * auth's outbox relay (services/auth/outbox.ts) over an in-memory store, with notifications' real delivery
 * queue and inbox (over their fakes) behind the hand-over: what is written is handed over until taken, once.
 */
import { Collection } from "../../../lib/collection";
import type { EmailRequest, InAppRequest } from "../../../lib/types";
import { Outbox, OUTBOX_TIMING, type OutboxPorts, type OutboxRecord, type OutboxResult } from "../../../services/auth/outbox";
import { DeliveryQueue } from "../../../services/notifications/deliveries";
import { Inbox } from "../../../services/notifications/inbox";
import { FakeLinks, FakeMailer, MemoryDeliveryStore, MemoryInboxStore, silentLogger } from "../notifications/fakes";
import { FakeClock, memoryCollection } from "./fakes";

const welcome: EmailRequest = { to: "ada@example.com", template: "welcome", data: { displayName: "Ada" }, userId: "u1" };
const notice: InAppRequest = { userId: "u1", type: "password-changed", title: "Your password was changed", body: "…" };

/** notifications as the relay reaches it: its real queue and inbox; `away` makes every call fail as if no replica answered. */
class FakeNotifications {
	readonly deliveries = new MemoryDeliveryStore();
	readonly mailer = new FakeMailer();
	readonly inboxStore = new MemoryInboxStore();
	readonly calls: Array<{ action: string; key: string }> = [];
	away = false;
	/** The next call is taken but its answer lost (a timeout on the relay's side). */
	loseNextAnswer = false;
	private readonly queue: DeliveryQueue;
	private readonly inbox: Inbox;

	constructor(clock: FakeClock) {
		this.queue = new DeliveryQueue({ store: this.deliveries, mailer: this.mailer, links: new FakeLinks(), clock, count: () => undefined, logger: silentLogger }, { appUrl: "https://app.example.com", mailFrom: "no-reply@example.com" });
		this.inbox = new Inbox(this.inboxStore, clock);
	}

	handOver = async (action: string, params: object): Promise<unknown> => {
		const { key } = params as { key: string };
		this.calls.push({ action, key });
		await new Promise(r => setImmediate(r));
		if (this.away) throw Object.assign(new Error("Service 'notifications.send' is not available."), { name: "ServiceNotAvailableError" });
		const taken = action === "notifications.send" ? await this.queue.enqueue(params as EmailRequest, key) : await this.inbox.add(params as InAppRequest, key);
		if (this.loseNextAnswer) {
			this.loseNextAnswer = false;
			throw Object.assign(new Error("Request is timed out"), { name: "RequestTimeoutError" });
		}
		return taken;
	};

	async sent(): Promise<string[]> {
		await this.queue.idle();
		return this.mailer.sent.map(m => `${m.to} ${m.subject}`);
	}
}

async function setup(store?: Collection<OutboxRecord>, clock = new FakeClock(), notifications = new FakeNotifications(clock)) {
	const rows = store ?? (await memoryCollection<OutboxRecord>("mail_outbox"));
	const counted: OutboxResult[] = [];
	const warnings: string[] = [];
	const ports: OutboxPorts = {
		store: rows,
		handOver: notifications.handOver,
		resolveLink: async (kind, address) => (address === "ada@example.com" ? { to: address, template: kind, data: {}, userId: "u1", link: kind } : null),
		clock,
		count: result => void counted.push(result),
		logger: { ...silentLogger, warn: (line: unknown) => void warnings.push(String(line)) },
		// Jitter at its middle: the backoff is exact (1 s, 2 s, 4 s, … 30 s).
		random: () => 0.5
	};
	const outbox = new Outbox(ports);
	return { outbox, rows, clock, notifications, counted, warnings, ports };
}

describe("Outbox", () => {
	it("keeps the message in the store until notifications has taken it, and hands it over with its key", async () => {
		const { outbox, rows, notifications, counted } = await setup();
		notifications.away = true;
		await outbox.add({ action: "send", email: welcome });
		const [row] = await rows.find({});
		expect(row).toMatchObject({ message: { action: "send", email: welcome }, status: "pending" });
		await outbox.idle();
		expect(await rows.count({})).toBe(1);

		notifications.away = false;
		await outbox.add({ action: "notify", notice });
		await outbox.idle();
		expect(await rows.count({})).toBe(1); // the first still waits for its backoff
		expect(notifications.inboxStore.rows.map(n => n.type)).toEqual(["password-changed"]);
		expect(counted).toEqual(["retry", "relayed"]);
		expect(notifications.calls[0]).toEqual({ action: "notifications.send", key: row._id });
	});

	it("resolves a link request by address as it relays it: an e-mail for a known address, nothing for an unknown one", async () => {
		const { outbox, rows, notifications, counted } = await setup();
		await outbox.add({ action: "link", kind: "password-reset", address: "nobody@example.com" });
		await outbox.add({ action: "link", kind: "password-reset", address: "ada@example.com" });
		await outbox.idle();
		expect(await notifications.sent()).toEqual(["ada@example.com Reset your password"]);
		expect(counted.sort()).toEqual(["dropped", "relayed"]);
		expect(await rows.count({})).toBe(0);
	});

	it(`survives notifications away for 15 minutes: retried with backoff capped at ${OUTBOX_TIMING.retryMaxMs / 1000} s, never given up, then sent once`, async () => {
		const { outbox, rows, clock, notifications } = await setup();
		notifications.away = true;
		await outbox.add({ action: "send", email: welcome });
		await outbox.idle();
		const attemptsAt: number[] = [clock.now()];
		const start = clock.now();
		while (clock.now() - start < 15 * 60_000) {
			clock.advance(1_000);
			const before = notifications.calls.length;
			outbox.kick();
			await outbox.idle();
			if (notifications.calls.length > before) attemptsAt.push(clock.now());
		}
		const gaps = attemptsAt.slice(1).map((t, i) => t - attemptsAt[i]);
		expect(gaps.slice(0, 6)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000]);
		expect(Math.max(...gaps)).toBe(30_000);
		expect(await rows.findOne({})).toMatchObject({ status: "pending", attempts: attemptsAt.length });

		notifications.away = false;
		clock.advance(30_000);
		outbox.kick();
		await outbox.idle();
		expect(await notifications.sent()).toEqual(["ada@example.com Welcome!"]);
		expect(await rows.count({})).toBe(0);
	});

	it("relays at once, not after its backoff, when notifications is back (retryNow)", async () => {
		const { outbox, rows, notifications } = await setup();
		notifications.away = true;
		await outbox.add({ action: "send", email: welcome });
		expect(await rows.findOne({})).toMatchObject({ attempts: 1 });
		notifications.away = false;
		outbox.kick();
		await outbox.idle();
		expect(await rows.count({})).toBe(1); // not due yet
		await outbox.retryNow();
		await outbox.idle();
		expect(await rows.count({})).toBe(0);
		expect(await notifications.sent()).toEqual(["ada@example.com Welcome!"]);
	});

	it("hands a message over again when the acknowledgement was lost, and notifications queues it once", async () => {
		const { outbox, rows, clock, notifications, counted } = await setup();
		notifications.loseNextAnswer = true;
		await outbox.add({ action: "send", email: welcome });
		await outbox.add({ action: "notify", notice });
		await outbox.idle();
		clock.advance(1_000);
		notifications.loseNextAnswer = true;
		outbox.kick();
		await outbox.idle();
		clock.advance(2_000);
		outbox.kick();
		await outbox.idle();
		const keys = notifications.calls.map(c => c.key);
		expect(new Set(keys).size).toBe(2);
		expect(keys.length).toBeGreaterThan(2); // handed over more than once…
		expect(await notifications.sent()).toEqual(["ada@example.com Welcome!"]); // …sent once
		expect(notifications.deliveries.rows.size).toBe(1);
		expect(notifications.inboxStore.rows).toHaveLength(1);
		expect(await rows.count({})).toBe(0);
		expect(counted.filter(r => r === "relayed")).toHaveLength(2);
	});

	it("lets only one of several replicas relay a message (a lease)", async () => {
		const clock = new FakeClock();
		const store = await memoryCollection<OutboxRecord>("mail_outbox");
		const notifications = new FakeNotifications(clock);
		const replicas = await Promise.all([1, 2, 3].map(() => setup(store, clock, notifications)));
		notifications.away = true;
		for (let i = 0; i < 10; i++) await replicas[i % 3].outbox.add({ action: "send", email: { ...welcome, to: `user${i}@example.com` } });
		notifications.away = false;
		const failedCalls = notifications.calls.length;
		clock.advance(1_000);
		for (const r of replicas) r.outbox.kick();
		await Promise.all(replicas.map(r => r.outbox.idle()));
		const keys = notifications.calls.slice(failedCalls).map(c => c.key);
		expect(keys).toHaveLength(10);
		expect(new Set(keys).size).toBe(10);
		expect(await notifications.sent()).toHaveLength(10);
	});

	it("relays what a replica that died while relaying had claimed, once its lease has run out", async () => {
		const { outbox, rows, clock, notifications } = await setup();
		const now = new Date(clock.now());
		await rows.insert({ _id: "orphan", message: { action: "send", email: welcome }, status: "pending", attempts: 0, nextAttemptAt: now, lockedUntil: new Date(clock.now() + OUTBOX_TIMING.leaseMs), lastError: null, createdAt: now });
		outbox.kick();
		await outbox.idle();
		expect(notifications.calls).toEqual([]);
		clock.advance(OUTBOX_TIMING.leaseMs + 1);
		outbox.kick();
		await outbox.idle();
		expect(notifications.calls).toEqual([{ action: "notifications.send", key: "orphan" }]);
		expect(await rows.count({})).toBe(0);
	});

	it("keeps a message notifications refuses as invalid, without retrying it, and goes on with the others", async () => {
		const { outbox, rows, clock, notifications, ports, counted } = await setup();
		const handOver = ports.handOver;
		ports.handOver = async (action, params) => {
			if ((params as EmailRequest).to === "bad") throw Object.assign(new Error("Parameters validation error!"), { name: "ValidationError" });
			return handOver(action, params);
		};
		await outbox.add({ action: "send", email: { ...welcome, to: "bad" } });
		await outbox.add({ action: "send", email: welcome });
		await outbox.idle();
		clock.advance(60_000);
		outbox.kick();
		await outbox.idle();
		expect(counted).toEqual(["refused", "relayed"]);
		expect(await rows.find({})).toMatchObject([{ status: "refused", attempts: 1, lastError: "Parameters validation error!" }]);
		expect(await notifications.sent()).toEqual(["ada@example.com Welcome!"]);
	});

	it("stops polling on stop; what is left is relayed by the next start", async () => {
		const { outbox, rows, notifications } = await setup();
		await outbox.stop();
		await outbox.add({ action: "link", kind: "password-reset", address: "ada@example.com" });
		expect(notifications.calls).toEqual([]);
		outbox.start();
		await outbox.idle();
		await outbox.stop();
		expect(await rows.count({})).toBe(0);
		expect(await notifications.sent()).toEqual(["ada@example.com Reset your password"]);
	});

	it("hands an e-mail over within the request when notifications takes it; a link request only behind", async () => {
		const { outbox, rows, notifications } = await setup();
		await outbox.stop();
		await outbox.add({ action: "send", email: welcome });
		await outbox.add({ action: "link", kind: "password-reset", address: "ada@example.com" });
		expect(notifications.calls.map(c => c.action)).toEqual(["notifications.send"]);
		expect(await rows.find({})).toMatchObject([{ message: { action: "link" } }]);
	});
});
