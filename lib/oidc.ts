/** What the gateway's OpenID Provider and auth's OpenID records share. */
import { createHash } from "node:crypto";

/** Scopes the provider offers (CONTRACT §6). */
export const OIDC_SCOPES = ["openid", "profile", "email", "offline_access"] as const;

/** A client secret as stored: 32 random bytes need no slow hash, only one that cannot be reversed. */
export function hashClientSecret(secret: string): string {
	return createHash("sha256").update(secret).digest("base64url");
}
