import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from "node:crypto";

/** 256 random bits, URL-safe: one-time e-mail tokens and refresh-token secrets. */
export function randomToken(): string {
	return randomBytes(32).toString("base64url");
}

/** Tokens are stored only as this hash; a database leak yields nothing usable. */
export function hashToken(token: string): string {
	return createHash("sha256").update(token, "utf8").digest("base64url");
}

export function sameHash(a: string, b: string): boolean {
	const left = Buffer.from(a);
	const right = Buffer.from(b);
	return left.length === right.length && timingSafeEqual(left, right);
}

/** A refresh token names its session so that it can be found, and carries a secret that is only stored hashed. */
export function formatRefreshToken(sessionId: string, secret: string): string {
	return `${sessionId}.${secret}`;
}

export function parseRefreshToken(token: string): { sessionId: string; secret: string } | null {
	const dot = token.indexOf(".");
	if (dot <= 0 || dot === token.length - 1 || token.length > 200) return null;
	return { sessionId: token.slice(0, dot), secret: token.slice(dot + 1) };
}

/**
 * The server key that derives refresh-token successors, from the access-token signing key (HKDF): every auth
 * replica already shares that key (JWT_PRIVATE_KEY, or the development key in DATA_DIR), so no new secret
 * needs configuring, and the derived key reveals nothing about the signing key.
 */
export function successorKey(signingKey: KeyObject): Buffer {
	return Buffer.from(hkdfSync("sha256", signingKey.export({ type: "pkcs8", format: "der" }), "user-backend", "refresh-token-successor", 32));
}

/** A refresh token's successor secret: HMAC(server key, presented secret), as URL-safe as randomToken's. */
export function successorSecret(serverKey: Buffer, presentedSecret: string): string {
	return createHmac("sha256", serverKey).update(presentedSecret, "utf8").digest("base64url");
}
