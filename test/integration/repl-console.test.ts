import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { freePort } from "../helpers/ferretdb";
import { NodeProcess } from "../helpers/node-process";

const PROMPT = "mol $ ";
/** A log line as the REPL writes it: `[hh:mm:ss.mmmZ] LEVEL …`. */
const LOG_LINE = /\[\d{2}:\d{2}:\d{2}\.\d{3}Z\] +(?:INFO|WARN|ERROR|DEBUG)/g;

/**
 * `npm run repl` as an operator uses it, with piped stdin (no terminal): the whole backend with a console on
 * the embedded default (MongoDB in the mongoose project), commands typed one after the other.
 */
describe("the REPL process (npm run repl)", () => {
	let repl: NodeProcess;
	let port: number;
	const home = fs.mkdtempSync(path.join(os.tmpdir(), "ub-repl-"));

	/** Types a command and waits for `expected` in what it prints. */
	async function type(command: string, expected: RegExp | string, timeoutMs = 20_000): Promise<string> {
		const from = repl.output.length;
		repl.write(command);
		await repl.waitFor(expected, timeoutMs, from);
		// Until the prompt is back: the command is over.
		await repl.waitFor(PROMPT, timeoutMs, from + 1);
		// Without the colours util.inspect adds.
		return stripVTControlCharacters(repl.output.slice(from));
	}

	const post = (p: string, body: unknown) => fetch(`http://127.0.0.1:${port}/api/v1/auth${p}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

	beforeAll(async () => {
		port = await freePort();
		const store: Record<string, string> = process.env.TEST_STORE === "mongo" ? { MONGO_URI: `${process.env.TEST_MONGO_URI}/ub_repl_${process.pid}` } : {};
		repl = new NodeProcess("repl.ts", {
			HOME: home,
			DATA_DIR: path.join(home, "data"),
			PORT: String(port),
			BCRYPT_ROUNDS: "4",
			LOG_LEVEL: "info",
			LOGIN_MAX_FAILURES: "1",
			AUTH_RATE_LIMIT_PER_MINUTE: "4",
			...store
		});
		await repl.waitFor(/Operator console as [\w.@-]+: running api, users, auth, notifications/, 60_000);
		await repl.waitFor(PROMPT);
	}, 90_000);

	afterAll(async () => {
		await repl?.stop("SIGKILL");
	});

	it("runs no health or metrics port unless asked (it runs beside other nodes)", () => {
		expect(repl.output).not.toContain("Health checks on");
		expect(repl.output).not.toMatch(/Prometheus|metrics/i);
	});

	it("create-user makes an account without a typed password; verify-user and send-reset act on it", async () => {
		expect(await type("create-user ada@example.com --name Ada --admin", "Created ada@example.com")).toMatch(/roles: user, admin\)\. E-mails sent to them/);
		expect(await type("verify-user ada@example.com", "Verified")).toContain("Verified ada@example.com: they can sign in.");
		expect(await type("verify-user ada@example.com", "already")).toContain("ada@example.com is already verified; nothing changed.");
		expect(await type("send-reset ada@example.com", "password-reset link")).toContain("A password-reset link was sent to ada@example.com");
		expect(await type("send-reset nobody@example.com", "No user")).toContain("No user with that e-mail: nobody@example.com");
	});

	it("`call` on an admin-only action works as the operator, without hand-written meta, and is audited as the operator", async () => {
		expect(await type("call users.list", /total: 1\b/)).not.toMatch(/UNAUTHORIZED|FORBIDDEN/);
		const audit = await type('call auth.auditList {"type":"user.roles"}', /actorId:/);
		expect(audit).toMatch(/actorId: 'operator:[\w.-]+@[\w.-]+'/);
		expect(await type("audit-verify", "Audit trail")).toMatch(/Audit trail intact: \d+ entries checked\./);
	});

	it("throttle-clear says whether the address was locked and whether the IP was at its limit", async () => {
		expect(await type("throttle-clear ada@example.com", "was not locked")).toContain("ada@example.com was not locked; its count of failed sign-ins was reset.");
		// One failed sign-in locks (LOGIN_MAX_FAILURES=1); the gateway runs in the REPL's node.
		expect((await post("/login", { email: "ada@example.com", password: "not the password" })).status).toBe(401);
		expect((await post("/login", { email: "ada@example.com", password: "not the password" })).status).toBe(429);
		expect(await type("throttle-clear ada@example.com", "lifted")).toContain("Login lock of ada@example.com lifted: it was locked.");
		expect(await type("throttle-clear 127.0.0.1", "request limit")).toContain("127.0.0.1 was not at its request limit; its count was reset.");
		for (let i = 0; i < 4; i++) expect((await post("/password/forgot", { email: "ghost@example.com" })).status).toBe(202);
		expect((await post("/password/forgot", { email: "ghost@example.com" })).status).toBe(429);
		expect(await type("throttle-clear 127.0.0.1", "lifted")).toContain("Request limit of 127.0.0.1 lifted: it was at its limit.");
		expect((await post("/password/forgot", { email: "ghost@example.com" })).status).toBe(202);
	});

	it("delete-user deletes an account, and refuses the last admin", async () => {
		await type("create-user bob@example.com", "Created bob@example.com");
		expect(await type("delete-user bob@example.com", "Deleted")).toMatch(/Deleted bob@example\.com \(id [\w-]+\): the account, its sessions and its notifications are gone\./);
		expect(await type("user bob@example.com", "No user")).toContain("No user with that e-mail: bob@example.com");
		expect(await type("delete-user ada@example.com", "LAST_ADMIN")).toMatch(/Refused: .* \(LAST_ADMIN\)/);
	});

	it("log lines never garble the prompt: each starts a line of its own, never after the prompt or inside a command's line", () => {
		const lines = [...repl.output.matchAll(LOG_LINE)];
		expect(lines.length).toBeGreaterThan(10);
		for (const m of lines) expect({ line: m[0], before: m.index === 0 ? "\n" : repl.output.slice(Math.max(0, m.index! - 40), m.index) }).toEqual({ line: m[0], before: expect.stringMatching(/\n$/) });
		expect(repl.output).not.toMatch(/mol \$ \[\d{2}:/);
	});

	it("exit stops the node cleanly", async () => {
		repl.write("exit");
		expect(await repl.exited).toBe(0);
	});
});
