import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../../lib/config";
import { signAccessToken } from "../../../lib/tokens/access";
import { loadSigningKey, loadVerificationKeys, type VerificationKey } from "../../../lib/tokens/keys";
import { CallerIdentity } from "../../../lib/bus-identity";
import { authenticate } from "../../../services/api/authenticate";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "authenticate-test-"));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const config = loadConfig({ DATA_DIR: dataDir });
const signingKey = loadSigningKey(config);
const TTL = 900;

function verifier(): CallerIdentity {
	return CallerIdentity.fromConfig(config);
}

function bearer(sessionId = "s1"): string {
	const token = signAccessToken({ userId: "u1", sessionId, roles: ["user"] }, signingKey, { issuer: config.jwtIssuer, audience: config.jwtAudience, ttl: TTL });
	return `Bearer ${token}`;
}

describe("authenticate", () => {
	it("no Authorization header is an anonymous caller", () => {
		expect(authenticate(undefined, verifier(), Date.now())).toBeNull();
	});

	it("a live access token is its user and session", () => {
		expect(authenticate(bearer(), verifier(), Date.now())).toEqual({ id: "u1", sid: "s1", roles: ["user"] });
	});

	it.each(["Basic dXNlcjpwYXNz", "Bearer", "Bearer not a token", "Bearer a.b.c"])("%p is an invalid token", header => {
		expect(authenticate(header, verifier(), Date.now())).toEqual({ failure: "invalid" });
	});

	it("expiry is decided by the clock it is given, not the system's", () => {
		const header = bearer();
		const issued = Date.now();
		expect(authenticate(header, verifier(), issued + (TTL - 5) * 1000)).toEqual({ id: "u1", sid: "s1", roles: ["user"] });
		expect(authenticate(header, verifier(), issued + (TTL + 5) * 1000)).toEqual({ failure: "expired" });
	});

	it("a token of an ended session is revoked until its session's tokens would have expired", () => {
		const v = verifier();
		const now = Date.now();
		v.revoke([{ id: "ended", until: now + 60_000 }]);
		expect(authenticate(bearer("ended"), v, now)).toEqual({ failure: "revoked" });
		expect(authenticate(bearer("other"), v, now)).toEqual({ id: "u1", sid: "other", roles: ["user"] });
	});
});

describe("authenticate with the cache of verified tokens (CallerIdentity's, the one every node uses)", () => {
	/** A verifier whose keys the test can take away, to tell a cached answer from a verified one. */
	function cached(capacity?: number): { v: CallerIdentity; keys: Map<string, VerificationKey> } {
		const keys = new Map(loadVerificationKeys(config).map(k => [k.kid, k]));
		return { v: new CallerIdentity(keys, { issuer: config.jwtIssuer, audience: config.jwtAudience }, capacity), keys };
	}

	it("a token verified once is served from the cache: it still passes once no key could verify it", () => {
		const { v, keys } = cached();
		const header = bearer();
		expect(authenticate(header, v, Date.now())).toEqual({ id: "u1", sid: "s1", roles: ["user"] });
		keys.clear();
		expect(authenticate(header, v, Date.now())).toEqual({ id: "u1", sid: "s1", roles: ["user"] });
		expect(authenticate(bearer("s2"), v, Date.now())).toEqual({ failure: "invalid" });
	});

	it("a cached token of a session ended afterwards is refused at once", () => {
		const { v } = cached();
		const header = bearer("ending");
		const now = Date.now();
		expect(authenticate(header, v, now)).toEqual({ id: "u1", sid: "ending", roles: ["user"] });
		v.revoke([{ id: "ending", until: now + 60_000 }]);
		expect(authenticate(header, v, now)).toEqual({ failure: "revoked" });
	});

	it("ended sessions are dropped from the cache", () => {
		const { v } = cached();
		authenticate(bearer("a"), v, Date.now());
		authenticate(bearer("b"), v, Date.now());
		v.revoke([{ id: "a", until: Date.now() + 60_000 }]);
		expect(v.cached).toBe(1);
	});

	it("a cached token expires at its exp, by the clock it is given", () => {
		const { v } = cached();
		const header = bearer();
		const issued = Date.now();
		expect(authenticate(header, v, issued)).toEqual({ id: "u1", sid: "s1", roles: ["user"] });
		expect(authenticate(header, v, issued + (TTL + 5) * 1000)).toEqual({ failure: "expired" });
		expect(v.cached).toBe(0);
	});

	it("pruning forgets expired tokens", () => {
		const { v } = cached();
		const issued = Date.now();
		authenticate(bearer(), v, issued);
		v.prune(issued + (TTL + 5) * 1000);
		expect(v.cached).toBe(0);
	});

	it("holds at most its capacity, the oldest going first", () => {
		const { v, keys } = cached(2);
		const [a, b, c] = [bearer("a"), bearer("b"), bearer("c")];
		for (const header of [a, b, c]) authenticate(header, v, Date.now());
		expect(v.cached).toBe(2);
		keys.clear();
		expect(authenticate(a, v, Date.now())).toEqual({ failure: "invalid" });
		expect(authenticate(c, v, Date.now())).toEqual({ id: "u1", sid: "c", roles: ["user"] });
	});

	it("the caller it hands out cannot be changed by a later reader", () => {
		const { v } = cached();
		const header = bearer();
		authenticate(header, v, Date.now());
		const user = authenticate(header, v, Date.now()) as { roles: string[] };
		expect(() => user.roles.push("admin")).toThrow(TypeError);
	});
});
