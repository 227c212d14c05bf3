import { ROUTES, allowHeader, errorsOf, findRoute, requestPath, routesOf } from "../../../services/api/routes";

describe("the route table", () => {
	it("declares each method and path once", () => {
		const keys = ROUTES.map(r => `${r.method} ${r.fullPath}`);
		expect(new Set(keys).size).toBe(keys.length);
	});

	it("maps a request to its route in the gateway's order: a literal segment before a parameter", () => {
		expect(findRoute("GET", "/api/v1/users/me")?.action).toBe("users.me");
		expect(findRoute("get", "/api/v1/users/42")?.action).toBe("users.get");
		expect(findRoute("POST", "/api/v1/notifications/read-all")?.action).toBe("notifications.markAllRead");
		expect(findRoute("POST", "/api/v1/notifications/n1/read")?.action).toBe("notifications.markRead");
		expect(findRoute("GET", "/api/v1/users")?.action).toBe("users.list");
		expect(findRoute("GET", "/api/openapi.json")?.action).toBe("api.openapi");
		expect(findRoute("GET", "/api/openapiXjson")).toBeUndefined();
		expect(findRoute("PUT", "/api/v1/users/me")).toBeUndefined();
	});

	it("reads a URL's path as the gateway does: no query string, no trailing slash", () => {
		expect(requestPath("/api/v1/users/?page=2")).toBe("/api/v1/users");
		expect(requestPath("/")).toBe("/");
	});

	it("names the methods of a known path in Allow, and none for an unknown one", () => {
		expect(allowHeader("/api/v1/users/me")).toBe("GET, HEAD, PATCH, DELETE, OPTIONS");
		expect(allowHeader("/api/v1/auth/login")).toBe("POST, OPTIONS");
		expect(allowHeader("/api/v1/users/me/extra")).toBeUndefined();
		expect(routesOf("/nope")).toEqual([]);
	});

	it("derives the errors of a route from its kind and adds its own", () => {
		const login = findRoute("POST", "/api/v1/auth/login")!;
		expect(errorsOf(login, { params: { email: "string" } })).toEqual(
			[
				"BAD_REQUEST",
				"PAYLOAD_TOO_LARGE",
				"UNSUPPORTED_MEDIA_TYPE",
				"VALIDATION_ERROR",
				"RATE_LIMITED",
				"FORBIDDEN",
				"SERVICE_UNAVAILABLE",
				"INVALID_CREDENTIALS",
				"EMAIL_NOT_VERIFIED",
				"ACCOUNT_DISABLED",
				"TOO_MANY_ATTEMPTS"
			].map(type => ({ type }))
		);
		const me = findRoute("GET", "/api/v1/users/me")!;
		expect(errorsOf(me, { auth: "required" }).map(e => e.type)).toEqual(["UNAUTHORIZED", "INVALID_TOKEN", "FORBIDDEN", "MFA_REQUIRED", "SERVICE_UNAVAILABLE", "NOT_FOUND"]);
		// A token limited to enrolment (MFA_REQUIRED_ROLES) reaches the actions marked `enrolment`: no MFA_REQUIRED there.
		expect(errorsOf(me, { auth: "required", enrolment: true }).map(e => e.type)).not.toContain("MFA_REQUIRED");
		// A secured route of the IP-limited group is not limited per IP.
		const clear = findRoute("POST", "/api/v1/auth/throttles/clear")!;
		expect(errorsOf(clear, { roles: ["admin"] }).map(e => e.type)).not.toContain("RATE_LIMITED");
		const link = findRoute("POST", "/api/v1/auth/verify-email")!;
		expect(errorsOf(link, {})).toContainEqual({ type: "INVALID_TOKEN", status: 400 });
	});
});
