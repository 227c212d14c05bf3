import { Errors } from "moleculer";
import { apiError } from "../../../lib/errors";
import { localOperator } from "../../../lib/operator";
import { enableOperators } from "../../../lib/tokens/operator";
import {
	OPERATOR,
	clearThrottle,
	clusterHealth,
	verifyAudit,
	describeError,
	endSessions,
	formatTable,
	listFailedMail,
	printOutput,
	redact,
	replCommands,
	retryMail,
	setAdmin,
	setUserStatus,
	showUser,
	createUser,
	verifyUser,
	sendReset,
	deleteUser,
	PromptAwareOutput,
	OperatorCallMiddleware,
	type CallOptions,
	type Caller
} from "../../../operator";
import { samplePublicUser } from "../../helpers/users";

interface Recorded {
	action: string;
	params: any;
	opts?: CallOptions;
}

type Handler = (params: any, opts?: CallOptions) => unknown;

/** A caller that answers from `handlers` (a value, or a function; a thrown error is a failed call) and records every call. */
function fakeCaller(handlers: Record<string, Handler>): Caller & { calls: Recorded[] } {
	const calls: Recorded[] = [];
	return {
		calls,
		async call<T>(action: string, params: object, opts?: CallOptions): Promise<T> {
			calls.push({ action, params, opts });
			const handler = handlers[action];
			if (!handler) throw new Errors.ServiceNotFoundError({ action });
			return (await handler(params, opts)) as T;
		}
	};
}

const HASH = "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234";
const JWT = "eyJhbGciOiJQUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl";

function user(overrides: Record<string, unknown> = {}): any {
	return samplePublicUser(overrides);
}

const lastAdmin = () => apiError("LAST_ADMIN");

describe("user <email>", () => {
	it("looks the address up with users.findByEmail and prints the public user", async () => {
		const caller = fakeCaller({ "users.findByEmail": () => user() });
		const out = await showUser(caller, "  ada@example.com ");
		expect(caller.calls).toEqual([{ action: "users.findByEmail", params: { email: "ada@example.com" }, opts: undefined }]);
		expect(out.ok).toBe(true);
		expect(out.text).toMatch(/^id\s+u1$/m);
		expect(out.text).toMatch(/^email\s+ada@example\.com$/m);
		expect(out.text).toMatch(/^roles\s+user$/m);
		expect(out.text).toMatch(/^status\s+active$/m);
		expect(out.text).toMatch(/^lastLoginAt\s+-$/m);
	});

	it("prints only the contract's fields, never a hash or a token, whatever the service returns", async () => {
		const caller = fakeCaller({ "users.findByEmail": () => user({ passwordHash: HASH, accessToken: JWT, bio: `leaked ${HASH}` }) });
		const out = await showUser(caller, "ada@example.com");
		expect(out.ok).toBe(true);
		expect(out.text).not.toMatch(/passwordHash|accessToken/);
		expect(out.text).not.toContain(HASH);
		expect(out.text).not.toContain(JWT);
		expect(out.text).toContain("[hash]");
	});

	it("says so when no user has that address", async () => {
		const out = await showUser(fakeCaller({ "users.findByEmail": () => null }), "nobody@example.com");
		expect(out).toEqual({ ok: false, text: "No user with that e-mail: nobody@example.com" });
	});

	it("asks for an address when given none, without calling anything", async () => {
		const caller = fakeCaller({});
		const out = await showUser(caller, "   ");
		expect(out.ok).toBe(false);
		expect(out.text).toMatch(/e-mail address/);
		expect(caller.calls).toHaveLength(0);
	});

	it("reports an unreachable users service in one line", async () => {
		const out = await showUser(fakeCaller({}), "ada@example.com");
		expect(out.ok).toBe(false);
		expect(out.text).toBe("users is unreachable: Service 'users.findByEmail' is not found. (SERVICE_NOT_FOUND)");
		expect(out.text).not.toContain("\n");
	});
});

describe("user-disable / user-enable", () => {
	it("disables through users.adminUpdate {id, status}", async () => {
		const caller = fakeCaller({ "users.findByEmail": () => user(), "users.adminUpdate": p => user({ status: p.status }) });
		const out = await setUserStatus(caller, "ada@example.com", "disabled");
		expect(caller.calls.map(c => [c.action, c.params])).toEqual([
			["users.findByEmail", { email: "ada@example.com" }],
			["users.adminUpdate", { id: "u1", status: "disabled" }]
		]);
		expect(out).toEqual({ ok: true, text: "Disabled ada@example.com: they can no longer sign in, and their sessions were ended." });
	});

	it("enables through users.adminUpdate {id, status: active}", async () => {
		const caller = fakeCaller({ "users.findByEmail": () => user({ status: "disabled" }), "users.adminUpdate": p => user({ status: p.status }) });
		const out = await setUserStatus(caller, "ada@example.com", "active");
		expect(caller.calls[1]).toEqual({ action: "users.adminUpdate", params: { id: "u1", status: "active" }, opts: OPERATOR });
		expect(out).toEqual({ ok: true, text: "Enabled ada@example.com: they can sign in again." });
	});

	it("changes nothing when the status is already the one asked for", async () => {
		const caller = fakeCaller({ "users.findByEmail": () => user({ status: "disabled" }) });
		const out = await setUserStatus(caller, "ada@example.com", "disabled");
		expect(out).toEqual({ ok: true, text: "ada@example.com is already disabled; nothing changed." });
		expect(caller.calls.map(c => c.action)).toEqual(["users.findByEmail"]);
	});

	it("prints the last-admin refusal as one line", async () => {
		const caller = fakeCaller({
			"users.findByEmail": () => user({ roles: ["user", "admin"] }),
			"users.adminUpdate": () => {
				throw lastAdmin();
			}
		});
		const out = await setUserStatus(caller, "ada@example.com", "disabled");
		expect(out).toEqual({ ok: false, text: "Refused: The last active admin cannot be removed (LAST_ADMIN)" });
	});

	it("says so for an unknown address and never calls adminUpdate", async () => {
		const caller = fakeCaller({ "users.findByEmail": () => null });
		const out = await setUserStatus(caller, "nobody@example.com", "disabled");
		expect(out).toEqual({ ok: false, text: "No user with that e-mail: nobody@example.com" });
		expect(caller.calls.map(c => c.action)).toEqual(["users.findByEmail"]);
	});
});

describe("admin-grant / admin-revoke", () => {
	it("grants with roles [user, admin]", async () => {
		const caller = fakeCaller({ "users.findByEmail": () => user(), "users.adminUpdate": p => user({ roles: p.roles }) });
		const out = await setAdmin(caller, "ada@example.com", true);
		expect(caller.calls[1].params).toEqual({ id: "u1", roles: ["user", "admin"] });
		expect(out.ok).toBe(true);
		expect(out.text).toMatch(/^ada@example\.com is now an admin \(roles: user, admin\)/);
		expect(out.text).toMatch(/sign in again/);
	});

	it("revokes with roles [user]", async () => {
		const caller = fakeCaller({ "users.findByEmail": () => user({ roles: ["user", "admin"] }), "users.adminUpdate": p => user({ roles: p.roles }) });
		const out = await setAdmin(caller, "ada@example.com", false);
		expect(caller.calls[1].params).toEqual({ id: "u1", roles: ["user"] });
		expect(out.text).toMatch(/^ada@example\.com is no longer an admin \(roles: user\)/);
	});

	it("changes nothing when the user already has (or lacks) the role", async () => {
		const admin = fakeCaller({ "users.findByEmail": () => user({ roles: ["user", "admin"] }) });
		expect(await setAdmin(admin, "ada@example.com", true)).toEqual({ ok: true, text: "ada@example.com is already an admin; nothing changed." });
		const plain = fakeCaller({ "users.findByEmail": () => user() });
		expect(await setAdmin(plain, "ada@example.com", false)).toEqual({ ok: true, text: "ada@example.com is not an admin; nothing changed." });
		expect([...admin.calls, ...plain.calls].map(c => c.action)).toEqual(["users.findByEmail", "users.findByEmail"]);
	});

	it("prints LAST_ADMIN when revoking the last admin", async () => {
		const caller = fakeCaller({
			"users.findByEmail": () => user({ roles: ["user", "admin"] }),
			"users.adminUpdate": () => {
				throw lastAdmin();
			}
		});
		const out = await setAdmin(caller, "ada@example.com", false);
		expect(out.ok).toBe(false);
		expect(out.text).toContain("LAST_ADMIN");
		expect(out.text).not.toContain("\n");
		expect(out.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
	});
});

describe("sessions-end", () => {
	it("calls auth.endUserSessions {userId} and prints how many ended", async () => {
		const caller = fakeCaller({ "users.findByEmail": () => user(), "auth.endUserSessions": () => 3 });
		const out = await endSessions(caller, "ada@example.com");
		expect(caller.calls[1]).toEqual({ action: "auth.endUserSessions", params: { userId: "u1" }, opts: OPERATOR });
		expect(out).toEqual({ ok: true, text: "Ended 3 sessions of ada@example.com." });
	});

	it("says one session, and zero sessions", async () => {
		expect((await endSessions(fakeCaller({ "users.findByEmail": () => user(), "auth.endUserSessions": () => 1 }), "ada@example.com")).text).toBe(
			"Ended 1 session of ada@example.com."
		);
		expect((await endSessions(fakeCaller({ "users.findByEmail": () => user(), "auth.endUserSessions": () => 0 }), "ada@example.com")).text).toBe(
			"Ended 0 sessions of ada@example.com."
		);
	});

	it("reports an unreachable auth service", async () => {
		const out = await endSessions(fakeCaller({ "users.findByEmail": () => user() }), "ada@example.com");
		expect(out.ok).toBe(false);
		expect(out.text).toMatch(/^auth is unreachable: .*\(SERVICE_NOT_FOUND\)$/);
	});
});

describe("mail-failed", () => {
	const failed = [
		{ id: "d2", to: "bob@example.com", template: "welcome", status: "failed", attempts: 12, lastError: "550 Mailbox unavailable", createdAt: "2026-01-02T00:00:00.000Z" },
		{ id: "d1", to: "ada@example.com", template: "verify-email", status: "failed", attempts: 12, lastError: null, createdAt: "2026-01-01T00:00:00.000Z" }
	];

	const pageOf = (rows: typeof failed) => ({ rows, total: rows.length, page: 1, pageSize: 20, totalPages: 1 });

	it("lists failed deliveries via notifications.failedDeliveries {pageSize} as a table", async () => {
		const caller = fakeCaller({ "notifications.failedDeliveries": () => pageOf(failed) });
		const out = await listFailedMail(caller, "5");
		expect(caller.calls).toEqual([{ action: "notifications.failedDeliveries", params: { pageSize: 5 }, opts: OPERATOR }]);
		expect(out.ok).toBe(true);
		const lines = out.text.split("\n");
		expect(lines[0]).toMatch(/^id\s+to\s+template\s+attempts\s+created\s+last error$/);
		expect(lines[1]).toMatch(/^-+(\s+-+)+$/);
		expect(lines[2]).toMatch(/^d2\s+bob@example\.com\s+welcome\s+12\s+2026-01-02T00:00:00\.000Z\s+550 Mailbox unavailable$/);
		expect(lines[3]).toMatch(/^d1\s+ada@example\.com\s+verify-email\s+12\s+\S+\s+-$/);
		expect(lines[4]).toBe("2 failed deliveries. Send again with: mail-retry [id]");
	});

	it("leaves the limit to the service when none is given", async () => {
		const caller = fakeCaller({ "notifications.failedDeliveries": () => pageOf([]) });
		expect(await listFailedMail(caller)).toEqual({ ok: true, text: "No failed e-mail deliveries." });
		expect(caller.calls[0].params).toEqual({});
	});

	it("refuses a limit that is not a whole number from 1 to 100, without calling", async () => {
		for (const bad of ["abc", "0", "-3", "1.5", "101", true]) {
			const caller = fakeCaller({ "notifications.failedDeliveries": () => pageOf([]) });
			const out = await listFailedMail(caller, bad);
			expect(out).toEqual({ ok: false, text: "--limit must be a whole number from 1 to 100" });
			expect(caller.calls).toHaveLength(0);
		}
		const numeric = fakeCaller({ "notifications.failedDeliveries": () => pageOf([]) });
		await listFailedMail(numeric, 7);
		expect(numeric.calls[0].params).toEqual({ pageSize: 7 });
	});

	it("keeps each error on one line and hides credentials in it", async () => {
		const row = { ...failed[0], lastError: "connect failed smtp://bob:secret@mail.example.com\nsecond line" };
		const out = await listFailedMail(fakeCaller({ "notifications.failedDeliveries": () => pageOf([row]) }));
		expect(out.text).toContain("smtp://***@mail.example.com");
		expect(out.text).not.toContain("secret");
		expect(out.text).not.toContain("second line");
	});

	it("reports an unreachable notifications service", async () => {
		const out = await listFailedMail(fakeCaller({}));
		expect(out.ok).toBe(false);
		expect(out.text).toMatch(/^notifications is unreachable/);
	});
});

describe("mail-retry", () => {
	it("retries one delivery by id", async () => {
		const caller = fakeCaller({ "notifications.retryDeliveries": () => ({ retried: 1 }) });
		expect(await retryMail(caller, "d1")).toEqual({ ok: true, text: "Queued 1 delivery again." });
		expect(caller.calls[0]).toEqual({ action: "notifications.retryDeliveries", params: { id: "d1" }, opts: OPERATOR });
	});

	it("retries all without an id", async () => {
		const caller = fakeCaller({ "notifications.retryDeliveries": () => ({ retried: 4 }) });
		expect(await retryMail(caller)).toEqual({ ok: true, text: "Queued 4 deliveries again." });
		expect(caller.calls[0].params).toEqual({});
	});

	it("says when nothing was queued", async () => {
		const caller = fakeCaller({ "notifications.retryDeliveries": () => ({ retried: 0 }) });
		expect(await retryMail(caller, "nope")).toEqual({ ok: true, text: "No failed delivery with id nope; nothing queued." });
		expect(await retryMail(caller)).toEqual({ ok: true, text: "No failed e-mail deliveries; nothing queued." });
	});
});

describe("cluster", () => {
	const nodes = [
		{ id: "repl-1", available: true, local: true, hostname: "ops", services: [] },
		{ id: "node-a", available: true, local: false, hostname: "a.internal" },
		{ id: "node-b", available: true, local: false, hostname: "b.internal" },
		{ id: "node-c", available: false, local: false, hostname: "c.internal" }
	];
	const services = [
		{ name: "api", nodes: ["node-a"] },
		{ name: "users", nodes: ["node-a", "node-b"] },
		{ name: "auth", nodes: ["node-b", "node-c"] },
		{ name: "notifications", nodes: ["node-a"] }
	];

	it("lists nodes and their services, and checks each replica's store with a short timeout on its node", async () => {
		const caller = fakeCaller({
			"$node.list": () => nodes,
			"$node.services": () => services,
			"users.storeHealth": (_p, opts) => ({ reachable: opts?.nodeID === "node-a" }),
			"auth.storeHealth": () => ({ reachable: true }),
			"notifications.storeHealth": () => {
				throw new Errors.RequestTimeoutError({ action: "notifications.storeHealth", nodeID: "node-a" });
			}
		});
		const out = await clusterHealth(caller);
		expect(out.ok).toBe(true);
		expect(caller.calls.slice(0, 2).map(c => [c.action, c.params])).toEqual([
			["$node.list", { onlyAvailable: false }],
			["$node.services", { skipInternal: true, onlyAvailable: false }]
		]);
		const health = caller.calls.filter(c => c.action.endsWith(".storeHealth"));
		expect(health.map(c => [c.action, c.opts])).toEqual([
			["users.storeHealth", { timeout: 1000, retries: 0, nodeID: "node-a" }],
			["users.storeHealth", { timeout: 1000, retries: 0, nodeID: "node-b" }],
			["auth.storeHealth", { timeout: 1000, retries: 0, nodeID: "node-b" }],
			["notifications.storeHealth", { timeout: 1000, retries: 0, nodeID: "node-a" }]
		]);

		expect(out.text).toMatch(/^Nodes \(3 available of 4\)$/m);
		expect(out.text).toMatch(/^repl-1 \(this\)\s+available\s+ops\s+-$/m);
		expect(out.text).toMatch(/^node-a\s+available\s+a\.internal\s+api, notifications, users$/m);
		expect(out.text).toMatch(/^node-b\s+available\s+b\.internal\s+auth, users$/m);
		expect(out.text).toMatch(/^node-c\s+offline\s+c\.internal\s+auth$/m);
		expect(out.text).toMatch(/^users\s+node-a\s+reachable$/m);
		expect(out.text).toMatch(/^users\s+node-b\s+store unreachable/m);
		expect(out.text).toMatch(/^auth\s+node-b\s+reachable$/m);
		expect(out.text).toMatch(/^auth\s+node-c\s+unreachable \(node offline\)$/m);
		expect(out.text).toMatch(/^notifications\s+node-a\s+unreachable \(Request is timed out/m);
	});

	it("says unreachable for a service no node runs, and never throws", async () => {
		const caller = fakeCaller({
			"$node.list": () => [nodes[0]],
			"$node.services": () => [],
			"users.storeHealth": () => {
				throw new Error("boom");
			}
		});
		const out = await clusterHealth(caller, { timeout: 250 });
		expect(out.ok).toBe(true);
		expect(out.text).toMatch(/^users\s+-\s+unreachable \(boom\)$/m);
		expect(out.text).toMatch(/^auth\s+-\s+unreachable \(Service 'auth\.storeHealth' is not found\.\)$/m);
		expect(caller.calls.find(c => c.action === "users.storeHealth")!.opts).toEqual({ timeout: 250, retries: 0 });
	});

	it("prints one line when the node list cannot be had", async () => {
		const out = await clusterHealth(fakeCaller({}));
		expect(out.ok).toBe(false);
		expect(out.text).toMatch(/^\$node is unreachable/);
	});
});

describe("describeError, redact, formatTable", () => {
	it.each(["REQUEST_TIMEOUT", "SERVICE_NOT_AVAILABLE", "QUEUE_FULL", "SERVICE_UNAVAILABLE"])("calls a %s error unreachable, not a refusal", type => {
		expect(describeError({ message: "try later", type }, "auth.auditVerify")).toBe(`auth is unreachable: try later (${type})`);
	});

	it("names the action and the type of other errors, with validation messages but not the values", () => {
		const err = new Errors.ValidationError("Parameters validation error!", "VALIDATION_ERROR", [
			{ field: "id", message: "The 'id' field is required.", actual: "hunter2" }
		]);
		expect(describeError(err, "users.adminUpdate")).toBe("users.adminUpdate failed: The 'id' field is required. (VALIDATION_ERROR)");
		expect(describeError(new Error("plain"))).toBe("plain");
		expect(describeError("text")).toBe("text");
		expect(describeError(null)).toBe("null");
	});

	it("keeps one line and hides hashes and tokens", () => {
		const err = new Error(`bad ${HASH} and Bearer ${JWT} and /reset-password?token=abc123\n    at foo (x.ts:1:2)`);
		const text = describeError(err);
		expect(text).toBe("bad [hash] and Bearer [token] and /reset-password?token=[redacted]");
		expect(redact(`${JWT}`)).toBe("[token]");
	});

	it("pads columns to the widest cell", () => {
		expect(formatTable(["a", "bb"], [["xxx", "y"]])).toBe("a    bb\n---  --\nxxx  y");
	});
});

describe("replCommands (moleculer-repl customCommands)", () => {
	it("declares every command with a description", () => {
		const commands = replCommands();
		expect(commands.map(c => c.command)).toEqual([
			"user <email>",
			"create-user <email>",
			"verify-user <email>",
			"send-reset <email>",
			"delete-user <email>",
			"user-disable <email>",
			"user-enable <email>",
			"admin-grant <email>",
			"admin-revoke <email>",
			"sessions-end <email>",
			"mail-failed",
			"mail-retry [id]",
			"throttle-clear <target>",
			"mfa-reset <email>",
			"audit-verify",
			"oidc-client-add <name> <redirectUri>",
			"oidc-clients",
			"oidc-client-remove <clientId>",
			"cluster"
		]);
		for (const c of commands) {
			expect(typeof c.description).toBe("string");
			expect(c.description!.length).toBeGreaterThan(10);
			expect(typeof c.action).toBe("function");
		}
		expect(commands.find(c => c.command === "mail-failed")!.options).toEqual([{ option: "-l, --limit <n>", description: expect.stringMatching(/1-100,/) }]);
	});

	/** Runs a command the way moleculer-repl does: action(broker, { ...namedArgs, options }, helpers). */
	async function run(name: string, broker: Caller, args: Record<string, unknown>) {
		const printed: Array<[string, string]> = [];
		const out = { log: (t: string) => printed.push(["log", t]), error: (t: string) => printed.push(["error", t]) };
		const command = replCommands(out).find(c => c.command.split(" ")[0] === name)!;
		await command.action(broker as any, args as any, {});
		return printed;
	}

	it("passes the REPL's arguments and prints the result (errors to stderr, in one line)", async () => {
		const caller = fakeCaller({ "users.findByEmail": p => (p.email === "ada@example.com" ? user() : null), "notifications.failedDeliveries": () => ({ rows: [], total: 0, page: 1, pageSize: 20, totalPages: 0 }) });
		expect(await run("user", caller, { email: "ada@example.com", options: {}, rawCommand: "user ada@example.com" })).toEqual([
			["log", expect.stringMatching(/^id\s+u1\n/)]
		]);
		expect(await run("user-disable", caller, { email: "x@example.com", options: {} })).toEqual([["error", "No user with that e-mail: x@example.com"]]);
		await run("mail-failed", caller, { options: { limit: "3" } });
		expect(caller.calls.at(-1)).toEqual({ action: "notifications.failedDeliveries", params: { pageSize: 3 }, opts: OPERATOR });
	});

	it("hands mail-retry its optional id", async () => {
		const caller = fakeCaller({ "notifications.retryDeliveries": () => ({ retried: 0 }) });
		await run("mail-retry", caller, { id: "d9", options: {} });
		await run("mail-retry", caller, { options: {} });
		expect(caller.calls.map(c => c.params)).toEqual([{ id: "d9" }, {}]);
	});

	it("printOutput turns even an unexpected throw into one line", async () => {
		const printed: string[] = [];
		await printOutput(
			async () => {
				throw new Error("unexpected\n    at somewhere (file.ts:1:1)");
			},
			{ log: t => printed.push(t), error: t => printed.push(`E:${t}`) }
		);
		expect(printed).toEqual(["E:unexpected"]);
	});
});

describe("throttle-clear", () => {
	it("clears an address lock or an IP limit, as the operator, saying whether anything was locked", async () => {
		const found = [
			{ addressLocked: true, ipLimited: null },
			{ addressLocked: null, ipLimited: true },
			{ addressLocked: false, ipLimited: null },
			{ addressLocked: null, ipLimited: false }
		];
		const caller = fakeCaller({ "auth.clearThrottle": () => found.shift() });
		expect(await clearThrottle(caller, " Ada@example.com ")).toEqual({ ok: true, text: "Login lock of Ada@example.com lifted: it was locked." });
		expect(await clearThrottle(caller, "203.0.113.7")).toEqual({ ok: true, text: "Request limit of 203.0.113.7 lifted: it was at its limit." });
		expect(await clearThrottle(caller, "bob@example.com")).toEqual({ ok: true, text: "bob@example.com was not locked; its count of failed sign-ins was reset." });
		expect(await clearThrottle(caller, "2001:db8::1")).toEqual({ ok: true, text: "2001:db8::1 was not at its request limit; its count was reset." });
		expect(caller.calls.map(c => c.params)).toEqual([{ email: "Ada@example.com" }, { ip: "203.0.113.7" }, { email: "bob@example.com" }, { ip: "2001:db8::1" }]);
		expect(caller.calls.every(c => c.opts === OPERATOR)).toBe(true);
	});

	it("refuses an empty target without calling anything, and reports a refusal in one line", async () => {
		const empty = fakeCaller({});
		expect(await clearThrottle(empty, "  ")).toEqual({ ok: false, text: "Give an e-mail address or an IP address" });
		expect(empty.calls).toHaveLength(0);
		const refused = fakeCaller({ "auth.clearThrottle": () => { throw apiError("FORBIDDEN"); } });
		const out = await clearThrottle(refused, "a@b.co");
		expect(out.ok).toBe(false);
		expect(out.text).toMatch(/FORBIDDEN/);
		expect(out.text).not.toMatch(/\n/);
	});
});

describe("audit-verify", () => {
	it("reports an intact chain", async () => {
		const caller = fakeCaller({ "auth.auditVerify": () => ({ ok: true, checked: 3 }) });
		expect(await verifyAudit(caller)).toEqual({ ok: true, text: "Audit trail intact: 3 entries checked." });
		expect(caller.calls[0].opts).toBe(OPERATOR);
	});

	it("reports where the chain breaks", async () => {
		const caller = fakeCaller({ "auth.auditVerify": () => ({ ok: false, checked: 4, brokenAt: 5, reason: "entry 5 was altered" }) });
		const out = await verifyAudit(caller);
		expect(out.ok).toBe(false);
		expect(out.text).toBe("Audit trail BROKEN at entry 5: entry 5 was altered (4 entries before it are intact)");
	});
});

const ADA = { id: "u-ada", email: "ada@example.com", displayName: "Ada", roles: ["user"], status: "active", emailVerified: false };

describe("the operator's identity", () => {
	it("is a signed assertion naming the OS user and host, added by the commands' calls, and nothing else", async () => {
		expect(localOperator().name).toMatch(/^[\w.-]+@[\w.-]+$/);
		const caller = fakeCaller({ "auth.auditVerify": () => ({ ok: true, checked: 0 }) });
		enableOperators(caller, name => `signed:${name}`);
		await verifyAudit(caller);
		expect(caller.calls[0].opts?.meta).toEqual({ operatorAssertion: `signed:${localOperator().name}` });
	});

	it("is stamped by the REPL's broker on the calls typed at its console ($repl), never on the node's own calls", async () => {
		const seen: Array<Record<string, unknown> | undefined> = [];
		type Opts = { meta?: Record<string, unknown>; parentCtx?: unknown };
		const mw = OperatorCallMiddleware({ name: "ops@host" }) as unknown as { created: (broker: object) => void; call: (next: (a: string, p: unknown, o?: Opts) => Promise<unknown>) => (a: string, p: unknown, o?: Opts) => Promise<unknown> };
		const broker = {};
		enableOperators(broker, name => `signed:${name}`);
		mw.created(broker);
		const call = mw.call(async (_a, _p, o) => seen.push(o?.meta));
		await call("users.list", {}, { meta: { $repl: true } });
		await call("users.list", {}, {});
		await call("users.list", {}, { meta: { $repl: true }, parentCtx: {} });
		expect(seen).toEqual([{ $repl: true, operatorAssertion: "signed:ops@host" }, undefined, { $repl: true }]);
	});

	it("is not stamped by a broker that cannot sign (no signing key): the call goes as typed", async () => {
		const seen: Array<Record<string, unknown> | undefined> = [];
		const mw = OperatorCallMiddleware({ name: "ops@host" }) as unknown as { created: (broker: object) => void; call: (next: (a: string, p: unknown, o?: { meta?: Record<string, unknown> }) => Promise<unknown>) => (a: string, p: unknown, o?: { meta?: Record<string, unknown> }) => Promise<unknown> };
		mw.created({});
		await mw.call(async (_a, _p, o) => seen.push(o?.meta))("users.list", {}, { meta: { $repl: true } });
		expect(seen).toEqual([{ $repl: true }]);
	});
});

describe("create-user", () => {
	it("registers with a password nobody sees, makes an admin when asked, and sends the reset link", async () => {
		const caller = fakeCaller({
			"auth.register": () => ADA,
			"users.adminUpdate": p => ({ ...ADA, roles: p.roles }),
			"auth.forgotPassword": () => null
		});
		const out = await createUser(caller, " ada@example.com ", { name: " Ada ", admin: true });
		expect(out).toEqual({
			ok: true,
			text: "Created ada@example.com (id u-ada, roles: user, admin). E-mails sent to them: a link to choose a password, and one to confirm the address (or run verify-user ada@example.com)."
		});
		expect(caller.calls.map(c => c.action)).toEqual(["auth.register", "users.adminUpdate", "auth.forgotPassword"]);
		const password = caller.calls[0].params.password as string;
		expect(password).toMatch(/^[\w-]{43}$/);
		expect(out.text).not.toContain(password);
		expect(caller.calls[0].params).toMatchObject({ email: "ada@example.com", displayName: "Ada" });
		expect(caller.calls.every(c => c.opts === OPERATOR)).toBe(true);
	});

	it("reports a taken address in one line", async () => {
		const caller = fakeCaller({ "auth.register": () => { throw apiError("EMAIL_TAKEN"); } });
		const out = await createUser(caller, "ada@example.com");
		expect(out.ok).toBe(false);
		expect(out.text).toMatch(/^auth\.register failed: .*\(EMAIL_TAKEN\)$/);
	});
});

describe("verify-user, send-reset, delete-user", () => {
	it("verify-user marks the address confirmed and records it; an already verified user is left alone", async () => {
		const caller = fakeCaller({ "users.findByEmail": () => ADA, "users.markVerified": () => ({ ...ADA, emailVerified: true }), "auth.recordAudit": () => null });
		expect(await verifyUser(caller, "ada@example.com")).toEqual({ ok: true, text: "Verified ada@example.com: they can sign in." });
		expect(caller.calls.slice(1).map(c => [c.action, c.params])).toEqual([
			["users.markVerified", { id: "u-ada" }],
			["auth.recordAudit", { type: "email.verify", subjectId: "u-ada" }]
		]);
		const verified = fakeCaller({ "users.findByEmail": () => ({ ...ADA, emailVerified: true }) });
		expect(await verifyUser(verified, "ada@example.com")).toEqual({ ok: true, text: "ada@example.com is already verified; nothing changed." });
		expect(verified.calls).toHaveLength(1);
	});

	it("send-reset sends the reset e-mail of a known user only", async () => {
		const caller = fakeCaller({ "users.findByEmail": () => ADA, "auth.forgotPassword": () => null });
		expect(await sendReset(caller, "ada@example.com")).toEqual({ ok: true, text: "A password-reset link was sent to ada@example.com (valid for 30 minutes, once)." });
		expect(caller.calls[1]).toMatchObject({ action: "auth.forgotPassword", params: { email: "ada@example.com" } });
		const nobody = fakeCaller({ "users.findByEmail": () => null });
		expect(await sendReset(nobody, "x@example.com")).toEqual({ ok: false, text: "No user with that e-mail: x@example.com" });
	});

	it("delete-user removes the account as an admin would; LAST_ADMIN is refused in one line", async () => {
		const caller = fakeCaller({ "users.findByEmail": () => ADA, "users.remove": () => null });
		expect(await deleteUser(caller, "ada@example.com")).toEqual({ ok: true, text: "Deleted ada@example.com (id u-ada): the account, its sessions and its notifications are gone." });
		expect(caller.calls[1]).toMatchObject({ action: "users.remove", params: { id: "u-ada" }, opts: OPERATOR });
		const last = fakeCaller({ "users.findByEmail": () => ADA, "users.remove": () => { throw apiError("LAST_ADMIN"); } });
		expect((await deleteUser(last, "ada@example.com")).text).toMatch(/^Refused: .* \(LAST_ADMIN\)$/);
	});
});

describe("PromptAwareOutput", () => {
	function fakeStream(isTTY: boolean) {
		const written: string[] = [];
		return { written, stream: { isTTY, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream };
	}
	function fakeServer() {
		const server = {
			prompts: 0,
			eval: (_c: string, _x: unknown, _f: string, done: (e: Error | null, r?: unknown) => void) => setImmediate(() => done(null)),
			displayPrompt() {
				server.prompts++;
			},
			once() {
				return server;
			}
		};
		return server;
	}

	it("before the prompt is up, writes plain lines", () => {
		const { written, stream } = fakeStream(false);
		new PromptAwareOutput(stream).write("hello");
		expect(written).toEqual(["hello\n"]);
	});

	it("while the prompt waits: a pipe gets the prompt line ended, a terminal gets it cleared; the prompt is shown again", () => {
		for (const [tty, first] of [[false, "\n"], [true, "\r\x1b[2K"]] as const) {
			const { written, stream } = fakeStream(tty);
			const out = new PromptAwareOutput(stream);
			const server = fakeServer();
			out.attach(server as never);
			out.write("a log line");
			expect(written).toEqual([first, "a log line\n"]);
			expect(server.prompts).toBe(1);
		}
	});

	it("while a command runs, writes whole lines beside its output and shows no prompt", async () => {
		const { written, stream } = fakeStream(false);
		const out = new PromptAwareOutput(stream);
		const server = fakeServer();
		out.attach(server as never);
		const finished = new Promise(resolve => (server.eval as unknown as (c: string, x: unknown, f: string, d: () => void) => void)("call x", {}, "repl", () => resolve(undefined)));
		out.write("during");
		out.write("again");
		// In a pipe the command typed is not echoed: the first line during it ends the prompt's line.
		expect(written).toEqual(["\n", "during\n", "again\n"]);
		expect(server.prompts).toBe(0);
		await finished;
		out.write("after");
		expect(server.prompts).toBe(1);
	});
});
