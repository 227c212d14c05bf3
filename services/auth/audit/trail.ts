/**
 * The audit trail of security events, hash-chained (./chain.ts) so that a removed or altered entry is
 * detectable. Each append takes the next `seq` (unique), so concurrent appends from several replicas
 * serialise by retrying.
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../../../lib/clock";
import { isDuplicateKeyError, type Collection, type Filter } from "../../../lib/collection";
import type { AppMeta, Page } from "../../../lib/types";
import { GENESIS_HASH, auditHash, toAuditView, verifyChain, type AuditEvent, type AuditRecord, type AuditView, type ChainVerdict } from "./chain";

/** What a caller says of an event; who, from where and when are filled in from the request. */
export type AuditInput = Pick<AuditEvent, "type"> & Partial<Omit<AuditEvent, "type">>;

export interface AuditQuery {
	userId?: string;
	type?: string;
	from?: string;
	to?: string;
	page: number;
	pageSize: number;
}

const VERIFY_PAGE = 1000;
const APPEND_ATTEMPTS = 50;

/** The event as recorded: the caller's words, completed from the request (the signed-in user, IP, agent). */
export function auditEvent(input: AuditInput, meta: Pick<AppMeta, "user" | "clientIp" | "userAgent">): AuditEvent {
	return {
		type: input.type,
		outcome: input.outcome ?? "success",
		actorId: input.actorId !== undefined ? input.actorId : (meta.user?.id ?? null),
		subjectId: input.subjectId ?? null,
		ip: input.ip ?? meta.clientIp ?? null,
		userAgent: (input.userAgent ?? meta.userAgent ?? null)?.slice(0, 512) ?? null,
		details: input.details ?? {}
	};
}

/** Appends to the trail. Never throws: a request is not failed for its audit entry (`onError` logs it). */
export async function appendAudit(log: Collection<AuditRecord>, clock: Clock, event: AuditEvent, onError: (message: string) => void): Promise<void> {
	for (let attempt = 1; attempt <= APPEND_ATTEMPTS; attempt++) {
		try {
			const [last] = await log.find({}, { sort: ["-seq"], limit: 1 });
			const entry = { ...event, seq: (last?.seq ?? 0) + 1, at: new Date(clock.now()), prevHash: last?.hash ?? GENESIS_HASH };
			await log.insert({ _id: randomUUID(), ...entry, hash: auditHash(entry) });
			return;
		} catch (err) {
			// Another replica took this `seq`: read the new end of the chain and try again.
			if (isDuplicateKeyError(err) && attempt < APPEND_ATTEMPTS) {
				await new Promise(resolve => setTimeout(resolve, Math.random() * 5 * attempt));
				continue;
			}
			onError(`Could not record the '${event.type}' audit event: ${(err as Error).message}`);
			return;
		}
	}
}

/** Newest first, filtered by user (as subject or actor), type and time. */
export async function listAudit(log: Collection<AuditRecord>, { userId, type, from, to, page, pageSize }: AuditQuery): Promise<Page<AuditView>> {
	const filter: Filter = {};
	if (userId) filter.$or = [{ subjectId: userId }, { actorId: userId }];
	if (type) filter.type = type;
	if (from || to) filter.at = { ...(from ? { $gte: new Date(from) } : {}), ...(to ? { $lte: new Date(to) } : {}) };
	const [rows, total] = await Promise.all([log.find(filter, { sort: ["-seq"], limit: pageSize, offset: (page - 1) * pageSize }), log.count(filter)]);
	return { rows: rows.map(toAuditView), total, page, pageSize, totalPages: Math.ceil(total / pageSize) };
}

/** Walks the whole chain a page at a time. */
export async function verifyAudit(log: Collection<AuditRecord>): Promise<ChainVerdict> {
	let previous = { seq: 0, hash: GENESIS_HASH };
	let checked = 0;
	for (;;) {
		const rows = await log.find({ seq: { $gt: previous.seq } }, { sort: ["seq"], limit: VERIFY_PAGE });
		const verdict = verifyChain(rows, previous);
		checked += verdict.checked;
		if (!verdict.ok) return { ...verdict, checked };
		if (rows.length < VERIFY_PAGE) return { ok: true, checked };
		const last = rows[rows.length - 1];
		previous = { seq: last.seq, hash: last.hash };
	}
}
