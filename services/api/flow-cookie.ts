/**
 * "Sign in with another provider" at the gateway: the flow cookie that binds a flow to the browser that started
 * it (HttpOnly, SameSite=Lax so that the provider's redirect back carries it, scoped to the flow's routes, 10
 * minutes), and the redirect answers of its steps. The flow itself is auth's (services/auth/federation/flow.ts);
 * the cookie only proves "same browser" (auth keeps its hash).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Config } from "../../lib/config";
import type { AppMeta } from "../../lib/types";
import type { FlowAnswer } from "../auth/federation/flow";
import { API_PREFIX, type Route } from "./routes";
import { cookieOf, type SessionCookies } from "./session-cookie";

export const FLOW_COOKIE = "oidc_flow";
const FLOW_COOKIE_MAX_AGE = 600;

export interface FlowCookies {
	set(value: string): string;
	clear(): string;
}

export function flowCookies(config: Pick<Config, "appUrl">): FlowCookies {
	const attributes = `Path=${API_PREFIX}/auth/oidc; HttpOnly; SameSite=Lax${config.appUrl.startsWith("https:") ? "; Secure" : ""}`;
	return {
		set: value => `${FLOW_COOKIE}=${value}; ${attributes}; Max-Age=${FLOW_COOKIE_MAX_AGE}`,
		clear: () => `${FLOW_COOKIE}=; ${attributes}; Max-Age=0`
	};
}

/** Before the action: the callback gets the browser's flow cookie. */
export function takeFlowCookie(route: Route | undefined, req: IncomingMessage, meta: AppMeta): void {
	if (route?.flowCookie === "take") meta.oidcFlowCookie = cookieOf(req, FLOW_COOKIE);
}

/**
 * After the action: the cookies it hands out, then a 302 to `location` (no body), or `{location}` for the
 * account page's fetch. The refresh token goes into the browser-session cookie, never into the answer.
 */
export function answerFlow(route: Route, res: ServerResponse, meta: AppMeta, data: unknown, flow: FlowCookies, session: SessionCookies): unknown {
	const answer = data as FlowAnswer;
	const cookies: string[] = [];
	if (answer.flowCookie) cookies.push(flow.set(answer.flowCookie));
	if (route.flowCookie === "take") cookies.push(flow.clear());
	if (answer.refreshToken) cookies.push(session.set(answer.refreshToken));
	if (cookies.length) res.setHeader("Set-Cookie", cookies);
	if (route.status !== 302) return { location: answer.location };
	meta.$location = answer.location;
	return null;
}
