import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../helpers/ferretdb";
import { NodeProcess, waitForHttp } from "../helpers/node-process";

/** The README's "Try it" block, run as written against a real `npm start` (on a free port). */
describe("README walk-through", () => {
	let server: NodeProcess | undefined;
	afterAll(async () => {
		await server?.stop();
	});

	function tryItBlock(): string[] {
		const readme = fs.readFileSync(path.join(__dirname, "../../README.md"), "utf8");
		const start = readme.indexOf("Try it:");
		const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start));
		if (!block) throw new Error("README has no `Try it:` shell block");
		// Commands, with their continuation lines joined; comments are kept out.
		return block[1]
			.replace(/\\\n\s*/g, "")
			.split("\n")
			.filter(line => line.trim() && !line.trim().startsWith("#"));
	}

	it("registers, finds the link's token in the outbox's plain-text copy, verifies and logs in", async () => {
		const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "ub-readme-"));
		const port = await freePort();
		const healthPort = await freePort();
		// As `npm start` in `cwd`: DATA_DIR is its default, ./data.
		server = new NodeProcess("server.ts", { PORT: String(port), HEALTH_PORT: String(healthPort), METRICS_PORT: "0", DATA_DIR: path.join(cwd, "data"), LOG_LEVEL: "warn", BCRYPT_ROUNDS: "4" });
		await waitForHttp(`http://127.0.0.1:${healthPort}/ready`, server, 60_000);

		const commands = tryItBlock().map(line => line.replaceAll("localhost:3000", `localhost:${port}`));
		expect(commands).toHaveLength(5);
		const run = (script: string) => execFileSync("bash", ["-euo", "pipefail", "-c", script], { cwd, encoding: "utf8" });

		expect(JSON.parse(run(commands[0]))).toMatchObject({ email: "ada@example.com", emailVerified: false });
		// The e-mail is written a moment after the 201.
		const outbox = path.join(cwd, "data", "outbox");
		for (let i = 0; i < 100 && !(fs.existsSync(outbox) && fs.readdirSync(outbox).some(f => f.endsWith(".txt"))); i++) await new Promise(r => setTimeout(r, 100));
		// TOKEN=… and the verification, in one shell (the variable carries over).
		expect(JSON.parse(run(`${commands[1]}\n${commands[2]}`))).toMatchObject({ email: "ada@example.com", emailVerified: true });
		const login = JSON.parse(run(commands[3]));
		expect(login).toMatchObject({ tokenType: "Bearer", user: { email: "ada@example.com" } });
		// The last line takes the access token by hand.
		expect(commands[4]).toContain("<accessToken>");
		const me = run(commands[4].replace("<accessToken>", login.accessToken));
		expect(JSON.parse(me)).toMatchObject({ email: "ada@example.com", emailVerified: true });
	}, 90_000);
});
