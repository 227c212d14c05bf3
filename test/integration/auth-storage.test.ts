/**
 * CONTRACT §2: e-mail tokens and refresh tokens "are stored only as hashes", and no password is kept in
 * clear. The embedded store lives in DATA_DIR: no file there may hold one of them.
 */
import fs from "node:fs";
import path from "node:path";
import { startApp, type TestApp } from "../helpers/app";
import { Secrets, login, registerUser, sleep } from "../helpers/kit";

const AUTH = "/api/v1/auth";

function filesUnder(dir: string): string[] {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe("auth: what is kept on disk", () => {
	let app: TestApp;
	const secrets = new Secrets();

	beforeAll(async () => {
		app = await startApp();
	});
	afterAll(() => app.stop());

	it("keeps no e-mail token, refresh token or password in clear under DATA_DIR", async () => {
		const acc = await registerUser(app, { secrets, verify: false });
		const verifyToken = await app.mail.tokenFor(acc.email, "verify-email");
		expect((await app.request("POST", `${AUTH}/verify-email`, { body: { token: verifyToken } })).status).toBe(200);
		expect((await app.request("POST", `${AUTH}/password/forgot`, { body: { email: acc.email } })).status).toBe(202);
		const resetToken = await app.mail.tokenFor(acc.email, "reset-password");
		const tokens = await login(app, acc.email, acc.password, { secrets });
		const refreshSecret = tokens.refreshToken.split(".").pop()!;
		// Let the store write everything out.
		await sleep(500);

		// The embedded store writes under DATA_DIR; on MongoDB (FerretDB here) the data is in its SQLite files.
		const storeDir = app.config.mongoUri ? process.env.TEST_MONGO_DATA_DIR! : app.config.dataDir;
		const files = [...filesUnder(app.config.dataDir), ...(app.config.mongoUri ? filesUnder(storeDir) : [])];
		expect(files.some(f => /\.(db|sqlite)$/.test(f))).toBe(true);
		const found: string[] = [];
		for (const file of files) {
			const text = fs.readFileSync(file, "utf8");
			for (const [what, value] of Object.entries({ verifyToken, resetToken, refreshSecret, password: acc.password })) {
				if (text.includes(value)) found.push(`${what} in ${file}`);
			}
		}
		expect(found).toEqual([]);
	});
});
