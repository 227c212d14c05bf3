/** The audit trail's actions, part of the `auth` service (which keeps the trail). */
import type { Context, ServiceSchema } from "moleculer";
import { AUDIT_OUTCOMES } from "../../../lib/enums";
import { IDEMPOTENT } from "../../../lib/fault-tolerance";
import { PAGING_PARAMS } from "../../../lib/params";
import type { AppMeta } from "../../../lib/types";
import type { AuthHost } from "../kit";
import { listAudit, verifyAudit, type AuditInput, type AuditQuery } from "./trail";

export const AUDIT_ACTIONS: ServiceSchema<object, Record<string, never>, object, AuthHost>["actions"] = {
	auditList: {
		...IDEMPOTENT,
		roles: ["admin"],
		summary: "Security events, newest first (admin)",
		params: {
			userId: { type: "string", max: 100, optional: true },
			type: { type: "string", max: 64, optional: true },
			from: { type: "date", convert: true, optional: true },
			to: { type: "date", convert: true, optional: true },
			...PAGING_PARAMS
		},
		handler(this: AuthHost, ctx: Context<AuditQuery>) {
			return listAudit(this.core.auditLog, ctx.params);
		}
	},

	auditVerify: {
		...IDEMPOTENT,
		roles: ["admin"],
		summary: "Check the audit trail's hash chain (admin)",
		handler(this: AuthHost) {
			return verifyAudit(this.core.auditLog);
		}
	},

	/** For the other services: their security events (role and status changes, deletions). */
	recordAudit: {
		visibility: "public",
		params: {
			type: { type: "string", max: 64 },
			outcome: { type: "enum", values: [...AUDIT_OUTCOMES], optional: true },
			actorId: { type: "string", optional: true, nullable: true },
			subjectId: { type: "string", optional: true, nullable: true },
			details: { type: "object", optional: true }
		},
		handler(this: AuthHost, ctx: Context<AuditInput, AppMeta>) {
			return this.kit(ctx).audit.record(ctx.params);
		}
	}
};
