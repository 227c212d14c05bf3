/**
 * `npm run repl` with TRANSPORTER set and SERVICES=none: an operator's console joined to a running cluster
 * (a real nats-server with a password, a real node in a process of its own), its commands acting there.
 * The console runs no services, so it takes no lock: it shares the node's DATA_DIR.
 */
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { BackendNode, NatsServer, sharedDataDir } from "../helpers/cluster";
import { NodeProcess } from "../helpers/node-process";

const AUTH = { user: "backend", pass: "cluster-pass" };

describe("the REPL joined to a cluster (TRANSPORTER, SERVICES=none)", () => {
	let nats: NatsServer;
	let node: BackendNode;
	let repl: NodeProcess;

	async function type(command: string, expected: RegExp | string): Promise<string> {
		const from = repl.output.length;
		repl.write(command);
		await repl.waitFor(expected, 20_000, from);
		await repl.waitFor("mol $ ", 20_000, from + 1);
		// Without the colours util.inspect adds.
		return stripVTControlCharacters(repl.output.slice(from));
	}

	beforeAll(async () => {
		nats = await NatsServer.create();
		await nats.start(AUTH);
		const dataDir = sharedDataDir();
		const transporter = `nats://${AUTH.user}:${AUTH.pass}@127.0.0.1:${nats.port}`;
		node = await BackendNode.start({ name: "all-in-one", services: ["api", "users", "auth", "notifications"] }, { TRANSPORTER: transporter, DATA_DIR: dataDir, BCRYPT_ROUNDS: "4", LOG_LEVEL: "warn" });
		await node.ready(60_000);
		repl = new NodeProcess("repl.ts", { TRANSPORTER: transporter, SERVICES: "none", NODE_ID: "console", DATA_DIR: dataDir, HOME: path.dirname(dataDir), LOG_LEVEL: "info" });
		await repl.waitFor(/Operator console as [\w.@-]+: joined to the cluster/, 60_000);
	}, 120_000);

	afterAll(async () => {
		await repl?.stop("SIGKILL");
		await node?.kill("SIGTERM");
		await nats?.stop();
	});

	it("its commands act on the cluster's nodes, as the operator", async () => {
		expect(await type("create-user joined@example.com --admin", "Created")).toContain("Created joined@example.com");
		// What the console created, the cluster's gateway knows: a password reset is accepted for it.
		const res = await fetch(`${node.url}/api/v1/auth/password/forgot`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "joined@example.com" }) });
		expect(res.status).toBe(202);
		expect(await type("call users.list", /total: 1\b/)).not.toMatch(/UNAUTHORIZED|FORBIDDEN/);
		const cluster = await type("cluster", "Stores");
		// The cluster's node and its stores, seen from the console ("(this)" marks whichever node answered $node.list).
		expect(cluster).toMatch(/all-in-one(?: \(this\))?\s+available\s+\S+\s+api, auth, notifications, users/);
	});

	it("runs no services of its own and leaves the node's DATA_DIR lock alone", () => {
		expect(repl.output).not.toMatch(/Service '(users|auth|notifications|api)' started/);
		expect(node.running).toBe(true);
	});
});
