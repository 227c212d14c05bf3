import { Errors } from "moleculer";
import { ApiError, apiError, ERROR_TYPES, throttled, type ErrorType } from "../../lib/errors";

describe("ApiError", () => {
	it.each(Object.keys(ERROR_TYPES) as ErrorType[])("%s carries its type, code, name and default message", type => {
		const err = apiError(type);
		expect(err).toBeInstanceOf(Errors.MoleculerError);
		expect(err).toBeInstanceOf(ApiError);
		expect(err.type).toBe(type);
		expect(err.code).toBe(ERROR_TYPES[type].code);
		expect(err.name).toBe(ERROR_TYPES[type].name);
		expect(err.message).toBe(ERROR_TYPES[type].message);
	});

	it("every type has an upper-case name, a status and a message", () => {
		for (const [type, spec] of Object.entries(ERROR_TYPES)) {
			expect(type).toMatch(/^[A-Z_]+$/);
			expect(spec.code).toBeGreaterThanOrEqual(400);
			expect(spec.code).toBeLessThan(600);
			expect(spec.name).toMatch(/Error$/);
			expect(spec.message.length).toBeGreaterThan(0);
		}
	});

	it("takes a custom message, data and code", () => {
		const err = new ApiError("INVALID_TOKEN", "Bad link", { reason: "used" }, 400);
		expect(err.message).toBe("Bad link");
		expect(err.data).toEqual({ reason: "used" });
		expect(err.code).toBe(400);
		expect(err.type).toBe("INVALID_TOKEN");
	});

	it("only 503s are retryable by the broker", () => {
		expect(apiError("SERVICE_UNAVAILABLE").retryable).toBe(true);
		for (const type of Object.keys(ERROR_TYPES) as ErrorType[]) {
			if (type !== "SERVICE_UNAVAILABLE") expect(apiError(type).retryable).toBe(false);
		}
	});
});

describe("throttled", () => {
	it("carries retryAfter in whole seconds, at least 1", () => {
		expect(throttled("TOO_MANY_ATTEMPTS", 29.1).data).toEqual({ retryAfter: 30 });
		expect(throttled("RATE_LIMITED", 0).data).toEqual({ retryAfter: 1 });
		expect(throttled("RATE_LIMITED", -5).data).toEqual({ retryAfter: 1 });
		const err = throttled("TOO_MANY_ATTEMPTS", 60);
		expect(err.code).toBe(429);
		expect(err.type).toBe("TOO_MANY_ATTEMPTS");
	});
});
