/**
 * E-mail survives `notifications` being away: registration still answers 201 at once, and the verification
 * e-mail goes out once a notifications replica is there.
 */
import { UserReadCache } from "../../lib/user-cache";
import { CallerIdentity } from "../../lib/bus-identity";
import { systemClock } from "../../lib/clock";
import notificationsService from "../../services/notifications/notifications.service";
import { startApp, type TestApp } from "../helpers/app";

describe("hand-over to notifications", () => {
	let app: TestApp;
	beforeAll(async () => {
		app = await startApp({ services: ["api", "users", "auth"] });
	});
	afterAll(() => app.stop());

	it("queues the e-mail once notifications appears, without failing or holding the request", async () => {
		const email = "late-mail@example.com";
		const started = Date.now();
		const reg = await app.request("POST", "/api/v1/auth/register", { body: { email, password: "mail arrives later" } });
		expect(reg.status).toBe(201);
		// It did not wait for the hand-over's background retries.
		expect(Date.now() - started).toBeLessThan(5_000);
		expect(app.mail.messages).toHaveLength(0);

		app.broker.createService(notificationsService(app.config, { clock: systemClock, identity: CallerIdentity.fromConfig(app.config), userCache: new UserReadCache() }));
		const mail = await app.mail.waitFor(m => m.to === email, 20_000);
		expect(mail.text).toMatch(/verify-email\?token=/);
	}, 40_000);
});
