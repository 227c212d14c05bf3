import type { Context } from "moleculer";
import { AccessControlMiddleware } from "../../middlewares/access-control";
import { ApiError } from "../../lib/errors";
import type { AccessRule, AppMeta, AuthUser } from "../../lib/types";

type Next = (ctx: Context) => Promise<unknown>;
type Wrapper = (next: Next, action: AccessRule & { name?: string }) => Next;

const wrap = (AccessControlMiddleware as unknown as { localAction: Wrapper }).localAction;

function fakeCtx(meta: AppMeta): Context {
	return { meta, params: {} } as unknown as Context;
}

const user: AuthUser = { id: "u1", sid: "s1", roles: ["user"] };
const admin: AuthUser = { id: "a1", sid: "s2", roles: ["user", "admin"] };

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
	try {
		await promise;
	} catch (err) {
		return err as ApiError;
	}
	throw new Error("expected a rejection");
}

describe("AccessControlMiddleware.localAction", () => {
	let next: jest.Mock<Promise<unknown>, [Context]>;
	beforeEach(() => {
		next = jest.fn(async (_ctx: Context) => "handler result" as unknown);
	});

	it("is named and hooks local actions", () => {
		expect(AccessControlMiddleware.name).toBe("AccessControl");
		expect(typeof wrap).toBe("function");
	});

	it("leaves public actions unwrapped", () => {
		expect(wrap(next, { name: "auth.login" })).toBe(next);
		expect(wrap(next, { name: "auth.login", roles: [] })).toBe(next);
	});

	describe('auth: "required"', () => {
		it("calls the handler for any signed-in user", async () => {
			const handler = wrap(next, { name: "users.me", auth: "required" });
			expect(handler).not.toBe(next);
			const ctx = fakeCtx({ user });
			await expect(handler(ctx)).resolves.toBe("handler result");
			expect(next).toHaveBeenCalledWith(ctx);
		});

		it("answers 401 UNAUTHORIZED without a user, and does not call the handler", async () => {
			const handler = wrap(next, { auth: "required" });
			for (const meta of [{}, { user: null }] as AppMeta[]) {
				const err = await rejection(handler(fakeCtx(meta)));
				expect(err).toBeInstanceOf(ApiError);
				expect(err.code).toBe(401);
				expect(err.type).toBe("UNAUTHORIZED");
			}
			expect(next).not.toHaveBeenCalled();
		});

		it.each(["invalid", "expired", "revoked"] as const)("answers 401 INVALID_TOKEN when the token was %s", async authFailure => {
			const handler = wrap(next, { auth: "required" });
			const err = await rejection(handler(fakeCtx({ authFailure })));
			expect(err.code).toBe(401);
			expect(err.type).toBe("INVALID_TOKEN");
			expect(next).not.toHaveBeenCalled();
		});

		it("rejects (does not throw synchronously)", () => {
			const handler = wrap(next, { auth: "required" });
			let result: Promise<unknown> | undefined;
			expect(() => {
				result = handler(fakeCtx({}));
			}).not.toThrow();
			return expect(result).rejects.toBeInstanceOf(ApiError);
		});
	});

	describe("roles", () => {
		it("lets a holder of the role through", async () => {
			const handler = wrap(next, { name: "users.list", roles: ["admin"] });
			await expect(handler(fakeCtx({ user: admin }))).resolves.toBe("handler result");
			expect(next).toHaveBeenCalledTimes(1);
		});

		it("answers 403 FORBIDDEN to a user without the role", async () => {
			const handler = wrap(next, { roles: ["admin"] });
			const err = await rejection(handler(fakeCtx({ user })));
			expect(err.code).toBe(403);
			expect(err.type).toBe("FORBIDDEN");
			expect(next).not.toHaveBeenCalled();
		});

		it("answers 403 to a user with no roles at all", async () => {
			const handler = wrap(next, { auth: "required", roles: ["admin"] });
			const err = await rejection(handler(fakeCtx({ user: { id: "x", sid: "y", roles: [] } })));
			expect(err.type).toBe("FORBIDDEN");
		});

		it("implies auth: 401 without a user, INVALID_TOKEN with a failed token", async () => {
			const handler = wrap(next, { roles: ["admin"] });
			expect((await rejection(handler(fakeCtx({})))).type).toBe("UNAUTHORIZED");
			expect((await rejection(handler(fakeCtx({ authFailure: "expired" })))).type).toBe("INVALID_TOKEN");
			expect(next).not.toHaveBeenCalled();
		});

		it("accepts any one of several roles", async () => {
			const handler = wrap(next, { roles: ["admin", "user"] });
			await expect(handler(fakeCtx({ user }))).resolves.toBe("handler result");
		});

		it("checks each call afresh (no state kept between calls)", async () => {
			const handler = wrap(next, { roles: ["admin"] });
			await expect(handler(fakeCtx({ user: admin }))).resolves.toBe("handler result");
			await expect(handler(fakeCtx({ user }))).rejects.toMatchObject({ type: "FORBIDDEN" });
			await expect(handler(fakeCtx({ user: admin }))).resolves.toBe("handler result");
		});
	});

	it("passes the handler's own rejection through", async () => {
		next.mockRejectedValueOnce(new Error("boom"));
		const handler = wrap(next, { auth: "required" });
		await expect(handler(fakeCtx({ user }))).rejects.toThrow("boom");
	});

	describe("a token limited to second-factor enrolment (MFA_REQUIRED_ROLES)", () => {
		const enrolling: AuthUser = { ...admin, enrolmentOnly: true };

		it("reaches the actions marked `enrolment`", async () => {
			await expect(wrap(next, { auth: "required", enrolment: true })(fakeCtx({ user: enrolling }))).resolves.toBe("handler result");
		});

		it("answers 403 MFA_REQUIRED on every other secured action, roles or not, before the handler", async () => {
			for (const rule of [{ auth: "required" }, { roles: ["admin"] }] as AccessRule[]) {
				const err = await rejection(wrap(next, rule)(fakeCtx({ user: enrolling })));
				expect({ type: err.type, code: err.code }).toEqual({ type: "MFA_REQUIRED", code: 403 });
			}
			expect(next).not.toHaveBeenCalled();
		});

		it("leaves full tokens alone on the same actions", async () => {
			await expect(wrap(next, { roles: ["admin"] })(fakeCtx({ user: admin }))).resolves.toBe("handler result");
		});
	});

	it("lets an operator's console (meta.operator) through as an admin, recorded as operator:<name>", async () => {
		const ctx = fakeCtx({ operator: { name: "ops@host" } });
		await expect(wrap(next, { name: "users.list", roles: ["admin"] })(ctx)).resolves.toBe("handler result");
		expect((ctx.meta as AppMeta).user).toEqual({ id: "operator:ops@host", sid: "operator", roles: ["user", "admin"] });
	});

	it("ignores a malformed operator field", async () => {
		for (const operator of [{ name: "" }, { name: "has space" }, { name: 7 }, "ops"]) {
			const err = await rejection(wrap(next, { name: "users.list", roles: ["admin"] })(fakeCtx({ operator } as unknown as AppMeta)));
			expect(err.type).toBe("UNAUTHORIZED");
		}
	});
});
