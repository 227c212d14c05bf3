import { backoffDelay } from "../../lib/backoff";

const mid = () => 0.5; // no jitter
const low = () => 0;
const high = () => 0.999999;

describe("backoffDelay", () => {
	it("starts at baseMs and doubles per attempt", () => {
		expect(backoffDelay(1, 1000, 1_000_000, mid)).toBe(1000);
		expect(backoffDelay(2, 1000, 1_000_000, mid)).toBe(2000);
		expect(backoffDelay(3, 1000, 1_000_000, mid)).toBe(4000);
		expect(backoffDelay(10, 1000, 1_000_000, mid)).toBe(512_000);
	});

	it("uses 5 s and 1 h as defaults", () => {
		expect(backoffDelay(1, undefined, undefined, mid)).toBe(5000);
		expect(backoffDelay(100, undefined, undefined, mid)).toBe(3_600_000);
	});

	it("caps at maxMs, also for huge attempt numbers", () => {
		expect(backoffDelay(11, 1000, 1_000_000, mid)).toBe(1_000_000);
		expect(backoffDelay(5000, 1000, 1_000_000, mid)).toBe(1_000_000);
	});

	it("treats attempt 0 or below like attempt 1", () => {
		expect(backoffDelay(0, 1000, 1_000_000, mid)).toBe(1000);
		expect(backoffDelay(-3, 1000, 1_000_000, mid)).toBe(1000);
	});

	it("jitters by ±20%", () => {
		expect(backoffDelay(1, 1000, 1_000_000, low)).toBe(800);
		expect(backoffDelay(1, 1000, 1_000_000, high)).toBe(1200);
		expect(backoffDelay(11, 1000, 1_000_000, high)).toBe(1_200_000);
		for (let i = 0; i < 200; i++) {
			const d = backoffDelay(3);
			expect(d).toBeGreaterThanOrEqual(16_000);
			expect(d).toBeLessThanOrEqual(24_000);
			expect(Number.isInteger(d)).toBe(true);
		}
	});
});
