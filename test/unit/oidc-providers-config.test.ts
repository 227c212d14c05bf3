/** OIDC_PROVIDERS (README, Sign in with another provider): parsed at start, refused with a clear message. */
import { ConfigError, loadConfig, parseOidcProviders } from "../../lib/config";

const ENTRY = { id: "corp", name: "Corp SSO", issuer: "https://sso.example.com/", clientId: "ub", clientSecret: "s3cret" };
const parse = (value: unknown, production = false) => parseOidcProviders(typeof value === "string" ? value : JSON.stringify(value), production);

describe("OIDC_PROVIDERS", () => {
	it("is empty when unset, and read by loadConfig", () => {
		expect(loadConfig({}).oidcProviders).toEqual([]);
		expect(loadConfig({ OIDC_PROVIDERS: JSON.stringify([ENTRY]) }).oidcProviders.map(p => p.id)).toEqual(["corp"]);
	});

	it("keeps each entry, without the issuer's trailing slash, with openid and email always among the scopes", () => {
		expect(parse([ENTRY])).toEqual([{ id: "corp", name: "Corp SSO", issuer: "https://sso.example.com", clientId: "ub", clientSecret: "s3cret", scopes: ["openid", "email", "profile"] }]);
		expect(parse([{ ...ENTRY, scopes: ["profile", "groups"] }])[0].scopes).toEqual(["openid", "email", "profile", "groups"]);
		// No secret: a public client (PKCE only).
		expect(parse([{ ...ENTRY, clientSecret: undefined }])[0]).not.toHaveProperty("clientSecret");
	});

	it.each([
		["not JSON", "[{id:", "OIDC_PROVIDERS is not valid JSON: give an array of {id, name, issuer, clientId, clientSecret, scopes?}"],
		["not an array", { id: "corp" }, "OIDC_PROVIDERS must be a JSON array of {id, name, issuer, clientId, clientSecret, scopes?}"],
		["an entry that is no object", ["corp"], "OIDC_PROVIDERS[0] must be an object {id, name, issuer, clientId, clientSecret, scopes?}"],
		["a duplicate id", [ENTRY, { ...ENTRY, name: "Again" }], 'OIDC_PROVIDERS lists the id "corp" twice'],
		["an id with capitals", [{ ...ENTRY, id: "Corp" }], 'OIDC_PROVIDERS[0].id must be 1 to 32 lower-case letters, digits or "-", got "Corp"'],
		["an id too long", [{ ...ENTRY, id: "a".repeat(33) }], `OIDC_PROVIDERS[0].id must be 1 to 32 lower-case letters, digits or "-", got "${"a".repeat(33)}"`],
		["an id with a slash", [{ ...ENTRY, id: "a/b" }], 'OIDC_PROVIDERS[0].id must be 1 to 32 lower-case letters, digits or "-", got "a/b"'],
		["an issuer that is not a URL", [{ ...ENTRY, issuer: "sso.example.com" }], 'OIDC_PROVIDERS[0].issuer is not a URL: "sso.example.com"'],
		["an issuer of another scheme", [{ ...ENTRY, issuer: "ftp://sso.example.com" }], 'OIDC_PROVIDERS[0].issuer must be an https URL, got "ftp://sso.example.com"'],
		["an issuer with a query", [{ ...ENTRY, issuer: "https://sso.example.com/?x=1" }], "OIDC_PROVIDERS[0].issuer must have no query or fragment"],
		["a missing client id", [{ ...ENTRY, clientId: "" }], "OIDC_PROVIDERS[0].clientId must be a non-empty string"],
		["a missing name", [{ ...ENTRY, name: undefined }], "OIDC_PROVIDERS[0].name must be a non-empty string"],
		["scopes that are not names", [{ ...ENTRY, scopes: "openid email" }], "OIDC_PROVIDERS[0].scopes must be an array of scope names"],
		["an unknown key", [{ ...ENTRY, secret: "x" }], "OIDC_PROVIDERS[0] has unknown keys: secret"]
	])("refuses %s", (_name, value, message) => {
		expect(() => parse(value)).toThrow(new ConfigError(message));
	});

	it("takes a plain-http issuer outside production, and in production only on the loopback interface", () => {
		expect(parse([{ ...ENTRY, issuer: "http://sso.internal:8080" }])[0].issuer).toBe("http://sso.internal:8080");
		expect(() => parse([{ ...ENTRY, issuer: "http://sso.internal:8080" }], true)).toThrow(
			new ConfigError('OIDC_PROVIDERS[0].issuer must be https in production (plain http only on localhost), got "http://sso.internal:8080"')
		);
		for (const host of ["localhost", "127.0.0.1", "[::1]"]) expect(parse([{ ...ENTRY, issuer: `http://${host}:9000/oidc` }], true)[0].issuer).toBe(`http://${host}:9000/oidc`);
		expect(() => loadConfig({ NODE_ENV: "production", OIDC_PROVIDERS: JSON.stringify([{ ...ENTRY, issuer: "http://sso.example.com" }]), JWT_PRIVATE_KEY: "x" })).toThrow(/OIDC_PROVIDERS\[0\]\.issuer must be https in production/);
	});
});
