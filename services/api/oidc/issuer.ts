/** The path the OpenID Provider is mounted at: the issuer URL's path (e.g. `/oidc`), without a trailing slash. */
export function issuerPath(issuer: string): string {
	return new URL(issuer).pathname.replace(/\/+$/, "");
}
