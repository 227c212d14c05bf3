import { PAGING_PARAMS } from "../lib/params";
import type { Page } from "../lib/types";
import { call, command, OPERATOR, CommandError, formatTable, oneLine, type Caller, type CommandOutput } from "./command";

/** Operator commands on the e-mail queue: what gave up, and sending it again. */

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

/** One page of `notifications.failedDeliveries` (PAGING_PARAMS: at most 100). */
export const FAILED_LIMIT_MAX = PAGING_PARAMS.pageSize.max;

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
		const page = await call<Page<FailedDelivery>>(caller, "notifications.failedDeliveries", n === undefined ? {} : { pageSize: n }, OPERATOR);
		const rows = Array.isArray(page?.rows) ? page.rows : [];
		if (rows.length === 0) return "No failed e-mail deliveries.";
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
		const { retried } = await call<{ retried: number }>(caller, "notifications.retryDeliveries", one ? { id: one } : {}, OPERATOR);
		if (!retried) return one ? `No failed delivery with id ${one}; nothing queued.` : "No failed e-mail deliveries; nothing queued.";
		return `Queued ${retried} deliver${retried === 1 ? "y" : "ies"} again.`;
	});
}
