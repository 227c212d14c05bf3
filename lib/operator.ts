import os from "node:os";
import type { AuthUser } from "./types";

/**
 * An operator at a console (`npm run repl`): a person, not an account. Who they are is proven on the bus by
 * an assertion signed with the signing key (lib/tokens/operator.ts), whose subject is their name; the node
 * running the action then acts for them as an admin, recorded in the audit trail as `operator:<name>`.
 */
export interface OperatorIdentity {
	/** Who runs the console: `<os user>@<host>`. */
	name: string;
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
