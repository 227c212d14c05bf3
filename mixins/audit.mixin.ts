import { randomUUID } from "node:crypto";
import type { Context, Service, ServiceSchema } from "moleculer";
import { GENESIS_HASH, auditHash, toAuditView, verifyChain, type AuditEvent, type AuditRecord, type AuditView, type ChainVerdict } from "../lib/audit";
import { isDuplicateKeyError, type Collection, type Filter } from "../lib/collection";
import { IDEMPOTENT } from "../lib/fault-tolerance";
import type { AppMeta, Page } from "../lib/types";
import { AuditModel } from "../models";
import type { DbMixinMethods } from "./db.mixin";

/** What a caller says of an event; who, from where and when are filled in from the context. */
export type AuditInput = Pick<AuditEvent, "type"> & Partial<Omit<AuditEvent, "type">>;

export interface AuditMixinMethods {
	/** Appends to the trail. Never throws: a request is not failed for its audit entry (the error is logged). */
	audit(ctx: Context<unknown, AppMeta>, event: AuditInput): Promise<void>;
}

type AuditThis = Service &
	DbMixinMethods &
	AuditMixinMethods & {
		auditLog: Collection<AuditRecord>;
	};

const VERIFY_PAGE = 1000;
const APPEND_ATTEMPTS = 50;

interface AuditQuery {
	userId?: string;
	type?: string;
	from?: string;
	to?: string;
	page: number;
	pageSize: number;
}

/**
 * The audit trail of security events, hash-chained so that a removed or altered entry is detectable. Each
 * append takes the next `seq` (unique), so concurrent appends from several replicas serialise by retrying.
 * Needs the db mixin.
 */
export function auditMixin(): Partial<ServiceSchema> {
	const schema: Partial<ServiceSchema<object, AuditMixinMethods, object, AuditThis>> = {
		actions: {
			auditList: {
				...IDEMPOTENT,
				roles: ["admin"],
				summary: "Security events, newest first (admin)",
				params: {
					userId: { type: "string", max: 100, optional: true },
					type: { type: "string", max: 64, optional: true },
					from: { type: "date", convert: true, optional: true },
					to: { type: "date", convert: true, optional: true },
					page: { type: "number", integer: true, min: 1, max: 1_000_000, convert: true, default: 1 },
					pageSize: { type: "number", integer: true, min: 1, max: 100, convert: true, default: 20 }
				},
				async handler(this: AuditThis, ctx: Context<AuditQuery>): Promise<Page<AuditView>> {
					const { userId, type, from, to, page, pageSize } = ctx.params;
					const filter: Filter = {};
					if (userId) filter.$or = [{ subjectId: userId }, { actorId: userId }];
					if (type) filter.type = type;
					if (from || to) filter.at = { ...(from ? { $gte: new Date(from) } : {}), ...(to ? { $lte: new Date(to) } : {}) };
					const [rows, total] = await Promise.all([
						this.auditLog.find(filter, { sort: ["-seq"], limit: pageSize, offset: (page - 1) * pageSize }),
						this.auditLog.count(filter)
					]);
					return { rows: rows.map(toAuditView), total, page, pageSize, totalPages: Math.ceil(total / pageSize) };
				}
			},

			auditVerify: {
				...IDEMPOTENT,
				roles: ["admin"],
				summary: "Check the audit trail's hash chain (admin)",
				async handler(this: AuditThis): Promise<ChainVerdict> {
					let previous = { seq: 0, hash: GENESIS_HASH };
					let checked = 0;
					for (;;) {
						const rows = await this.auditLog.find({ seq: { $gt: previous.seq } }, { sort: ["seq"], limit: VERIFY_PAGE });
						const verdict = verifyChain(rows, previous);
						checked += verdict.checked;
						if (!verdict.ok) return { ...verdict, checked };
						if (rows.length < VERIFY_PAGE) return { ok: true, checked };
						const last = rows[rows.length - 1];
						previous = { seq: last.seq, hash: last.hash };
					}
				}
			},

			/** For the other services: their security events (role and status changes, deletions). */
			recordAudit: {
				visibility: "public",
				params: {
					type: { type: "string", max: 64 },
					outcome: { type: "enum", values: ["success", "failure"], optional: true },
					actorId: { type: "string", optional: true, nullable: true },
					subjectId: { type: "string", optional: true, nullable: true },
					details: { type: "object", optional: true }
				},
				async handler(this: AuditThis, ctx: Context<AuditInput, AppMeta>): Promise<void> {
					await this.audit(ctx, ctx.params);
				}
			}
		},

		methods: {
			async audit(this: AuditThis, ctx: Context<unknown, AppMeta>, input: AuditInput): Promise<void> {
				const event: AuditEvent = {
					type: input.type,
					outcome: input.outcome ?? "success",
					actorId: input.actorId !== undefined ? input.actorId : (ctx.meta.user?.id ?? null),
					subjectId: input.subjectId ?? null,
					ip: input.ip ?? ctx.meta.clientIp ?? null,
					userAgent: (input.userAgent ?? ctx.meta.userAgent ?? null)?.slice(0, 512) ?? null,
					details: input.details ?? {}
				};
				for (let attempt = 1; attempt <= APPEND_ATTEMPTS; attempt++) {
					try {
						const [last] = await this.auditLog.find({}, { sort: ["-seq"], limit: 1 });
						const entry = { ...event, seq: (last?.seq ?? 0) + 1, at: new Date(), prevHash: last?.hash ?? GENESIS_HASH };
						await this.auditLog.insert({ _id: randomUUID(), ...entry, hash: auditHash(entry) });
						return;
					} catch (err) {
						// Another replica took this `seq`: read the new end of the chain and try again.
						if (isDuplicateKeyError(err) && attempt < APPEND_ATTEMPTS) {
							await new Promise(resolve => setTimeout(resolve, Math.random() * 5 * attempt));
							continue;
						}
						this.logger.error(`Could not record the '${event.type}' audit event:`, (err as Error).message);
						return;
					}
				}
			}
		},

		created(this: AuditThis) {
			this.auditLog = this.collection<AuditRecord>(AuditModel);
		}
	};
	return schema as Partial<ServiceSchema>;
}
