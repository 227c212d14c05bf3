import type { ReplOptions, ServiceBroker } from "moleculer";
import { UNAVAILABLE_TYPES } from "./errors";
import type { Role, UserStatus } from "./enums";
import type { PublicUser } from "./user-schema";

/**
 * Operator commands for the REPL (`npm run repl`). Each command is a plain function of a small "caller"
 * (a ServiceBroker is one) returning the text to print, so it is tested without a REPL. A command never
 * throws: a refusal or an unreachable service becomes one clear line (`ok: false`), never a stack trace,
 * and no output carries a password hash or a token.
 */

/** The calling options the commands use (a subset of Moleculer's CallingOptions). */
export interface CallOptions {
	timeout?: number;
	retries?: number;
	nodeID?: string;
	meta?: Record<string, unknown>;
}

/**
 * Admin-only actions check the caller's roles; the REPL calls them as "operator" (recorded as the actor in
 * the audit trail). Whoever runs a REPL on the cluster's bus is an operator already.
 */
export const OPERATOR: CallOptions = { meta: { user: { id: "operator", sid: "repl", roles: ["admin"] } } };

/** What the commands need of a broker. */
export interface Caller {
	call<T>(action: string, params: object, opts?: CallOptions): Promise<T>;
}

/** What a command prints: `ok: false` is a one-line error. */
export interface CommandOutput {
	ok: boolean;
	text: string;
}

/** A failed delivery as `notifications.failedDeliveries` lists it (never its template data). */
export interface FailedDelivery {
	id: string;
	to: string;
	template: string;
	status: string;
	attempts: number;
	lastError: string | null;
	createdAt: string;
}

export interface ClusterOptions {
	/** Per storeHealth call, in ms. */
	timeout?: number;
	/** The services whose store reachability is reported. */
	services?: readonly string[];
}

export const NO_USER = "No user with that e-mail";
export const STORE_SERVICES = ["users", "auth", "notifications"] as const;
export const HEALTH_TIMEOUT_MS = 1_000;
const FAILED_LIMIT_MAX = 1000;
const MAX_LINE = 300;

const ADMIN_ROLES: Role[] = ["user", "admin"];
const USER_ROLES: Role[] = ["user"];

/** Broker error types that mean the service could not be reached (rather than that it refused). */
const UNREACHABLE_TYPES = new Set([...UNAVAILABLE_TYPES, "SERVICE_NOT_FOUND", "BROKER_DISCONNECTED"]);

/** What the printed text must never contain, whatever an error message carries. */
const SECRETS: Array<[RegExp, string]> = [
	[/\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{20,}/g, "[hash]"], // bcrypt
	[/\beyJ[\w-]+\.[\w-]+\.[\w-]*/g, "[token]"], // JWT
	[/\b(bearer)\s+\S+/gi, "$1 [token]"],
	[/([?&](?:token|code|secret|password)=)[^&\s]+/gi, "$1[redacted]"],
	[/\/\/[^@\s/]+@/g, "//***@"] // credentials in a URL
];

/** Hides hashes, tokens and URL credentials. */
export function redact(text: string): string {
	return SECRETS.reduce((acc, [pattern, replacement]) => acc.replace(pattern, replacement), text);
}

function oneLine(text: string): string {
	const line = text.split(/\r?\n/)[0].trim();
	return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
}

interface ErrorLike {
	message?: unknown;
	type?: unknown;
	data?: unknown;
}

/** A call failed: why, in one line. */
export class CommandError extends Error {}

/** One line for any thrown value: the service's message and type; "unreachable" when it could not be called. */
export function describeError(err: unknown, action?: string): string {
	if (err instanceof CommandError) return oneLine(redact(err.message));
	const e: ErrorLike = err !== null && typeof err === "object" ? (err as ErrorLike) : { message: String(err) };
	const type = typeof e.type === "string" ? e.type : undefined;
	let message = typeof e.message === "string" && e.message ? e.message : "unknown error";
	if (type === "VALIDATION_ERROR" && Array.isArray(e.data)) {
		// Field messages only: `actual` would echo the values sent.
		const details = (e.data as Array<{ message?: unknown }>).map(d => d.message).filter((m): m is string => typeof m === "string");
		if (details.length > 0) message = details.join(" ");
	}
	const service = action?.split(".")[0];
	const text =
		type !== undefined && UNREACHABLE_TYPES.has(type)
			? `${service ?? "The service"} is unreachable: ${message} (${type})`
			: type === "LAST_ADMIN"
				? `Refused: ${message} (LAST_ADMIN)`
				: `${action ? `${action} failed: ` : ""}${message}${type ? ` (${type})` : ""}`;
	return oneLine(redact(text));
}

/** Calls an action; a failure becomes a CommandError with a one-line message. */
async function call<T>(caller: Caller, action: string, params: object, opts?: CallOptions): Promise<T> {
	try {
		return await caller.call<T>(action, params, opts);
	} catch (err) {
		throw new CommandError(describeError(err, action));
	}
}

function ok(text: string): CommandOutput {
	return { ok: true, text: redact(text) };
}

function fail(err: unknown): CommandOutput {
	return { ok: false, text: describeError(err) };
}

/** Runs a command body; any failure is one line. */
async function command(body: () => Promise<string>): Promise<CommandOutput> {
	try {
		return ok(await body());
	} catch (err) {
		return fail(err);
	}
}

function cleanEmail(email: unknown): string {
	const value = typeof email === "string" ? email.trim() : "";
	if (!value) throw new CommandError("Give an e-mail address, e.g. ada@example.com");
	return value;
}

async function findUser(caller: Caller, email: unknown): Promise<PublicUser> {
	const address = cleanEmail(email);
	const user = await call<PublicUser | null>(caller, "users.findByEmail", { email: address });
	if (!user) throw new CommandError(`${NO_USER}: ${address}`);
	return user;
}

/** Plain-text table: a header row, a rule, the rows; columns padded to their widest cell. */
export function formatTable(headers: string[], rows: string[][]): string {
	const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? "").length)));
	const line = (cells: string[]) =>
		cells
			.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
			.join("  ")
			.trimEnd();
	return [line(headers), line(widths.map(w => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The public user as "field  value" lines: only the contract's fields, whatever else the object holds. */
export function formatUser(user: PublicUser): string {
	const fields: Array<[string, unknown]> = [
		["id", user.id],
		["email", user.email],
		["displayName", user.displayName],
		["roles", Array.isArray(user.roles) ? user.roles.join(", ") : user.roles],
		["status", user.status],
		["emailVerified", user.emailVerified],
		["locale", user.locale],
		["timezone", user.timezone],
		["bio", user.bio],
		["avatarUrl", user.avatarUrl],
		["createdAt", user.createdAt],
		["updatedAt", user.updatedAt],
		["lastLoginAt", user.lastLoginAt]
	];
	const width = Math.max(...fields.map(([k]) => k.length));
	return fields.map(([k, v]) => `${k.padEnd(width)}  ${v === null || v === undefined || v === "" ? "-" : String(v)}`).join("\n");
}

const isAdmin = (user: PublicUser) => Array.isArray(user.roles) && user.roles.includes("admin");

// --- The commands ---

/** `user <email>`: the public user. */
export function showUser(caller: Caller, email: unknown): Promise<CommandOutput> {
	return command(async () => formatUser(await findUser(caller, email)));
}

/** `user-disable` / `user-enable`: through users.adminUpdate (last-admin guard; disabling ends the sessions). */
export function setUserStatus(caller: Caller, email: unknown, status: UserStatus): Promise<CommandOutput> {
	return command(async () => {
		const user = await findUser(caller, email);
		if (user.status === status) return `${user.email} is already ${status}; nothing changed.`;
		const updated = await call<PublicUser>(caller, "users.adminUpdate", { id: user.id, status });
		return status === "disabled"
			? `Disabled ${updated.email}: they can no longer sign in, and their sessions were ended.`
			: `Enabled ${updated.email}: they can sign in again.`;
	});
}

/** `admin-grant` / `admin-revoke`: roles through users.adminUpdate (last-admin guard; a role change ends the sessions). */
export function setAdmin(caller: Caller, email: unknown, grant: boolean): Promise<CommandOutput> {
	return command(async () => {
		const user = await findUser(caller, email);
		if (isAdmin(user) === grant) return `${user.email} ${grant ? "is already" : "is not"} an admin; nothing changed.`;
		const updated = await call<PublicUser>(caller, "users.adminUpdate", { id: user.id, roles: grant ? ADMIN_ROLES : USER_ROLES });
		return `${updated.email} ${grant ? "is now an admin" : "is no longer an admin"} (roles: ${updated.roles.join(", ")}); their sessions were ended, so the change applies when they sign in again.`;
	});
}

/** `sessions-end <email>`: every live session of the user, through auth.endUserSessions. */
export function endSessions(caller: Caller, email: unknown): Promise<CommandOutput> {
	return command(async () => {
		const user = await findUser(caller, email);
		const ended = await call<number>(caller, "auth.endUserSessions", { userId: user.id });
		const count = typeof ended === "number" ? ended : 0;
		return `Ended ${count} session${count === 1 ? "" : "s"} of ${user.email}.`;
	});
}

function parseLimit(limit: unknown): number | undefined {
	if (limit === undefined || limit === null || limit === "") return undefined;
	const n = typeof limit === "number" ? limit : typeof limit === "string" && /^\s*\d+\s*$/.test(limit) ? Number(limit) : NaN;
	if (!Number.isInteger(n) || n < 1 || n > FAILED_LIMIT_MAX) throw new CommandError(`--limit must be a whole number from 1 to ${FAILED_LIMIT_MAX}`);
	return n;
}

/** `mail-failed [--limit N]`: e-mails that gave up, newest first. */
export function listFailedMail(caller: Caller, limit?: unknown): Promise<CommandOutput> {
	return command(async () => {
		const n = parseLimit(limit);
		const rows = await call<FailedDelivery[]>(caller, "notifications.failedDeliveries", n === undefined ? {} : { limit: n });
		if (!Array.isArray(rows) || rows.length === 0) return "No failed e-mail deliveries.";
		const table = formatTable(
			["id", "to", "template", "attempts", "created", "last error"],
			rows.map(d => [d.id, d.to, d.template, String(d.attempts), d.createdAt, oneLine(d.lastError ?? "-")])
		);
		return `${table}\n${rows.length} failed deliver${rows.length === 1 ? "y" : "ies"}. Send again with: mail-retry [id]`;
	});
}

/** `mail-retry [id]`: one failed e-mail, or all, queued again with a fresh set of attempts. */
export function retryMail(caller: Caller, id?: unknown): Promise<CommandOutput> {
	return command(async () => {
		const one = typeof id === "string" && id.trim() ? id.trim() : undefined;
		const { retried } = await call<{ retried: number }>(caller, "notifications.retryDeliveries", one ? { id: one } : {});
		if (!retried) return one ? `No failed delivery with id ${one}; nothing queued.` : "No failed e-mail deliveries; nothing queued.";
		return `Queued ${retried} deliver${retried === 1 ? "y" : "ies"} again.`;
	});
}

/** `throttle-clear <email|ip>`: lifts an address's login lock or a client IP's request limit. */
export function clearThrottle(caller: Caller, target: unknown): Promise<CommandOutput> {
	return command(async () => {
		const value = typeof target === "string" ? target.trim() : "";
		if (!value) throw new CommandError("Give an e-mail address or an IP address");
		const params = value.includes("@") ? { email: value } : { ip: value };
		await call(caller, "auth.clearThrottle", params, OPERATOR);
		return value.includes("@") ? `Login lock of ${value} lifted.` : `Request limit of ${value} lifted.`;
	});
}

/** `audit-verify`: checks the audit trail's hash chain end to end. */
export function verifyAudit(caller: Caller): Promise<CommandOutput> {
	return command(async () => {
		const verdict = await call<{ ok: boolean; checked: number; brokenAt?: number; reason?: string }>(caller, "auth.auditVerify", {}, OPERATOR);
		if (verdict.ok) return `Audit trail intact: ${verdict.checked} entr${verdict.checked === 1 ? "y" : "ies"} checked.`;
		throw new CommandError(`Audit trail BROKEN at entry ${verdict.brokenAt}: ${verdict.reason} (${verdict.checked} entries before it are intact)`);
	});
}

interface NodeInfo {
	id: string;
	available: boolean;
	local: boolean;
	hostname: string | null;
}

interface ServiceInfo {
	name: string;
	nodes: string[];
}

function asNodes(value: unknown): NodeInfo[] {
	if (!Array.isArray(value)) return [];
	return value
		.filter((n): n is Record<string, unknown> => n !== null && typeof n === "object" && typeof (n as { id?: unknown }).id === "string")
		.map(n => ({ id: n.id as string, available: n.available !== false, local: n.local === true, hostname: typeof n.hostname === "string" ? n.hostname : null }));
}

function asServices(value: unknown): ServiceInfo[] {
	if (!Array.isArray(value)) return [];
	return value
		.filter((s): s is Record<string, unknown> => s !== null && typeof s === "object" && typeof (s as { name?: unknown }).name === "string")
		.map(s => ({
			name: s.name as string,
			nodes: Array.isArray(s.nodes) ? s.nodes.filter((n): n is string => typeof n === "string") : typeof s.nodeID === "string" ? [s.nodeID] : []
		}));
}

/** One store check: never throws. */
async function storeState(caller: Caller, service: string, nodeID: string | undefined, timeout: number): Promise<string> {
	try {
		const res = await caller.call<{ reachable?: unknown }>(`${service}.storeHealth`, {}, { timeout, retries: 0, ...(nodeID ? { nodeID } : {}) });
		return res && res.reachable === true ? "reachable" : "store unreachable (the service answers, its database does not)";
	} catch (err) {
		const e = err as ErrorLike;
		return `unreachable (${oneLine(redact(typeof e?.message === "string" ? e.message : String(err)))})`;
	}
}

/** `cluster`: the nodes, what runs where, and whether each replica of users/auth/notifications reaches its store. */
export function clusterHealth(caller: Caller, opts: ClusterOptions = {}): Promise<CommandOutput> {
	const timeout = opts.timeout ?? HEALTH_TIMEOUT_MS;
	const checked = opts.services ?? STORE_SERVICES;
	return command(async () => {
		const nodes = asNodes(await call<unknown>(caller, "$node.list", { onlyAvailable: false }));
		const services = asServices(await call<unknown>(caller, "$node.services", { skipInternal: true, onlyAvailable: false }));
		const byNode = new Map<string, string[]>();
		for (const s of services) for (const n of s.nodes) byNode.set(n, [...(byNode.get(n) ?? []), s.name]);

		const nodeRows = nodes.map(n => [
			n.local ? `${n.id} (this)` : n.id,
			n.available ? "available" : "offline",
			n.hostname ?? "-",
			(byNode.get(n.id) ?? []).sort().join(", ") || "-"
		]);
		const available = new Map(nodes.map(n => [n.id, n.available]));

		const checks: Array<Promise<string[]>> = [];
		for (const name of checked) {
			const runners = services.find(s => s.name === name)?.nodes ?? [];
			if (runners.length === 0) {
				checks.push(storeState(caller, name, undefined, timeout).then(state => [name, "-", state]));
				continue;
			}
			for (const nodeID of runners) {
				checks.push(
					available.get(nodeID) === false
						? Promise.resolve([name, nodeID, "unreachable (node offline)"])
						: storeState(caller, name, nodeID, timeout).then(state => [name, nodeID, state])
				);
			}
		}
		const healthRows = await Promise.all(checks);
		const up = nodes.filter(n => n.available).length;
		return [
			`Nodes (${up} available of ${nodes.length})`,
			formatTable(["node", "status", "host", "services"], nodeRows),
			"",
			"Stores",
			formatTable(["service", "node", "state"], healthRows)
		].join("\n");
	});
}

// --- The REPL wiring ---

/** A moleculer-repl custom command (moleculer's ReplOptions["customCommands"] item). */
export type ReplCommand = NonNullable<ReplOptions["customCommands"]>[number];

/** What moleculer-repl passes as `args`: the named arguments and `options` (typed loosely upstream). */
interface ReplArgs {
	options?: Record<string, unknown>;
	[name: string]: unknown;
}

function replArgs(args: unknown): ReplArgs {
	return args !== null && typeof args === "object" ? (args as ReplArgs) : {};
}

export interface Printer {
	log(text: string): void;
	error(text: string): void;
}

/** Prints a command's output; anything unexpected still prints one line. */
export async function printOutput(run: () => Promise<CommandOutput>, out: Printer = console): Promise<void> {
	try {
		const result = await run();
		if (result.ok) out.log(result.text);
		else out.error(result.text);
	} catch (err) {
		out.error(describeError(err));
	}
}

function define(
	command: string,
	description: string,
	run: (broker: Caller, args: ReplArgs) => Promise<CommandOutput>,
	extra: Partial<Pick<ReplCommand, "options" | "alias">> = {},
	out?: Printer
): ReplCommand {
	return {
		command,
		description,
		...extra,
		action: (broker: ServiceBroker, args: unknown) => printOutput(() => run(broker, replArgs(args)), out)
	};
}

/** The operator commands, as moleculer-repl custom commands (`replOptions.customCommands`). */
export function replCommands(out?: Printer): ReplCommand[] {
	return [
		define("user <email>", "Show a user by e-mail address", (b, a) => showUser(b, a.email), {}, out),
		define("user-disable <email>", "Disable a user: sign-in refused, sessions ended (never the last admin)", (b, a) => setUserStatus(b, a.email, "disabled"), {}, out),
		define("user-enable <email>", "Enable a disabled user again", (b, a) => setUserStatus(b, a.email, "active"), {}, out),
		define("admin-grant <email>", "Make a user an admin (their sessions end; they sign in again)", (b, a) => setAdmin(b, a.email, true), {}, out),
		define("admin-revoke <email>", "Take the admin role from a user (never the last admin)", (b, a) => setAdmin(b, a.email, false), {}, out),
		define("sessions-end <email>", "End every session of a user at once", (b, a) => endSessions(b, a.email), {}, out),
		define(
			"mail-failed",
			"List e-mail deliveries that gave up, newest first",
			(b, a) => listFailedMail(b, a.options?.limit),
			{ options: [{ option: "-l, --limit <n>", description: `How many to list (1-${FAILED_LIMIT_MAX}, default 50)` }] },
			out
		),
		define("mail-retry [id]", "Send failed e-mails again: the one with this id, or all", (b, a) => retryMail(b, a.id), {}, out),
		define("throttle-clear <target>", "Lift the login lock of an e-mail address, or the request limit of an IP", (b, a) => clearThrottle(b, a.target), {}, out),
		define("audit-verify", "Check the audit trail's hash chain: reports the first removed or altered entry", b => verifyAudit(b), {}, out),
		define("cluster", "Cluster health: nodes, services per node, store reachability of users/auth/notifications", b => clusterHealth(b), {}, out)
	];
}
