/** The gateway's side of "sign in with another provider": the flow cookie and the redirect answers. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { answerFlow, flowCookies, takeFlowCookie } from "../../../services/api/flow-cookie";
import { ROUTES, type Route } from "../../../services/api/routes";
import { sessionCookies } from "../../../services/api/session-cookie";
import type { AppMeta } from "../../../lib/types";

const route = (action: string): Route => ROUTES.find(r => r.action === action)!;
const session = sessionCookies({ appUrl: "http://localhost:3000", refreshTokenTtl: 60 });

function response() {
	const headers: Record<string, unknown> = {};
	return { headers, res: { setHeader: (name: string, value: unknown) => void (headers[name] = value) } as unknown as ServerResponse };
}

describe("flow cookie", () => {
	it("is HttpOnly, SameSite=Lax, scoped to the flow's routes, 10 minutes; Secure when APP_URL is https", () => {
		expect(flowCookies({ appUrl: "http://localhost:3000" }).set("v4lue")).toBe("oidc_flow=v4lue; Path=/api/v1/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=600");
		expect(flowCookies({ appUrl: "https://id.example.com" }).clear()).toBe("oidc_flow=; Path=/api/v1/auth/oidc; HttpOnly; SameSite=Lax; Secure; Max-Age=0");
	});

	it("reaches the callback only", () => {
		const req = { headers: { cookie: "a=1; oidc_flow=abc; refresh_token=r" } } as IncomingMessage;
		const meta: AppMeta = {};
		takeFlowCookie(route("auth.oidcStart"), req, meta);
		expect(meta.oidcFlowCookie).toBeUndefined();
		takeFlowCookie(route("auth.oidcCallback"), req, meta);
		expect(meta.oidcFlowCookie).toBe("abc");
	});
});

describe("answerFlow", () => {
	const flows = flowCookies({ appUrl: "http://localhost:3000" });

	it("start: a 302 to the provider with the flow cookie, no body", () => {
		const { headers, res } = response();
		const meta: AppMeta = {};
		expect(answerFlow(route("auth.oidcStart"), res, meta, { location: "https://sso.example.com/auth?x=1", flowCookie: "c" }, flows, session)).toBeNull();
		expect(meta.$location).toBe("https://sso.example.com/auth?x=1");
		expect(headers["Set-Cookie"]).toEqual([flows.set("c")]);
	});

	it("callback: the flow cookie cleared, the refresh token only in the session cookie", () => {
		const { headers, res } = response();
		const meta: AppMeta = {};
		expect(answerFlow(route("auth.oidcCallback"), res, meta, { location: "/account", refreshToken: "sess.secret" }, flows, session)).toBeNull();
		expect(meta.$location).toBe("/account");
		expect(headers["Set-Cookie"]).toEqual([flows.clear(), session.set("sess.secret")]);
	});

	it("link: {location} for the account page's fetch, with the flow cookie", () => {
		const { headers, res } = response();
		expect(answerFlow(route("auth.oidcLink"), res, {}, { location: "https://sso.example.com/auth", flowCookie: "c" }, flows, session)).toEqual({ location: "https://sso.example.com/auth" });
		expect(headers["Set-Cookie"]).toEqual([flows.set("c")]);
	});
});
