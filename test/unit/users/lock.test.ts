import { tableMutex } from "../../../services/users/lock";
import { MemoryLockTable, MovableClock } from "./fakes";

const noPause = () => Promise.resolve();

describe("tableMutex", () => {
	it("runs holders of one name one after the other, and releases after each", async () => {
		const table = new MemoryLockTable();
		const mutex = tableMutex(table, new MovableClock());
		const order: string[] = [];
		const work = (name: string) => async () => {
			order.push(`${name} in`);
			await new Promise(r => setTimeout(r, 5));
			order.push(`${name} out`);
			return name;
		};
		expect(await Promise.all([mutex.hold("admins", work("a")), mutex.hold("admins", work("b"))])).toEqual(["a", "b"]);
		expect(order).toEqual(["a in", "a out", "b in", "b out"]);
		expect(table.held.size).toBe(0);
	});

	it("releases the lock when the work fails", async () => {
		const table = new MemoryLockTable();
		const mutex = tableMutex(table, new MovableClock(), { pause: noPause });
		await expect(mutex.hold("admins", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
		expect(table.held.size).toBe(0);
	});

	it("takes over a lock whose holder died once its time-to-live has passed by the clock", async () => {
		const table = new MemoryLockTable();
		const clock = new MovableClock();
		await table.acquire("admins", clock.now(), clock.now() + 10_000);
		clock.advance(10_001);
		const mutex = tableMutex(table, clock, { pause: noPause });
		expect(await mutex.hold("admins", async () => "mine")).toBe("mine");
	});

	it("gives up with SERVICE_UNAVAILABLE after waiting `waitMs` for a live holder", async () => {
		const table = new MemoryLockTable();
		const clock = new MovableClock();
		await table.acquire("admins", clock.now(), clock.now() + 10_000);
		const mutex = tableMutex(table, clock, { pause: noPause, waitMs: 100 });
		await expect(mutex.hold("admins", async () => "never")).rejects.toMatchObject({ type: "SERVICE_UNAVAILABLE", code: 503 });
	});
});
