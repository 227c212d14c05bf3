import { CLAIM_MS, DeliveryQueue, MAX_ATTEMPTS } from "../../../services/notifications/deliveries";
import type { DeliveryResult } from "../../../services/notifications/ports";
import { FakeLinks, FakeMailer, MemoryDeliveryStore, MovableClock, silentLogger } from "./fakes";

const SETTINGS = { appUrl: "https://app.example.com", mailFrom: "no-reply@example.com" };

function setup(store = new MemoryDeliveryStore(), clock = new MovableClock()) {
	const mailer = new FakeMailer();
	const links = new FakeLinks();
	const counted: DeliveryResult[] = [];
	const warnings: string[] = [];
	const logger = { ...silentLogger, warn: (line: unknown) => warnings.push(String(line)) };
	// Jitter at its middle: the backoff is exact (5 s, 10 s, 20 s, …).
	const queue = new DeliveryQueue({ store, mailer, links, clock, count: (_t, result) => counted.push(result), logger, random: () => 0.5 }, SETTINGS);
	return { queue, store, clock, mailer, links, counted, warnings };
}

describe("DeliveryQueue", () => {
	it("queues an e-mail handed over again with the same key once (auth's outbox redelivers)", async () => {
		const { queue, store, mailer, counted } = setup();
		const email = { to: "ada@example.com", template: "welcome" as const, data: { displayName: "Ada" } };
		expect(await queue.enqueue(email, "outbox-1")).toEqual({ id: "outbox-1" });
		await queue.idle();
		expect(await queue.enqueue(email, "outbox-1")).toEqual({ id: "outbox-1" });
		await queue.idle();
		expect(store.only()).toMatchObject({ _id: "outbox-1", status: "sent" });
		expect(mailer.sent).toHaveLength(1);
		expect(counted).toEqual(["sent", "duplicate"]);
	});

	it("sends a queued e-mail, then keeps no template data", async () => {
		const { queue, store, mailer, counted, clock } = setup();
		await queue.enqueue({ to: "ada@example.com", template: "welcome", data: { displayName: "Ada" } });
		await queue.idle();
		expect(mailer.sent).toHaveLength(1);
		expect(mailer.sent[0]).toMatchObject({ from: SETTINGS.mailFrom, to: "ada@example.com" });
		expect(store.only()).toMatchObject({ status: "sent", attempts: 1, data: null, lockedUntil: null, sentAt: new Date(clock.now()) });
		expect(counted).toEqual(["sent"]);
	});

	it("retries with growing backoff by the clock, not before it is due", async () => {
		const { queue, store, mailer, clock, counted } = setup();
		mailer.down = true;
		await queue.enqueue({ to: "ada@example.com", template: "welcome", data: {} });
		await queue.idle();
		const t1 = clock.now();
		expect(store.only()).toMatchObject({ status: "pending", attempts: 1, nextAttemptAt: new Date(t1 + 5_000), lockedUntil: null });
		expect(store.only().lastError).toBe("connect ECONNREFUSED smtp://***@mail.example.com");

		clock.advance(4_999);
		queue.kick();
		await queue.idle();
		expect(store.only().attempts).toBe(1);

		clock.advance(1);
		queue.kick();
		await queue.idle();
		expect(store.only()).toMatchObject({ attempts: 2, nextAttemptAt: new Date(clock.now() + 10_000) });

		mailer.down = false;
		clock.advance(10_000);
		queue.kick();
		await queue.idle();
		expect(store.only()).toMatchObject({ status: "sent", attempts: 3, lastError: null });
		expect(counted).toEqual(["retry", "retry", "sent"]);
	});

	it(`gives up after ${MAX_ATTEMPTS} attempts, and operators can queue it again`, async () => {
		const { queue, store, mailer, clock, counted, warnings } = setup();
		mailer.down = true;
		await queue.enqueue({ to: "ada@example.com", template: "welcome", data: {} });
		await queue.idle();
		for (let i = 1; i < MAX_ATTEMPTS + 3; i++) {
			clock.advance(3_600_000);
			queue.kick();
			await queue.idle();
		}
		expect(store.only()).toMatchObject({ status: "failed", attempts: MAX_ATTEMPTS });
		expect(counted.filter(r => r === "retry")).toHaveLength(MAX_ATTEMPTS - 1);
		expect(counted.at(-1)).toBe("failed");
		expect(warnings.at(-1)).toMatch(/attempt 12 failed .*; giving up\.$/);
		const failed = await queue.failed(1, 10);
		expect(failed.rows.map(d => d.status)).toEqual(["failed"]);
		expect([failed.total, failed.page, failed.pageSize, failed.totalPages]).toEqual([1, 1, 10, 1]);

		mailer.down = false;
		expect(await queue.retry()).toEqual({ retried: 1 });
		await queue.idle();
		expect(store.only()).toMatchObject({ status: "sent", attempts: 1 });
		expect(await queue.retry()).toEqual({ retried: 0 });
	});

	it("two replicas over one store never send one e-mail twice", async () => {
		const store = new MemoryDeliveryStore();
		const clock = new MovableClock();
		const a = setup(store, clock);
		const b = setup(store, clock);
		for (let i = 0; i < 10; i++) await store.insert(pending(`d${i}`, clock.now()));
		a.queue.kick();
		b.queue.kick();
		await Promise.all([a.queue.idle(), b.queue.idle()]);
		expect(a.mailer.sent.length + b.mailer.sent.length).toBe(10);
		expect(new Set([...a.mailer.sent, ...b.mailer.sent].map(m => m.to)).size).toBe(10);
		expect([...store.rows.values()].every(d => d.status === "sent" && d.attempts === 1)).toBe(true);
	});

	it("leaves a delivery another replica claimed alone until its claim runs out", async () => {
		const { queue, store, mailer, clock } = setup();
		await store.insert({ ...pending("d1", clock.now()), lockedUntil: new Date(clock.now() + CLAIM_MS) });
		queue.kick();
		await queue.idle();
		expect(mailer.sent).toHaveLength(0);
		clock.advance(CLAIM_MS + 1);
		queue.kick();
		await queue.idle();
		expect(mailer.sent).toHaveLength(1);
	});

	it("mints the link token when sending and puts it in the e-mail", async () => {
		const { queue, mailer, links } = setup();
		await queue.enqueue({ to: "ada@example.com", template: "verify-email", data: {}, userId: "u1", link: "verify-email" });
		await queue.idle();
		expect(links.issued).toEqual([["verify-email", "u1"]]);
		expect(mailer.sent[0].text).toContain("https://app.example.com/verify-email?token=token-1");
	});

	it("cancels an e-mail whose link is no longer wanted, without sending it", async () => {
		const { queue, store, mailer, links, counted } = setup();
		links.wanted = false;
		await queue.enqueue({ to: "ada@example.com", template: "verify-email", data: {}, userId: "u1", link: "verify-email" });
		await queue.idle();
		expect(mailer.sent).toHaveLength(0);
		expect(store.only()).toMatchObject({ status: "cancelled", data: null, lockedUntil: null });
		expect(counted).toEqual(["cancelled"]);
	});

	it("carries no link without a user", async () => {
		const { queue, store, links } = setup();
		await queue.enqueue({ to: "ada@example.com", template: "welcome", data: {}, link: "verify-email" });
		await queue.idle();
		expect(links.issued).toEqual([]);
		expect(store.only().link).toBeNull();
	});

	it("sends nothing once stopped", async () => {
		const { queue, store, mailer, clock } = setup();
		await queue.stop();
		await store.insert(pending("d1", clock.now()));
		queue.kick();
		await queue.idle();
		expect(mailer.sent).toHaveLength(0);
	});
});

function pending(id: string, now: number) {
	return {
		_id: id,
		to: `${id}@example.com`,
		template: "welcome" as const,
		data: {},
		userId: null,
		link: null,
		status: "pending" as const,
		attempts: 0,
		nextAttemptAt: new Date(now),
		lockedUntil: null,
		lastError: null,
		createdAt: new Date(now),
		sentAt: null
	};
}
