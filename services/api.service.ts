import type { ServiceDeps } from "../lib/types";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, Service, ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import { clientIp } from "../lib/client-ip";
import { MAX_JSON_DEPTH, jsonDepth } from "../lib/json-depth";
import type { Config } from "../lib/config";
import { apiError } from "../lib/errors";
import { toHttpError } from "../lib/http-error";
import { buildOpenApi, type ActionInfo } from "../lib/openapi";
import { RevocationSet } from "../lib/revocations";
import { verifyAccessToken } from "../lib/tokens/access";
import { loadVerificationKeys, toJwks, type VerificationKey } from "../lib/tokens/keys";
import type { AppMeta, AuthUser, RevokedSession } from "../lib/types";
import { ROUTE_GROUPS } from "./api.routes";

/** The services a gateway cannot answer without: readiness waits for them. */
const REQUIRED_SERVICES = ["users", "auth"];
const SECURITY_HEADERS: Record<string, string> = {
	"X-Content-Type-Options": "nosniff",
	"X-Frame-Options": "DENY",
	"Referrer-Policy": "no-referrer",
	"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"
};
/** Groups whose routes read the Authorization header. */
const AUTHENTICATED_PREFIXES = new Set(["/api/v1/auth", "/api/v1/users", "/api/v1/notifications", "/api/v1/audit"]);

/** body-parser's `verify` hook: a body nested past MAX_JSON_DEPTH is a 400 before it is parsed. */
function refuseDeepJson(_req: unknown, _res: unknown, body: Buffer): void {
	if (jsonDepth(body) > MAX_JSON_DEPTH) {
		throw Object.assign(new Error(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`), { status: 400, type: "entity.too.deep" });
	}
}

function dropProtoKeys(key: string, value: unknown): unknown {
	return key === "__proto__" ? undefined : value;
}

interface GatewayRequest extends IncomingMessage {
	$alias?: { action?: string };
	query?: Record<string, unknown>;
}

type GatewayThis = Service & {
	keys: Map<string, VerificationKey>;
	revocations: RevocationSet;
	revocationsLoaded: boolean;
	stopping: boolean;
	pruneTimer?: NodeJS.Timeout;
	loadRevocations(): Promise<void>;
};

type Ctx<P = Record<string, never>> = Context<P, AppMeta>;

export default function apiService(config: Config, _deps: ServiceDeps, version: string): ServiceSchema {
	const specs = new Map(ROUTE_GROUPS.flatMap(group => group.routes.map(r => [r.action, r] as const)));
	const routes = ROUTE_GROUPS.map(group => ({
		path: group.prefix,
		mappingPolicy: "restrict",
		authentication: AUTHENTICATED_PREFIXES.has(group.prefix),
		aliases: Object.fromEntries(group.routes.map(r => [`${r.method} ${r.path}`, r.action])),
		// `__proto__` keys are dropped: the gateway merges bodies into params with Object.assign.
		bodyParsers: { json: { limit: "100kb", strict: true, reviver: dropProtoKeys, verify: refuseDeepJson }, urlencoded: false },
		// Client mistakes are answered, not logged as errors.
		logging: true,
		// The success status is the route table's: handlers only return data.
		onAfterCall(this: GatewayThis, ctx: Ctx, _route: unknown, req: GatewayRequest, _res: unknown, data: unknown) {
			const spec = req.$alias?.action ? specs.get(req.$alias.action) : undefined;
			if (spec && ctx.meta.$statusCode === undefined) ctx.meta.$statusCode = spec.status;
			if (spec?.location && ctx.meta.$location === undefined) ctx.meta.$location = spec.location;
			return data;
		},
		onBeforeCall(this: GatewayThis, ctx: Ctx, _route: unknown, req: GatewayRequest) {
			const ip = clientIp(req, config.trustProxy);
			ctx.meta.clientIp = ip;
			ctx.meta.userAgent = typeof req.headers["user-agent"] === "string" ? req.headers["user-agent"] : undefined;
			// Credentials in URLs end up in proxy logs and browser history: bodies only.
			if (req.method !== "GET" && req.query && Object.keys(req.query).length > 0) {
				throw apiError("VALIDATION_ERROR", "Query parameters are not accepted on this route; send a JSON body", [
					{ field: "query", type: "forbidden", message: "Query parameters are not accepted on this route" }
				]);
			}
		}
	}));

	const schema: ServiceSchema<object, Record<string, never>, object, GatewayThis> = {
		name: "api",
		mixins: [ApiGateway],

		settings: {
			port: config.port,
			ip: "0.0.0.0",
			routes,
			// Parameters hold passwords and tokens, and a URL may too: moleculer-web logs neither.
			logRequestParams: null,
			logResponseData: null,
			logRequest: null,
			logResponse: null,
			log4XXResponses: false,
			// Browsers may call the API from these origins only; bearer tokens, so no cookies (credentials).
			cors: config.corsOrigins
				? {
						origin: config.corsOrigins.includes("*") ? "*" : config.corsOrigins,
						methods: ["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
						allowedHeaders: ["Content-Type", "Authorization"],
						exposedHeaders: ["Retry-After", "X-Request-ID", "Location"],
						credentials: false,
						maxAge: 600
					}
				: undefined,
			onError(this: GatewayThis, req: IncomingMessage, res: ServerResponse, err: unknown) {
				const mapped = toHttpError(err);
				if (mapped.unexpected) {
					const e = err as Error;
					this.logger.error(`${req.method} ${req.url?.split("?")[0]} failed:`, e?.name, e?.message, e?.stack);
				}
				if (res.headersSent) return;
				for (const [name, value] of Object.entries(mapped.headers)) res.setHeader(name, value);
				res.setHeader("Content-Type", "application/json; charset=utf-8");
				res.writeHead(mapped.status);
				res.end(JSON.stringify(mapped.body));
			}
		},

		actions: {
			live: {
				summary: "The process is running",
				handler(): { status: "ok" } {
					return { status: "ok" };
				}
			},

			ready: {
				summary: "This gateway can serve: ended sessions loaded, users and auth reachable with their stores",
				async handler(this: GatewayThis, ctx: Ctx): Promise<{ status: "ok" | "unavailable"; checks: Record<string, boolean> }> {
					const checks: Record<string, boolean> = { revocations: this.revocationsLoaded };
					await Promise.all(
						REQUIRED_SERVICES.map(async name => {
							try {
								const health = await ctx.call<{ reachable: boolean }, object>(`${name}.storeHealth`, {}, { timeout: 1_000, retries: 0 });
								checks[name] = health.reachable;
							} catch {
								checks[name] = false;
							}
						})
					);
					const ok = Object.values(checks).every(Boolean);
					if (!ok) ctx.meta.$statusCode = 503;
					return { status: ok ? "ok" : "unavailable", checks };
				}
			},

			openapi: {
				summary: "This document",
				handler(this: GatewayThis) {
					const actions = new Map<string, ActionInfo>();
					for (const item of this.broker.registry.getActionList({ skipInternal: true })) {
						if (item.action) actions.set(item.name, item.action as ActionInfo);
					}
					const routeList = ROUTE_GROUPS.flatMap(g => g.routes.map(r => ({ ...r, path: `${g.prefix}${r.path === "/" ? "" : r.path}` })));
					return buildOpenApi({ title: "User backend API", version }, routeList, actions);
				}
			},

			jwks: {
				summary: "Public keys that verify access tokens",
				handler(this: GatewayThis, ctx: Ctx) {
					ctx.meta.$responseHeaders = { "Cache-Control": "public, max-age=300" };
					return toJwks([...this.keys.values()]);
				}
			}
		},

		events: {
			"session.revoked": {
				params: { sessions: { type: "array", items: { type: "object", props: { id: "string", until: "number" } } } },
				handler(this: GatewayThis, ctx: Context<{ sessions: RevokedSession[] }>) {
					this.revocations.add(ctx.params.sessions);
				}
			}
		},

		methods: {
			authenticate(this: GatewayThis, ctx: Ctx, _route: unknown, req: IncomingMessage): AuthUser | null {
				const header = req.headers.authorization;
				if (!header) return null;
				const match = /^Bearer\s+([A-Za-z0-9_\-.]+)\s*$/i.exec(header);
				if (!match) {
					ctx.meta.authFailure = "invalid";
					return null;
				}
				const result = verifyAccessToken(match[1], this.keys, { issuer: config.jwtIssuer, audience: config.jwtAudience });
				if ("failure" in result) {
					ctx.meta.authFailure = result.failure;
					return null;
				}
				if (this.revocations.has(result.claims.sid)) {
					ctx.meta.authFailure = "revoked";
					return null;
				}
				return { id: result.claims.sub, sid: result.claims.sid, roles: result.claims.roles };
			},

			httpHandler(this: GatewayThis, req: IncomingMessage, res: ServerResponse, next?: () => void) {
				for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
				return (ApiGateway.methods as { httpHandler: (...args: unknown[]) => unknown }).httpHandler.call(this, req, res, next);
			},

			/** Sessions ended before this gateway started: retried until `auth` answers. */
			async loadRevocations(this: GatewayThis): Promise<void> {
				for (let attempt = 1; !this.revocationsLoaded && !this.stopping; attempt++) {
					try {
						await this.broker.waitForServices(["auth"], 5_000, 100);
						this.revocations.add(await this.broker.call<RevokedSession[]>("auth.revokedSessions"));
						this.revocationsLoaded = true;
					} catch (err) {
						this.logger.warn(`Could not load ended sessions yet (attempt ${attempt}):`, (err as Error).message);
						await new Promise(resolve => setTimeout(resolve, Math.min(1000 * attempt, 10_000)));
					}
				}
			}
		},

		created(this: GatewayThis) {
			this.keys = new Map(loadVerificationKeys(config).map(k => [k.kid, k]));
			this.revocations = new RevocationSet();
			this.revocationsLoaded = false;
			this.stopping = false;
		},

		started(this: GatewayThis) {
			this.pruneTimer = setInterval(() => this.revocations.prune(), 60_000);
			this.pruneTimer.unref();
			// Not awaited: the gateway answers liveness at once and readiness once this is done.
			void this.loadRevocations();
		},

		stopped(this: GatewayThis) {
			this.stopping = true;
			if (this.pruneTimer) clearInterval(this.pruneTimer);
		}
	};
	return schema as unknown as ServiceSchema;
}
