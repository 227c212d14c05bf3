import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../../lib/config";
import { signAccessToken } from "../../../lib/tokens/access";
import { loadSigningKey } from "../../../lib/tokens/keys";
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
		v.revocations.add([{ id: "ended", until: now + 60_000 }]);
		expect(authenticate(bearer("ended"), v, now)).toEqual({ failure: "revoked" });
		expect(authenticate(bearer("other"), v, now)).toEqual({ id: "u1", sid: "other", roles: ["user"] });
	});
});
