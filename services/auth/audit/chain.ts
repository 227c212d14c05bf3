import { createHash } from "node:crypto";

/** What happened, to whom, by whom, from where — never a secret. */
export interface AuditEvent {
	type: string;
	outcome: "success" | "failure";
	actorId: string | null;
	subjectId: string | null;
	ip: string | null;
	userAgent: string | null;
	/** Non-secret specifics, e.g. a failure reason or the new roles. */
	details: Record<string, string | number | boolean | null | string[]>;
}

export interface AuditRecord extends AuditEvent {
	_id: string;
	seq: number;
	at: Date;
	prevHash: string;
	hash: string;
}

export interface AuditView extends AuditEvent {
	id: string;
	seq: number;
	at: string;
}

export const GENESIS_HASH = "0".repeat(64);

/** The entry's hash covers its content and its predecessor's hash: removing or altering one breaks the chain. */
export function auditHash(entry: Omit<AuditRecord, "_id" | "hash">): string {
	const canonical = JSON.stringify([
		entry.seq,
		new Date(entry.at).toISOString(),
		entry.type,
		entry.outcome,
		entry.actorId,
		entry.subjectId,
		entry.ip,
		entry.userAgent,
		Object.keys(entry.details)
			.sort()
			.map(k => [k, entry.details[k]]),
		entry.prevHash
	]);
	return createHash("sha256").update(canonical).digest("hex");
}

export interface ChainVerdict {
	ok: boolean;
	checked: number;
	/** The first entry where the chain breaks, and why. */
	brokenAt?: number;
	reason?: string;
}

/** Walks entries in `seq` order (as given) and checks numbering, links and hashes. */
export function verifyChain(entries: Array<Omit<AuditRecord, "_id">>, previous: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }): ChainVerdict {
	let prev = previous;
	let checked = 0;
	for (const e of entries) {
		if (e.seq !== prev.seq + 1) return { ok: false, checked, brokenAt: prev.seq + 1, reason: `entry ${prev.seq + 1} is missing` };
		if (e.prevHash !== prev.hash) return { ok: false, checked, brokenAt: e.seq, reason: `entry ${e.seq} does not follow entry ${prev.seq}` };
		if (auditHash(e) !== e.hash) return { ok: false, checked, brokenAt: e.seq, reason: `entry ${e.seq} was altered` };
		prev = { seq: e.seq, hash: e.hash };
		checked++;
	}
	return { ok: true, checked };
}

export function toAuditView(r: AuditRecord): AuditView {
	return {
		id: r._id,
		seq: r.seq,
		at: new Date(r.at).toISOString(),
		type: r.type,
		outcome: r.outcome,
		actorId: r.actorId,
		subjectId: r.subjectId,
		ip: r.ip,
		userAgent: r.userAgent,
		details: r.details
	};
}
