import os from "node:os";
import type { AuthUser } from "./types";

/**
 * The operator's identity on a call: `meta.operator = { name }`. It is set ONLY by the REPL's own broker
 * (`npm run repl`: operator/console.ts stamps it on the calls its console makes, and operator/command.ts
 * passes it with the operator commands). The access-control middleware lets such a call through as an
 * admin, and the audit trail records its actor as `operator:<name>`.
 *
 * Like `meta.user`, it is asserted by whoever sends the call: until identity on the bus is proven
 * (CONTRACT §7), only trusted nodes may reach NATS (SECURITY.md).
 */
export interface OperatorIdentity {
	/** Who runs the console: `<os user>@<host>`. */
	name: string;
}

const NAME = /^[\w.@-]{1,128}$/;

/** The operator identity of a call's meta, when it carries a well-formed one. */
export function operatorOf(meta: { operator?: unknown }): OperatorIdentity | null {
	const op = meta.operator as { name?: unknown } | null | undefined;
	return op && typeof op === "object" && typeof op.name === "string" && NAME.test(op.name) ? { name: op.name } : null;
}

/** The caller an operator acts as: an admin with no account, recorded as `operator:<name>`. */
export function operatorUser(operator: OperatorIdentity): AuthUser {
	return { id: `operator:${operator.name}`, sid: "operator", roles: ["user", "admin"] };
}

/** This process's operator: the OS user and host running the console. */
export function localOperator(): OperatorIdentity {
	let user = "operator";
	try {
		user = os.userInfo().username || user;
	} catch {
		// No passwd entry (some containers): the generic name.
	}
	const name = `${user}@${os.hostname()}`.replace(/[^\w.@-]/g, "_").slice(0, 128);
	return { name };
}
