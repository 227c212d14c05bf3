import { UNAVAILABLE_TYPES } from "../lib/errors";
import { localOperator } from "../lib/operator";
import { operatorMeta } from "../lib/tokens/operator";

/**
 * What every operator command is built on. Each command is a plain function of a small "caller" (a
 * ServiceBroker is one) returning the text to print, so it is tested without a REPL. A command never throws:
 * a refusal or an unreachable service becomes one clear line (`ok: false`), never a stack trace, and no
 * output carries a password hash or a token.
 */

/** The calling options the commands use (a subset of Moleculer's CallingOptions). */
export interface CallOptions {
	timeout?: number;
	retries?: number;
	nodeID?: string;
	meta?: Record<string, unknown>;
}

/**
 * Admin-only actions check the caller's roles; the REPL calls them as its operator (`<os user>@<host>`,
 * lib/operator.ts, recorded as `operator:<name>` in the audit trail), proven by an assertion signed with the
 * node's signing key (lib/tokens/operator.ts): `call` adds it for these options. A `meta.user` would be
 * refused: identity on the bus is proven (CONTRACT §7).
 */
export const OPERATOR: CallOptions = { meta: {} };

/** Who the operator commands act for: this process's operator. */
const OPERATOR_NAME = localOperator().name;

/** What the commands need of a broker. */
export interface Caller {
	call<T>(action: string, params: object, opts?: CallOptions): Promise<T>;
}

/** What a command prints: `ok: false` is a one-line error. */
export interface CommandOutput {
	ok: boolean;
	text: string;
}

const MAX_LINE = 300;

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

export function oneLine(text: string): string {
	const line = text.split(/\r?\n/)[0].trim();
	return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
}

export interface ErrorLike {
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
export async function call<T>(caller: Caller, action: string, params: object, opts?: CallOptions): Promise<T> {
	try {
		const proof = opts === OPERATOR ? operatorMeta(caller, OPERATOR_NAME) : undefined;
		return await caller.call<T>(action, params, proof ? { ...opts, meta: { ...opts?.meta, ...proof } } : opts);
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
export async function command(body: () => Promise<string>): Promise<CommandOutput> {
	try {
		return ok(await body());
	} catch (err) {
		return fail(err);
	}
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
