import { randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";
import { jwtHeader } from "./access";
import type { SigningKey, VerificationKey } from "./keys";

/**
 * An operator's identity on the bus (CONTRACT §7): who holds the signing key (JWT_PRIVATE_KEY, i.e. an
 * operator of the cluster) can sign a short-lived assertion that acts with the admin role. It is typed apart
 * from access tokens, so neither is ever taken for the other. The REPL puts it in `meta.operatorAssertion`.
 */
export const OPERATOR_ASSERTION_TYPE = "operator+jwt";

/** Short: an assertion is made per call (or per console session) and a sniffed one is soon useless. */
export const OPERATOR_ASSERTION_TTL = 300;

export interface OperatorClaims {
	/** The operator's name, recorded as the actor in the audit trail (`operator:<name>`). */
	sub: string;
	iss: string;
	aud: string;
	exp: number;
}

export function signOperatorAssertion(operator: string, key: SigningKey, opts: { issuer: string; audience: string; ttl?: number; now?: number }): string {
	const iat = opts.now === undefined ? {} : { iat: Math.floor(opts.now / 1000) };
	return jwt.sign({ ...iat }, key.privateKey, {
		algorithm: key.alg,
		keyid: key.kid,
		header: { alg: key.alg, typ: OPERATOR_ASSERTION_TYPE },
		subject: operator,
		issuer: opts.issuer,
		audience: opts.audience,
		expiresIn: opts.ttl ?? OPERATOR_ASSERTION_TTL,
		jwtid: randomUUID()
	});
}

/** Verified like an access token (lib/tokens/access.ts): key by `kid` among ours, its algorithm only, our type only. */
export function verifyOperatorAssertion(
	token: string,
	keys: ReadonlyMap<string, VerificationKey>,
	opts: { issuer: string; audience: string },
	now: number
): OperatorClaims | "expired" | "invalid" {
	const head = jwtHeader(token);
	const key = typeof head?.kid === "string" ? keys.get(head.kid) : undefined;
	if (!key || head?.typ !== OPERATOR_ASSERTION_TYPE) return "invalid";
	try {
		const claims = jwt.verify(token, key.key, { algorithms: [key.alg], issuer: opts.issuer, audience: opts.audience, clockTimestamp: Math.floor(now / 1000) }) as Partial<OperatorClaims>;
		return typeof claims.sub === "string" && claims.sub.length > 0 ? (claims as OperatorClaims) : "invalid";
	} catch (err) {
		return err instanceof jwt.TokenExpiredError ? "expired" : "invalid";
	}
}

/** Brokers whose node holds the signing key, and so can act for an operator at its console (server.ts). */
const operatorSigners = new WeakMap<object, (operator: string) => string>();

export function enableOperators(broker: object, sign: (operator: string) => string): void {
	operatorSigners.set(broker, sign);
}

/** The meta that proves an operator on the bus, from a broker that can sign it (undefined otherwise). */
export function operatorMeta(broker: object, operator: string): { operatorAssertion: string } | undefined {
	const sign = operatorSigners.get(broker);
	return sign ? { operatorAssertion: sign(operator) } : undefined;
}
