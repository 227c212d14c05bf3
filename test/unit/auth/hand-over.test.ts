import { HAND_OVER_ATTEMPTS, mailPort, type HandOverRoute } from "../../../services/auth/hand-over";

function route(failFirst: number, stopping = false) {
	const calls: string[] = [];
	const warnings: string[] = [];
	const pending: Array<Promise<void>> = [];
	let failures = failFirst;
	const attempt = (how: string) => async (action: string) => {
		calls.push(`${how} ${action}`);
		if (failures-- > 0) throw new Error("no notifications replica");
	};
	const r: HandOverRoute = {
		call: attempt("now"),
		callLater: attempt("later"),
		warn: m => void warnings.push(m),
		background: { run: (_what, work) => void pending.push(work().catch(() => undefined)) },
		stopping: () => stopping,
		pause: async () => undefined
	};
	return { r, calls, warnings, settled: () => Promise.all(pending) };
}

const email = { to: "ada@example.com", template: "welcome" as const, data: {} };

describe("hand-over to notifications", () => {
	it("hands an e-mail over within the request when it can", async () => {
		const { r, calls, warnings } = route(0);
		await mailPort(r).sendEmail(email);
		expect([calls, warnings]).toEqual([["now notifications.send"], []]);
	});

	it("retries in the background without failing the request", async () => {
		const { r, calls, warnings, settled } = route(3);
		await mailPort(r).notifyInApp({ userId: "u1", type: "password-changed", title: "t", body: "b" });
		await settled();
		expect(calls).toEqual(["now notifications.notify", "later notifications.notify", "later notifications.notify", "later notifications.notify"]);
		expect(warnings).toEqual(["Could not hand over the 'password-changed' notification yet (no notifications replica); retrying in the background."]);
	});

	it("gives up after HAND_OVER_ATTEMPTS background attempts", async () => {
		const { r, calls, settled } = route(1000);
		await mailPort(r).sendEmail(email);
		await settled();
		expect(calls.length).toBe(1 + HAND_OVER_ATTEMPTS);
	});

	it("gives up at once while the service stops", async () => {
		const { r, calls, settled } = route(1000, true);
		await mailPort(r).sendEmail(email);
		await settled();
		expect(calls.length).toBe(2);
	});
});
