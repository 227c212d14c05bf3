import { Errors } from "moleculer";
import ApiGateway from "moleculer-web";
import { ApiError, apiError, ERROR_TYPES, throttled, type ErrorType } from "../../../lib/errors";
import { toHttpError } from "../../../services/api/http-error";

/** CONTRACT §2: every error type and its status. */
const CONTRACT_STATUS: Record<string, number> = {
	UNAUTHORIZED: 401,
	INVALID_CREDENTIALS: 401,
	INVALID_TOKEN: 401,
	TOKEN_REUSED: 401,
	FORBIDDEN: 403,
	EMAIL_NOT_VERIFIED: 403,
	ACCOUNT_DISABLED: 403,
	NOT_FOUND: 404,
	EMAIL_TAKEN: 409,
	LAST_ADMIN: 409,
	PAYLOAD_TOO_LARGE: 413,
	VALIDATION_ERROR: 422,
	WEAK_PASSWORD: 422,
	TOO_MANY_ATTEMPTS: 429,
	RATE_LIMITED: 429,
	SERVICE_UNAVAILABLE: 503
};

function expectContractBody(body: Record<string, unknown>): void {
	const keys = Object.keys(body).sort();
	expect(keys.filter(k => k !== "data")).toEqual(["code", "message", "name", "type"]);
	expect(typeof body.name).toBe("string");
	expect(typeof body.message).toBe("string");
	expect(typeof body.code).toBe("number");
	expect(body.type).toMatch(/^[A-Z_]+$/);
	expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/);
}

describe("toHttpError: the contract's error types", () => {
	it("ERROR_TYPES agrees with the contract's statuses", () => {
		for (const [type, status] of Object.entries(CONTRACT_STATUS)) {
			expect(ERROR_TYPES[type as ErrorType].code).toBe(status);
		}
	});

	it.each(Object.entries(CONTRACT_STATUS))("%s maps to %i with the contract's body", (type, status) => {
		const res = toHttpError(apiError(type as ErrorType));
		expect(res.status).toBe(status);
		expectContractBody(res.body);
		expect(res.body.code).toBe(status);
		expect(res.body.type).toBe(type);
		expect(res.body.name).toBe(ERROR_TYPES[type as ErrorType].name);
		expect(res.body).not.toHaveProperty("data");
		expect(res.unexpected).toBe(false);
	});

	it("keeps a client error's own message and object data", () => {
		const res = toHttpError(apiError("NOT_FOUND", "No such user", { id: "u1" }));
		expect(res.body).toEqual({ name: "NotFoundError", message: "No such user", code: 404, type: "NOT_FOUND", data: { id: "u1" } });
		expect(res.headers).toEqual({});
	});

	it("drops non-object data", () => {
		expect(toHttpError(new ApiError("FORBIDDEN", undefined, "secret string")).body).not.toHaveProperty("data");
		expect(toHttpError(new ApiError("FORBIDDEN", undefined, 42)).body).not.toHaveProperty("data");
	});

	it("INVALID_TOKEN thrown with code 400 (a bad e-mail link) answers 400 (CONTRACT: INVALID_TOKEN 400/401)", () => {
		const res = toHttpError(new ApiError("INVALID_TOKEN", "The link is invalid, already used or expired", undefined, 400));
		expect(res.status).toBe(400);
		expect(res.body.code).toBe(400);
		expect(res.body.type).toBe("INVALID_TOKEN");
	});

	it("does not put server-only fields (stack, nodeID, retryable) in the body", () => {
		const err = apiError("EMAIL_TAKEN") as ApiError & { nodeID?: string };
		err.nodeID = "node-secret-1";
		const res = toHttpError(err);
		expect(Object.keys(res.body).sort()).toEqual(["code", "message", "name", "type"]);
		expect(JSON.stringify(res.body)).not.toContain("node-secret-1");
	});
});

describe("toHttpError: the gateway's own refusals", () => {
	it.each([
		["METHOD_NOT_ALLOWED", 405],
		["UNSUPPORTED_MEDIA_TYPE", 415]
	] as const)("%s maps to %i with the contract's body", (type, status) => {
		const res = toHttpError(apiError(type));
		expect(res.status).toBe(status);
		expectContractBody(res.body);
		expect(res.body).toEqual({ name: ERROR_TYPES[type].name, message: ERROR_TYPES[type].message, code: status, type });
	});
});

describe("toHttpError: Retry-After", () => {
	it.each(["TOO_MANY_ATTEMPTS", "RATE_LIMITED"] as const)("%s with data.retryAfter sets the header", type => {
		const res = toHttpError(throttled(type, 12.2));
		expect(res.status).toBe(429);
		expect(res.headers["Retry-After"]).toBe("13");
		expect(res.body.data).toEqual({ retryAfter: 13 });
		expectContractBody(res.body);
	});

	it("throttled never asks for less than one second", () => {
		expect(toHttpError(throttled("RATE_LIMITED", 0)).headers["Retry-After"]).toBe("1");
	});

	it("a non-numeric retryAfter sets no header", () => {
		const res = toHttpError(apiError("RATE_LIMITED", undefined, { retryAfter: "soon" }));
		expect(res.headers).not.toHaveProperty("Retry-After");
	});
});

describe("toHttpError: validation errors", () => {
	it("keeps field/type/message and drops actual/expected (they echo passwords)", () => {
		const err = new Errors.ValidationError("Parameters validation error!", "VALIDATION_ERROR", [
			{ type: "stringMin", field: "password", message: "too short", actual: "hunter2", expected: 8, nodeID: "n1", action: "auth.register" },
			{ type: "required", field: "email", message: "required", actual: undefined }
		]);
		const res = toHttpError(err);
		expect(res.status).toBe(422);
		expect(res.body.type).toBe("VALIDATION_ERROR");
		expectContractBody(res.body);
		const data = res.body.data as Array<Record<string, unknown>>;
		expect(data).toHaveLength(2);
		for (const item of data) {
			expect(item).not.toHaveProperty("actual");
			expect(item).not.toHaveProperty("expected");
			expect(item).not.toHaveProperty("nodeID");
			expect(item).not.toHaveProperty("action");
		}
		expect(data[0]).toEqual({ field: "password", type: "stringMin", message: "too short" });
		expect(JSON.stringify(res.body)).not.toContain("hunter2");
	});

	it("sanitises non-string members of validation items", () => {
		const err = new Errors.ValidationError("bad", "VALIDATION_ERROR", [{ field: { $gt: "" }, type: 5, message: ["x"] }]);
		const [item] = toHttpError(err).body.data as Array<Record<string, unknown>>;
		expect(item.field).toBeUndefined();
		expect(item.type).toBeUndefined();
		expect(item.message).toBeUndefined();
	});
});

describe("toHttpError: body-parser errors", () => {
	it("entity.too.large → 413 PAYLOAD_TOO_LARGE", () => {
		const err = Object.assign(new Error("request entity too large"), { type: "entity.too.large", status: 413, limit: 102400 });
		const res = toHttpError(err);
		expect(res.status).toBe(413);
		expect(res.body).toEqual({ name: "PayloadTooLargeError", message: ERROR_TYPES.PAYLOAD_TOO_LARGE.message, code: 413, type: "PAYLOAD_TOO_LARGE" });
		expect(res.unexpected).toBe(false);
	});

	it.each(["entity.parse.failed", "encoding.unsupported", "charset.unsupported"])("%s → 400", type => {
		const err = Object.assign(new SyntaxError("Unexpected token } in JSON at position 12: {\"password\":\"hunter2\""), {
			type,
			status: type === "entity.parse.failed" ? 400 : 415,
			body: '{"password":"hunter2"'
		});
		const res = toHttpError(err);
		expect(res.status).toBe(400);
		expect(res.body.code).toBe(400);
		expect(res.body.type).toBe("BAD_REQUEST");
		expectContractBody(res.body);
		expect(JSON.stringify(res.body)).not.toContain("hunter2");
		expect(res.unexpected).toBe(false);
	});

	it("a bare {type:'entity.parse.failed', status:400} → 400", () => {
		expect(toHttpError({ type: "entity.parse.failed", status: 400 }).status).toBe(400);
		expect(toHttpError({ type: "entity.too.large", status: 413 }).status).toBe(413);
	});
});

describe("toHttpError: unexpected errors", () => {
	it("an unknown Error → 500 INTERNAL_ERROR without its message, flagged unexpected", () => {
		const res = toHttpError(new Error("connect ECONNREFUSED mongodb://admin:pw@db:27017 at UsersService.find"));
		expect(res.status).toBe(500);
		expect(res.body).toEqual({ name: "InternalServerError", message: "Internal server error", code: 500, type: "INTERNAL_ERROR" });
		expect(res.unexpected).toBe(true);
		expect(res.headers).toEqual({});
	});

	it.each([null, undefined, "a string", 42, Symbol("s"), [1, 2]])("a thrown %p → 500", value => {
		const res = toHttpError(value);
		expect(res.status).toBe(500);
		expect(res.body.type).toBe("INTERNAL_ERROR");
		expect(res.unexpected).toBe(true);
	});

	it("a TypeError with a client-looking type is still hidden", () => {
		const res = toHttpError(Object.assign(new TypeError("x is undefined"), { type: "SOMETHING_ELSE" }));
		expect(res.status).toBe(500);
		expect(res.body.message).toBe("Internal server error");
	});

	it("a contract type with a 5xx code is not trusted as a client error", () => {
		const res = toHttpError({ type: "FORBIDDEN", code: 500, message: "db password is hunter2" });
		expect(res.status).toBe(500);
		expect(JSON.stringify(res.body)).not.toContain("hunter2");
		expect(res.unexpected).toBe(true);
	});

	it("moleculer server errors do not show their message", () => {
		const res = toHttpError(new Errors.MoleculerServerError("secret detail", 500, "SOME_SERVER_ERROR"));
		expect(res.status).toBe(500);
		expect(JSON.stringify(res.body)).not.toContain("secret detail");
		expect(toHttpError(apiError("INTERNAL_ERROR", "secret detail")).body.message).toBe("Internal server error");
	});

	it("an unknown error with code/status 400 → 400 BAD_REQUEST, generic message", () => {
		const res = toHttpError({ status: 400, message: "some parser said: hunter2" });
		expect(res.status).toBe(400);
		expect(res.body.type).toBe("BAD_REQUEST");
		expect(res.body.message).not.toContain("hunter2");
	});
});

describe("toHttpError: broker and gateway errors", () => {
	it.each([
		["ServiceNotAvailableError", new Errors.ServiceNotAvailableError({ action: "users.get", nodeID: "node-1" })],
		["RequestTimeoutError", new Errors.RequestTimeoutError({ action: "users.get", nodeID: "node-1" })],
		["RequestRejectedError", new Errors.RequestRejectedError({ action: "users.get", nodeID: "node-1" })],
		["QueueIsFullError", new Errors.QueueIsFullError({ action: "users.get", nodeID: "node-1", size: 1, limit: 1 })],
		["BrokerDisconnectedError", new (Errors.BrokerDisconnectedError as unknown as new () => Error)()],
		["RequestSkippedError", new Errors.RequestSkippedError({ action: "users.get", nodeID: "node-1" })]
	])("moleculer's %s → 503 SERVICE_UNAVAILABLE with Retry-After", (_name, err) => {
		const res = toHttpError(err);
		expect(res.status).toBe(503);
		expect(res.body).toEqual({
			name: "ServiceUnavailableError",
			message: ERROR_TYPES.SERVICE_UNAVAILABLE.message,
			code: 503,
			type: "SERVICE_UNAVAILABLE"
		});
		expect(res.headers["Retry-After"]).toBe("5");
		expect(JSON.stringify(res.body)).not.toContain("users.get");
		expect(JSON.stringify(res.body)).not.toContain("node-1");
	});

	it("moleculer-web's ServiceUnavailableError (no service for a route) → 503 SERVICE_UNAVAILABLE", () => {
		const res = toHttpError(new ApiGateway.Errors.ServiceUnavailableError(undefined as unknown as string));
		expect(res.status).toBe(503);
		expect(res.body.type).toBe("SERVICE_UNAVAILABLE");
	});

	it("moleculer's ServiceNotFoundError and moleculer-web's NotFoundError → 404 NOT_FOUND without internal names", () => {
		const res = toHttpError(new Errors.ServiceNotFoundError({ action: "$node.list", nodeID: "node-1" }));
		expect(res.status).toBe(404);
		expect(res.body).toEqual({ name: "NotFoundError", message: "Not found", code: 404, type: "NOT_FOUND" });
		const web = toHttpError(new ApiGateway.Errors.NotFoundError(undefined as unknown as string));
		expect(web.status).toBe(404);
		expect(web.body.type).toBe("NOT_FOUND");
	});

	it("moleculer-web's PayloadTooLarge → 413", () => {
		const PayloadTooLarge = (ApiGateway.Errors as unknown as Record<string, new (data?: unknown) => Error>).PayloadTooLarge;
		const res = toHttpError(new PayloadTooLarge());
		expect(res.status).toBe(413);
		expect(res.body.type).toBe("PAYLOAD_TOO_LARGE");
	});

	it("moleculer-web's token and rights errors map to 401/403", () => {
		expect(toHttpError({ type: "NO_TOKEN", code: 401 }).status).toBe(401);
		expect(toHttpError({ type: "NO_TOKEN", code: 401 }).body.type).toBe("UNAUTHORIZED");
		expect(toHttpError({ type: "NO_RIGHTS", code: 403 }).body.type).toBe("FORBIDDEN");
		expect(toHttpError({ type: "NO_RIGHTS", code: 403 }).status).toBe(403);
		expect(toHttpError({ type: "INVALID_TOKEN", code: 401 }).status).toBe(401);
	});

	it("moleculer-web's BadRequestError (e.g. undecodable parameter) → 400", () => {
		const res = toHttpError(new ApiGateway.Errors.BadRequestError("ERR_UNABLE_DECODE_PARAM", { params: "%E0%A4%A" }));
		expect(res.status).toBe(400);
		expect(res.body.type).toBe("BAD_REQUEST");
		expect(res.body).not.toHaveProperty("data");
	});
});
