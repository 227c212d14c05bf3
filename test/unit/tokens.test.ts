import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createHmac, createPublicKey, generateKeyPairSync, sign as cryptoSign, constants as cryptoConstants, type JsonWebKey } from "node:crypto";
import jwt from "jsonwebtoken";
import { ConfigError, loadConfig, type Config } from "../../lib/config";
import { signAccessToken, verifyAccessToken, type AccessTokenOptions } from "../../lib/tokens/access";
import { loadSigningKey, loadVerificationKeys, splitPem, thumbprint, toJwks, type SigningKey, type VerificationKey } from "../../lib/tokens/keys";

const tempDirs: string[] = [];
function tempDir(): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tokens-test-"));
	tempDirs.push(dir);
	return dir;
}
function configFor(env: Record<string, string> = {}): Config {
	return loadConfig({ DATA_DIR: tempDir(), ...env });
}
afterAll(() => {
	for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

const ecPair = () => generateKeyPairSync("ec", { namedCurve: "P-256" });
const pemOf = (key: { export(o: object): string | Buffer }, type: "pkcs8" | "spki") => key.export({ type, format: "pem" }).toString();

describe("loadSigningKey / loadVerificationKeys", () => {
	it("generates a dev key once under DATA_DIR/keys and reuses it", () => {
		const config = configFor();
		const first = loadSigningKey(config);
		const file = path.join(config.dataDir, "keys", "jwt-private.pem");
		expect(fs.existsSync(file)).toBe(true);
		expect(fs.statSync(file).mode & 0o777).toBe(0o600);
		expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
		const pemBefore = fs.readFileSync(file, "utf8");
		const second = loadSigningKey(config);
		expect(second.kid).toBe(first.kid);
		expect(fs.readFileSync(file, "utf8")).toBe(pemBefore);
		// Another node sharing DATA_DIR gets the same key.
		expect(loadSigningKey({ ...config, nodeId: "other" }).kid).toBe(first.kid);
		// The verification set is that key's public half.
		const keys = loadVerificationKeys(config);
		expect(keys.map(k => k.kid)).toEqual([first.kid]);
		// EC P-256: ES256 signs an order of magnitude faster than PS256 (README "Performance").
		expect(first.alg).toBe("ES256");
		expect(first.privateKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
		expect(first.privateKey.type).toBe("private");
		expect(keys[0].key.type).toBe("public");
	});

	it("a different DATA_DIR gets a different dev key", () => {
		expect(loadSigningKey(configFor()).kid).not.toBe(loadSigningKey(configFor()).kid);
	});

	it("refuses to start in production without JWT_PRIVATE_KEY", () => {
		const config = configFor({ NODE_ENV: "production" });
		expect(() => loadSigningKey(config)).toThrow(ConfigError);
		expect(() => loadSigningKey(config)).toThrow(/JWT_PRIVATE_KEY/);
		expect(() => loadVerificationKeys(config)).toThrow(ConfigError);
		// And writes no key file.
		expect(fs.existsSync(path.join(config.dataDir, "keys"))).toBe(false);
	});

	it("in production a gateway with only JWT_PUBLIC_KEYS needs no private key", () => {
		const pub = pemOf(ecPair().publicKey, "spki");
		const keys = loadVerificationKeys(configFor({ NODE_ENV: "production", JWT_PUBLIC_KEYS: pub }));
		expect(keys).toHaveLength(1);
		expect(keys[0].alg).toBe("ES256");
	});

	it("uses JWT_PRIVATE_KEY when set (and writes no dev key)", () => {
		const { privateKey, publicKey } = ecPair();
		const config = configFor({ NODE_ENV: "production", JWT_PRIVATE_KEY: pemOf(privateKey, "pkcs8") });
		const signing = loadSigningKey(config);
		expect(signing.alg).toBe("ES256");
		expect(signing.kid).toBe(thumbprint(publicKey));
		expect(fs.existsSync(path.join(config.dataDir, "keys"))).toBe(false);
		expect(loadVerificationKeys(config).map(k => k.kid)).toEqual([signing.kid]);
	});

	it("accepts a PEM with literal \\n sequences (as env files write it)", () => {
		const { privateKey } = ecPair();
		const escaped = pemOf(privateKey, "pkcs8").replace(/\n/g, "\\n");
		expect(escaped).not.toContain("\n");
		expect(loadSigningKey(configFor({ JWT_PRIVATE_KEY: escaped })).alg).toBe("ES256");
	});

	it("an RSA key gives PS256", () => {
		const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
		expect(loadSigningKey(configFor({ JWT_PRIVATE_KEY: pemOf(privateKey, "pkcs8") })).alg).toBe("PS256");
	});

	it("an RSA-PSS key is refused with a ConfigError naming its type, never a raw crypto error", () => {
		// Only plain RSA (PS256) and EC P-256 (ES256) keys are taken (lib/tokens/keys.ts algorithmOf).
		const { privateKey } = generateKeyPairSync("rsa-pss", { modulusLength: 2048 });
		const config = configFor({ JWT_PRIVATE_KEY: pemOf(privateKey, "pkcs8") });
		expect(() => loadSigningKey(config)).toThrow(ConfigError);
		expect(() => loadSigningKey(config)).toThrow(/got rsa-pss/);
	});

	it("refuses keys of other types and bad PEMs with a ConfigError", () => {
		const ed = generateKeyPairSync("ed25519");
		expect(() => loadSigningKey(configFor({ JWT_PRIVATE_KEY: pemOf(ed.privateKey, "pkcs8") }))).toThrow(ConfigError);
		const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" });
		expect(() => loadSigningKey(configFor({ JWT_PRIVATE_KEY: pemOf(p384.privateKey, "pkcs8") }))).toThrow(ConfigError);
		expect(() => loadSigningKey(configFor({ JWT_PRIVATE_KEY: "not a pem" }))).toThrow(ConfigError);
		expect(() => loadSigningKey(configFor({ JWT_PRIVATE_KEY: "not a pem" }))).toThrow(/JWT_PRIVATE_KEY/);
	});

	it("JWT_PUBLIC_KEYS with several PEMs gives several keys, plus the signing key", () => {
		const a = ecPair();
		const b = generateKeyPairSync("rsa", { modulusLength: 2048 });
		const c = ecPair();
		const bundle = [pemOf(a.publicKey, "spki"), pemOf(b.publicKey, "spki")].join("\n");
		const onlyPublic = loadVerificationKeys(configFor({ JWT_PUBLIC_KEYS: bundle }));
		expect(onlyPublic.map(k => k.kid)).toEqual([thumbprint(a.publicKey), thumbprint(b.publicKey)]);
		expect(onlyPublic.map(k => k.alg)).toEqual(["ES256", "PS256"]);

		const withSigning = loadVerificationKeys(configFor({ JWT_PUBLIC_KEYS: bundle, JWT_PRIVATE_KEY: pemOf(c.privateKey, "pkcs8") }));
		expect(withSigning.map(k => k.kid)).toEqual([thumbprint(a.publicKey), thumbprint(b.publicKey), thumbprint(c.publicKey)]);

		// The signing key already listed is not listed twice.
		const dup = loadVerificationKeys(configFor({ JWT_PUBLIC_KEYS: bundle, JWT_PRIVATE_KEY: pemOf(a.privateKey, "pkcs8") }));
		expect(dup).toHaveLength(2);
	});

	it("refuses JWT_PUBLIC_KEYS with no PEM or a broken block", () => {
		expect(() => loadVerificationKeys(configFor({ JWT_PUBLIC_KEYS: "nothing here" }))).toThrow(ConfigError);
		const broken = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----";
		expect(() => loadVerificationKeys(configFor({ JWT_PUBLIC_KEYS: broken }))).toThrow(ConfigError);
	});

	it("splitPem splits a bundle and understands escaped newlines", () => {
		const one = pemOf(ecPair().publicKey, "spki").trim();
		const two = pemOf(ecPair().publicKey, "spki").trim();
		expect(splitPem(`${one}\n${two}`)).toEqual([one, two]);
		expect(splitPem(`${one}${two}`.replace(/\n/g, "\\n"))).toEqual([one, two]);
		expect(splitPem("garbage")).toEqual([]);
	});

	it("thumbprint follows RFC 7638 (its §3.1 example key)", () => {
		const key = createPublicKey({
			format: "jwk",
			key: {
				kty: "RSA",
				e: "AQAB",
				n: "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
			}
		});
		expect(thumbprint(key)).toBe("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
	});

	it("derives the same kid from a private key and its public half", () => {
		const { privateKey, publicKey } = ecPair();
		expect(thumbprint(createPublicKey(privateKey))).toBe(thumbprint(publicKey));
	});
});

describe("toJwks", () => {
	it("lists kid, alg, use and kty, and no private members", () => {
		const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
		const ec = ecPair();
		const keys = loadVerificationKeys(
			configFor({ JWT_PUBLIC_KEYS: pemOf(rsa.publicKey, "spki"), JWT_PRIVATE_KEY: pemOf(ec.privateKey, "pkcs8") })
		);
		const jwks = toJwks(keys);
		expect(jwks.keys).toHaveLength(2);
		const [r, e] = jwks.keys;
		expect(r).toMatchObject({ kid: thumbprint(rsa.publicKey), alg: "PS256", use: "sig", kty: "RSA" });
		expect(typeof r.n).toBe("string");
		expect(r.e).toBe("AQAB");
		expect(e).toMatchObject({ kid: thumbprint(ec.publicKey), alg: "ES256", use: "sig", kty: "EC", crv: "P-256" });
		for (const jwk of jwks.keys) {
			for (const member of ["d", "p", "q", "dp", "dq", "qi", "k"]) expect(jwk).not.toHaveProperty(member);
		}
		// The JWKS can be used to verify: its keys import back to the same thumbprint.
		expect(thumbprint(createPublicKey({ format: "jwk", key: e as unknown as JsonWebKey }))).toBe(e.kid);
	});

	it("exposes no private member even when given the signing key itself", () => {
		const signing = loadSigningKey(configFor({ JWT_PRIVATE_KEY: pemOf(ecPair().privateKey, "pkcs8") }));
		const [jwk] = toJwks([signing]).keys;
		expect(jwk).not.toHaveProperty("d");
		expect(Object.keys(jwk).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x", "y"]);
	});
});

describe("access tokens", () => {
	const opts: AccessTokenOptions = { issuer: "https://issuer.example", audience: "user-backend", ttl: 900 };
	const verifyOpts = { issuer: opts.issuer, audience: opts.audience };
	const subject = { userId: "user-1", sessionId: "session-1", roles: ["user" as const, "admin" as const] };
	let rsaKey: SigningKey;
	let ecKey: SigningKey;
	let keys: Map<string, VerificationKey>;

	const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
	const parts = (token: string) => {
		const [h, p, s] = token.split(".");
		return { header: JSON.parse(Buffer.from(h, "base64url").toString()), payload: JSON.parse(Buffer.from(p, "base64url").toString()), h, p, s };
	};
	const now = () => Math.floor(Date.now() / 1000);
	const validPayload = (extra: Record<string, unknown> = {}) => ({
		sub: "user-1",
		sid: "session-1",
		roles: ["user"],
		iss: opts.issuer,
		aud: opts.audience,
		iat: now(),
		exp: now() + 600,
		jti: "jti-1",
		...extra
	});
	/** Signs with the real key, by hand, so that any header/payload can be produced. */
	const signRaw = (header: Record<string, unknown>, payload: Record<string, unknown>, key: SigningKey) => {
		const input = `${b64(header)}.${b64(payload)}`;
		const sig =
			key.alg === "PS256"
				? cryptoSign("sha256", Buffer.from(input), { key: key.privateKey, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
				: cryptoSign("sha256", Buffer.from(input), { key: key.privateKey, dsaEncoding: "ieee-p1363" });
		return `${input}.${sig.toString("base64url")}`;
	};

	beforeAll(() => {
		rsaKey = loadSigningKey(configFor({ JWT_PRIVATE_KEY: pemOf(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey, "pkcs8") }));
		ecKey = loadSigningKey(configFor({ JWT_PRIVATE_KEY: pemOf(ecPair().privateKey, "pkcs8") }));
		keys = new Map([rsaKey, ecKey].map(k => [k.kid, { kid: k.kid, alg: k.alg, key: createPublicKey(k.privateKey) }]));
	});

	it.each(["PS256", "ES256"])("round-trips with %s: every claim and a kid header", alg => {
		const key = alg === "PS256" ? rsaKey : ecKey;
		const before = now();
		const token = signAccessToken(subject, key, opts);
		const { header, payload } = parts(token);
		expect(header).toMatchObject({ alg, kid: key.kid, typ: "at+jwt" });
		expect(payload).toMatchObject({ sub: "user-1", sid: "session-1", roles: ["user", "admin"], iss: opts.issuer, aud: opts.audience });
		expect(payload.iat).toBeGreaterThanOrEqual(before);
		expect(payload.exp - payload.iat).toBe(900);
		expect(typeof payload.jti).toBe("string");
		const result = verifyAccessToken(token, keys, verifyOpts);
		expect(result).toEqual({ claims: payload });
	});

	it("carries the session's sign-in time as auth_time (whole seconds), and refuses a token whose auth_time is not a number", () => {
		const token = signAccessToken({ ...subject, authTime: 1_700_000_000_999 }, rsaKey, opts);
		expect(parts(token).payload.auth_time).toBe(1_700_000_000);
		expect(verifyAccessToken(token, keys, verifyOpts)).toEqual({ claims: expect.objectContaining({ auth_time: 1_700_000_000 }) });
		const forged = signRaw({ alg: "PS256", kid: rsaKey.kid, typ: "at+jwt" }, validPayload({ auth_time: "yesterday" }), rsaKey);
		expect(verifyAccessToken(forged, keys, verifyOpts)).toEqual({ failure: "invalid" });
	});

	it("gives every token a fresh jti", () => {
		const a = parts(signAccessToken(subject, ecKey, opts)).payload.jti;
		const b = parts(signAccessToken(subject, ecKey, opts)).payload.jti;
		expect(a).not.toBe(b);
	});

	it("accepts a hand-signed token (the forging helper itself is sound)", () => {
		const token = signRaw({ alg: "ES256", typ: "at+jwt", kid: ecKey.kid }, validPayload(), ecKey);
		expect(verifyAccessToken(token, keys, verifyOpts)).toHaveProperty("claims");
		const rsa = signRaw({ alg: "PS256", typ: "at+jwt", kid: rsaKey.kid }, validPayload(), rsaKey);
		expect(verifyAccessToken(rsa, keys, verifyOpts)).toHaveProperty("claims");
	});

	it("refuses alg none", () => {
		const token = `${b64({ alg: "none", typ: "at+jwt", kid: rsaKey.kid })}.${b64(validPayload())}.`;
		expect(verifyAccessToken(token, keys, verifyOpts)).toEqual({ failure: "invalid" });
		const withoutKid = `${b64({ alg: "none", typ: "at+jwt" })}.${b64(validPayload())}.`;
		expect(verifyAccessToken(withoutKid, keys, verifyOpts)).toEqual({ failure: "invalid" });
	});

	it("refuses HS256 signed with the public key PEM as the secret", () => {
		for (const key of [rsaKey, ecKey]) {
			const publicPem = pemOf(createPublicKey(key.privateKey), "spki");
			const input = `${b64({ alg: "HS256", typ: "at+jwt", kid: key.kid })}.${b64(validPayload())}`;
			const sig = createHmac("sha256", publicPem).update(input).digest("base64url");
			expect(verifyAccessToken(`${input}.${sig}`, keys, verifyOpts)).toEqual({ failure: "invalid" });
		}
	});

	it("refuses a token signed with the other key's algorithm under this kid", () => {
		// ES256 signature under the RSA key's kid.
		const token = signRaw({ alg: "ES256", typ: "at+jwt", kid: rsaKey.kid }, validPayload(), ecKey);
		expect(verifyAccessToken(token, keys, verifyOpts)).toEqual({ failure: "invalid" });
	});

	it("refuses a tampered payload", () => {
		const token = signAccessToken({ ...subject, roles: ["user"] }, rsaKey, opts);
		const { h, s, payload } = parts(token);
		const forged = `${h}.${b64({ ...payload, roles: ["user", "admin"] })}.${s}`;
		expect(verifyAccessToken(forged, keys, verifyOpts)).toEqual({ failure: "invalid" });
		const otherSub = `${h}.${b64({ ...payload, sub: "user-2" })}.${s}`;
		expect(verifyAccessToken(otherSub, keys, verifyOpts)).toEqual({ failure: "invalid" });
	});

	it("refuses a tampered signature and garbage", () => {
		const token = signAccessToken(subject, ecKey, opts);
		const { h, p, s } = parts(token);
		const flipped = s[0] === "A" ? `B${s.slice(1)}` : `A${s.slice(1)}`;
		expect(verifyAccessToken(`${h}.${p}.${flipped}`, keys, verifyOpts)).toEqual({ failure: "invalid" });
		expect(verifyAccessToken(`${h}.${p}.`, keys, verifyOpts)).toEqual({ failure: "invalid" });
		for (const junk of ["", "abc", "a.b.c", "...", `${h}.${p}`, "%%%.e30.x"]) {
			expect(verifyAccessToken(junk, keys, verifyOpts)).toEqual({ failure: "invalid" });
		}
	});

	it("refuses the wrong audience and the wrong issuer", () => {
		const token = signAccessToken(subject, rsaKey, opts);
		expect(verifyAccessToken(token, keys, { ...verifyOpts, audience: "someone-else" })).toEqual({ failure: "invalid" });
		expect(verifyAccessToken(token, keys, { ...verifyOpts, issuer: "https://evil.example" })).toEqual({ failure: "invalid" });
		const wrongAud = signAccessToken(subject, rsaKey, { ...opts, audience: "other-app" });
		expect(verifyAccessToken(wrongAud, keys, verifyOpts)).toEqual({ failure: "invalid" });
		const wrongIss = signAccessToken(subject, rsaKey, { ...opts, issuer: "https://other.example" });
		expect(verifyAccessToken(wrongIss, keys, verifyOpts)).toEqual({ failure: "invalid" });
	});

	it("answers 'expired' for an expired token", () => {
		const token = signRaw({ alg: "ES256", typ: "at+jwt", kid: ecKey.kid }, validPayload({ iat: now() - 1000, exp: now() - 10 }), ecKey);
		expect(verifyAccessToken(token, keys, verifyOpts)).toEqual({ failure: "expired" });
		const viaJwt = jwt.sign({ sid: "s", roles: ["user"], iat: now() - 100 }, rsaKey.privateKey, {
			algorithm: "PS256",
			keyid: rsaKey.kid,
			header: { alg: "PS256", typ: "at+jwt" },
			expiresIn: 10,
			subject: "u",
			issuer: opts.issuer,
			audience: opts.audience,
			jwtid: "j"
		});
		expect(verifyAccessToken(viaJwt, keys, verifyOpts)).toEqual({ failure: "expired" });
	});

	it("answers 'invalid', not 'expired', for an expired token with a bad signature", () => {
		const token = signRaw({ alg: "ES256", typ: "at+jwt", kid: ecKey.kid }, validPayload({ exp: now() - 10 }), ecKey);
		const { h, p } = parts(token);
		const { s } = parts(signAccessToken(subject, ecKey, opts));
		expect(verifyAccessToken(`${h}.${p}.${s}`, keys, verifyOpts)).toEqual({ failure: "invalid" });
	});

	it("refuses an unknown kid and a missing kid", () => {
		const token = signRaw({ alg: "ES256", typ: "at+jwt", kid: "unknown-kid" }, validPayload(), ecKey);
		expect(verifyAccessToken(token, keys, verifyOpts)).toEqual({ failure: "invalid" });
		const noKid = signRaw({ alg: "ES256", typ: "at+jwt" }, validPayload(), ecKey);
		expect(verifyAccessToken(noKid, keys, verifyOpts)).toEqual({ failure: "invalid" });
		const numericKid = signRaw({ alg: "ES256", typ: "at+jwt", kid: 1 }, validPayload(), ecKey);
		expect(verifyAccessToken(numericKid, keys, verifyOpts)).toEqual({ failure: "invalid" });
		// A token from a key that was removed from the set.
		const only = new Map([[rsaKey.kid, keys.get(rsaKey.kid)!]]);
		expect(verifyAccessToken(signAccessToken(subject, ecKey, opts), only, verifyOpts)).toEqual({ failure: "invalid" });
	});

	it("refuses a token that is not yet valid (nbf in the future)", () => {
		const token = signRaw({ alg: "ES256", typ: "at+jwt", kid: ecKey.kid }, validPayload({ nbf: now() + 3600 }), ecKey);
		expect(verifyAccessToken(token, keys, verifyOpts)).toEqual({ failure: "invalid" });
	});

	it("refuses a correctly signed token whose claims are not an access token's", () => {
		const sign = (payload: Record<string, unknown>) => signRaw({ alg: "ES256", typ: "at+jwt", kid: ecKey.kid }, payload, ecKey);
		const noSid: Record<string, unknown> = validPayload();
		delete noSid.sid;
		expect(verifyAccessToken(sign(noSid), keys, verifyOpts)).toEqual({ failure: "invalid" });
		const noJti: Record<string, unknown> = validPayload();
		delete noJti.jti;
		expect(verifyAccessToken(sign(noJti), keys, verifyOpts)).toEqual({ failure: "invalid" });
		expect(verifyAccessToken(sign(validPayload({ roles: ["superuser"] })), keys, verifyOpts)).toEqual({ failure: "invalid" });
		expect(verifyAccessToken(sign(validPayload({ roles: "admin" })), keys, verifyOpts)).toEqual({ failure: "invalid" });
		expect(verifyAccessToken(sign(validPayload({ sub: 42 })), keys, verifyOpts)).toEqual({ failure: "invalid" });
	});
});

describe("access token type", () => {
	it("refuses a token of the right key and claims that is not typed as an access token (RFC 9068 at+jwt)", () => {
		const config = { ...loadConfig({}), dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "typ-")) };
		const key = loadSigningKey(config);
		const keys = new Map([[key.kid, { kid: key.kid, alg: key.alg, key: createPublicKey(key.privateKey) }]]);
		const good = signAccessToken({ userId: "u", sessionId: "s", roles: ["user"] }, key, { issuer: "i", audience: "a", ttl: 60 });
		expect(verifyAccessToken(good, keys, { issuer: "i", audience: "a" })).toHaveProperty("claims");
		for (const typ of ["JWT", undefined, "id+jwt"]) {
			const other = jwt.sign({ sid: "s", roles: ["user"] }, key.privateKey, {
				algorithm: key.alg,
				keyid: key.kid,
				header: { alg: key.alg, ...(typ ? { typ } : {}) } as jwt.JwtHeader,
				subject: "u",
				issuer: "i",
				audience: "a",
				expiresIn: 60,
				jwtid: "j"
			});
			expect(verifyAccessToken(other, keys, { issuer: "i", audience: "a" })).toEqual({ failure: "invalid" });
		}
	});
});
