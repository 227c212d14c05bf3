import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, Service, ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import type { Config } from "../../lib/config";
import { apiError } from "../../lib/errors";
import { registerHttpMetrics, type MetricRegistry } from "../../lib/metrics";
import { toJwks } from "../../lib/tokens/keys";
import type { AppMeta, AuthUser, ServiceDeps } from "../../lib/types";
import { authenticate, bearerToken } from "./authenticate";
import { clientIp } from "./client-ip";
import { checkReadiness, type Readiness } from "./readiness";
import { toHttpError } from "./http-error";
import { answerFlow, flowCookies, takeFlowCookie } from "./flow-cookie";
import { mountOidc, type OidcMount } from "./oidc/mount";
import { servedDocument } from "./openapi";
import { corsSettings } from "./cors";
import { measureRequest } from "./http-metrics";
import { checkBodyRequest, dropProtoKeys, refuseDeepJson } from "./request-guards";
import { ROUTE_GROUPS, ROUTES, allowHeader, findRoute, requestPath } from "./routes";
import { giveSessionCookie, sessionCookies, takeSessionCookie, type SessionRequest } from "./session-cookie";
import { createDocsHandler } from "../../web/docs";
import { createWebHandler, findWebDir, interactionPage, type WebHandler } from "../../web/serve";

const SECURITY_HEADERS: Record<string, string> = {
	"X-Content-Type-Options": "nosniff",
	"X-Frame-Options": "DENY",
	"Referrer-Policy": "no-referrer",
	"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"
};

interface GatewayRequest extends SessionRequest {
	$alias?: { action?: string };
	$ctx?: Context<unknown, AppMeta>;
	/** The URL as received (moleculer-web makes `url` relative to the matched route). */
	originalUrl?: string;
	query?: Record<string, unknown>;
}

type GatewayThis = Service & {
	/** The OpenID Provider under the issuer's path (null: off, no signing key here). */
	oidc: OidcMount | null;
	/** The hosted pages and /api/docs, when HOSTED_PAGES is on. */
	pages?: WebHandler[];
};

type Ctx<P = Record<string, never>> = Context<P, AppMeta>;

export default function apiService(config: Config, deps: ServiceDeps, version: string): ServiceSchema {
	const { clock, identity } = deps;
	const routeOf = new Map(ROUTES.map(route => [route.action, route]));
	const cookies = sessionCookies(config);
	const flows = flowCookies(config);
	const routes = ROUTE_GROUPS.map(group => ({
		path: group.prefix,
		mappingPolicy: "restrict",
		// Every route reads the caller; which actions need one is declared on the actions (access control).
		authentication: true,
		aliases: Object.fromEntries(group.routes.map(r => [`${r.method} ${r.path}`, r.action])),
		bodyParsers: { json: { limit: "100kb", strict: true, reviver: dropProtoKeys, verify: refuseDeepJson }, urlencoded: false },
		// No per-request log lines (the settings below turn them all off), and so none of the work moleculer-web
		// does for them on every request even when nothing is printed (timing, colouring the status line).
		// Errors are logged by onError, client mistakes are answered, not logged.
		logging: false,
		// The success status is the route table's: handlers only return data.
		onAfterCall(this: GatewayThis, ctx: Ctx, _route: unknown, req: GatewayRequest, res: ServerResponse, data: unknown) {
			const route = req.$alias?.action ? routeOf.get(req.$alias.action) : undefined;
			if (route && ctx.meta.$statusCode === undefined) ctx.meta.$statusCode = route.status;
			if (route?.location && ctx.meta.$location === undefined) ctx.meta.$location = route.location;
			if (route?.flowCookie) return answerFlow(route, res, ctx.meta, data, flows, cookies);
			return giveSessionCookie(cookies, req, res, data, route?.sessionCookie === true);
		},
		onBeforeCall(this: GatewayThis, ctx: Ctx, _route: unknown, req: GatewayRequest) {
			ctx.meta.clientIp = clientIp(req, config.trustProxy);
			ctx.meta.userAgent = typeof req.headers["user-agent"] === "string" ? req.headers["user-agent"] : undefined;
			checkBodyRequest(req);
			const route = req.$alias?.action ? routeOf.get(req.$alias.action) : undefined;
			takeSessionCookie(cookies, req, route?.sessionCookie === true);
			takeFlowCookie(route, req, ctx.meta);
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
			cors: corsSettings(config),
			onError(this: GatewayThis, req: GatewayRequest, res: ServerResponse, err: unknown) {
				const path = requestPath(req.originalUrl ?? req.url ?? "/");
				// No route of this method, but the path is known: 405 with the methods it has.
				const allow = !req.$alias ? allowHeader(path) : undefined;
				const mapped = toHttpError(allow && toHttpError(err).status === 404 ? apiError("METHOD_NOT_ALLOWED") : err);
				if (mapped.unexpected) {
					const e = err as Error;
					this.logger.error(`${req.method} ${path} failed:`, e?.name, e?.message, e?.stack);
				}
				if (res.headersSent) return;
				if (mapped.status === 405 && allow) mapped.headers.Allow = allow;
				// A browser session whose refresh token was refused: the cookie is of no more use.
				if (req.$cookieSession && mapped.status === 401 && (req.$alias?.action ? routeOf.get(req.$alias.action)?.sessionCookie : false)) mapped.headers["Set-Cookie"] = cookies.clear();
				// RFC 6750: a 401 names the scheme, and says so when the token sent was refused.
				if (mapped.status === 401) mapped.headers["WWW-Authenticate"] = req.$ctx?.meta.authFailure ? 'Bearer error="invalid_token"' : "Bearer";
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
				async handler(this: GatewayThis, ctx: Ctx): Promise<Readiness> {
					const readiness = await checkReadiness(ctx, identity.revocationsLoaded);
					if (readiness.status !== "ok") ctx.meta.$statusCode = 503;
					return readiness;
				}
			},

			openapi: {
				summary: "This document",
				handler(this: GatewayThis) {
					return servedDocument(this.broker, version);
				}
			},

			jwks: {
				summary: "Public keys that verify access tokens",
				handler(this: GatewayThis, ctx: Ctx) {
					ctx.meta.$responseHeaders = { "Cache-Control": "public, max-age=300" };
					return toJwks([...identity.keys.values()]);
				}
			}
		},

		methods: {
			authenticate(this: GatewayThis, ctx: Ctx, _route: unknown, req: IncomingMessage): Readonly<AuthUser> | null {
				const caller = authenticate(req.headers.authorization, identity, clock.now());
				if (caller && "failure" in caller) ctx.meta.authFailure = caller.failure;
				// Forwarded, so that the node running the action verifies the caller itself (CONTRACT §7).
				else if (caller) ctx.meta.accessToken = bearerToken(req.headers.authorization) as string;
				return caller && "id" in caller ? caller : null;
			},

			httpHandler(this: GatewayThis, req: IncomingMessage, res: ServerResponse, next?: () => void) {
				if (this.broker.isMetricsEnabled()) measureRequest(this.broker.metrics as unknown as MetricRegistry, req, res);
				// The hosted pages, their assets and /api/docs answer with their own headers (CSP for pages).
				if (this.pages?.some(handler => handler(req, res))) return;
				for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
				if (this.oidc?.(req, res)) return;
				// OPTIONS never runs an action: a CORS preflight is moleculer-web's, any other answers what the path allows.
				const allow = req.method === "OPTIONS" ? allowHeader(requestPath(req.url ?? "/")) : undefined;
				if (allow && !(config.corsOrigins && req.headers["access-control-request-method"])) {
					res.writeHead(204, { Allow: allow });
					res.end();
					return;
				}
				// HEAD is GET without the body (RFC 9110); node's response already leaves the body out for a HEAD request.
				if (req.method === "HEAD" && findRoute("GET", requestPath(req.url ?? "/"))) req.method = "GET";
				return (ApiGateway.methods as { httpHandler: (...args: unknown[]) => unknown }).httpHandler.call(this, req, res, next);
			}
		},

		created(this: GatewayThis) {
			if (this.broker.isMetricsEnabled()) registerHttpMetrics(this.broker.metrics as unknown as MetricRegistry);
			const webDir = config.hostedPages ? findWebDir() : null;
			this.oidc = mountOidc(config, this.broker, { identity, clock, interactionPage: webDir ? interactionPage({ webDir, appName: config.appName }) : null });
			const providers = config.oidcProviders.map(({ id, name }) => ({ id, name }));
			if (webDir) this.pages = [createWebHandler({ webDir, appName: config.appName, providers }), createDocsHandler({ webDir })];
		}
	};
	return schema as unknown as ServiceSchema;
}
