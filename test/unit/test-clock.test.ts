import { systemClock, type Clock } from "../../lib/clock";
import { TestClock } from "../helpers/clock";

describe("TestClock", () => {
	it("starts at the given time, or at the real time", () => {
		expect(new TestClock(1_000).now()).toBe(1_000);
		const before = Date.now();
		const clock = new TestClock();
		expect(clock.now()).toBeGreaterThanOrEqual(before);
		expect(clock.now()).toBeLessThanOrEqual(Date.now());
	});

	it("stands still until moved", async () => {
		const clock = new TestClock(5_000);
		await new Promise(resolve => setTimeout(resolve, 20));
		expect(clock.now()).toBe(5_000);
	});

	it("advance(ms) moves it forward by ms; advance(0) leaves it", () => {
		const clock = new TestClock(5_000);
		clock.advance(1_500);
		expect(clock.now()).toBe(6_500);
		clock.advance(0);
		expect(clock.now()).toBe(6_500);
	});

	it("set(ms) puts it at that time, forward or back", () => {
		const clock = new TestClock(5_000);
		clock.set(60_000);
		expect(clock.now()).toBe(60_000);
		clock.set(10);
		expect(clock.now()).toBe(10);
	});

	it("refuses a negative or non-finite move, and a non-finite time", () => {
		const clock = new TestClock(5_000);
		expect(() => clock.advance(-1)).toThrow(RangeError);
		expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
		expect(() => clock.set(Number.POSITIVE_INFINITY)).toThrow(RangeError);
		expect(clock.now()).toBe(5_000);
	});

	it("is a Clock: it stands where the system clock does", () => {
		const clocks: Clock[] = [systemClock, new TestClock()];
		for (const clock of clocks) expect(typeof clock.now()).toBe("number");
	});

	it("leaves Date.now alone", () => {
		const clock = new TestClock(0);
		clock.advance(3_600_000);
		expect(Math.abs(Date.now() - new Date().getTime())).toBeLessThan(1_000);
		expect(Date.now()).toBeGreaterThan(3_600_000);
	});

	it("new TestClock() follows the real time, shifted by what advance added", async () => {
		const clock = new TestClock();
		clock.advance(60_000);
		const before = Date.now();
		await new Promise(resolve => setTimeout(resolve, 20));
		expect(clock.now() - 60_000).toBeGreaterThanOrEqual(before + 15);
		expect(clock.now() - 60_000).toBeLessThanOrEqual(Date.now());
	});

	it("ahead(ms, work) runs work with the clock ms ahead, then puts it back, even when work throws", async () => {
		const clock = new TestClock(5_000);
		expect(await clock.ahead(1_000, async () => clock.now())).toBe(6_000);
		expect(clock.now()).toBe(5_000);
		await expect(clock.ahead(1_000, async () => { throw new Error("late"); })).rejects.toThrow("late");
		expect(clock.now()).toBe(5_000);
	});
});
