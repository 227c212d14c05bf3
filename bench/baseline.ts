/**
 * The bare baseline of `npm run bench`: node:http, the same access-token verification as the gateway
 * (lib/tokens/access.ts, the same key from DATA_DIR) and the user from a Map. Nothing else: what any backend
 * must at least do for an authenticated read. The users arrive as JSON lines on stdin; PORT is where it listens.
 */
import http from "node:http";
import { loadConfig } from "../lib/config";
import { verifyAccessToken } from "../lib/tokens/access";
import { loadVerificationKeys } from "../lib/tokens/keys";

const config = loadConfig();
const keys = new Map(loadVerificationKeys(config).map(k => [k.kid, k]));
const users = new Map<string, unknown>();
const opts = { issuer: config.jwtIssuer, audience: config.jwtAudience };

const server = http.createServer((req, res) => {
	const match = /^Bearer\s+([A-Za-z0-9_\-.]+)\s*$/i.exec(req.headers.authorization ?? "");
	const result = match ? verifyAccessToken(match[1], keys, opts) : { failure: "invalid" as const };
	const user = "claims" in result ? users.get(result.claims.sub) : undefined;
	if (!user) {
		res.writeHead(401, { "Content-Type": "application/json" }).end('{"type":"UNAUTHORIZED"}');
		return;
	}
	res.writeHead(200, { "Content-Type": "application/json; charset=utf-8" }).end(JSON.stringify(user));
});

let buffered = "";
process.stdin.on("data", (chunk: Buffer) => {
	buffered += chunk.toString();
	for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
		const user = JSON.parse(buffered.slice(0, nl)) as { id: string };
		users.set(user.id, user);
		buffered = buffered.slice(nl + 1);
	}
});
server.listen(config.port, "127.0.0.1", () => process.stdout.write("listening\n"));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
