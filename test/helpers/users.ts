import type { HttpResult, TestApp } from "./app";

/** The keys of a user in any response (CONTRACT §2), sorted. */
export const USER_KEYS = [
	"avatarUrl",
	"bio",
	"createdAt",
	"displayName",
	"email",
	"emailVerified",
	"id",
	"lastLoginAt",
	"locale",
	"roles",
	"status",
	"timezone",
	"updatedAt"
];

/** The keys an error body may have (CONTRACT §2). */
export const ERROR_KEYS = ["code", "data", "message", "name", "type"];

export const DEFAULT_PASSWORD = "violet kettle harbour 42";

export interface TestUser {
	user: any;
	accessToken: string;
	refreshToken: string;
	email: string;
	password: string;
}

let seq = 0;

/** An address no other test in this process uses. */
export function uniqueEmail(prefix = "user"): string {
	seq += 1;
	return `${prefix}-${process.pid}-${Date.now().toString(36)}-${seq}@example.com`;
}

export function isIsoTime(value: unknown): boolean {
	return typeof value === "string" && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value;
}

/** Asserts the exact user shape of CONTRACT §2. */
export function expectUserShape(user: any): void {
	expect(user).toBeTruthy();
	expect(Object.keys(user).sort()).toEqual(USER_KEYS);
	expect(typeof user.id).toBe("string");
	expect(typeof user.email).toBe("string");
	expect(typeof user.displayName).toBe("string");
	expect(typeof user.bio).toBe("string");
	expect(user.avatarUrl === null || typeof user.avatarUrl === "string").toBe(true);
	expect(typeof user.locale).toBe("string");
	expect(typeof user.timezone).toBe("string");
	expect(Array.isArray(user.roles)).toBe(true);
	for (const role of user.roles) expect(["user", "admin"]).toContain(role);
	expect(["active", "disabled"]).toContain(user.status);
	expect(typeof user.emailVerified).toBe("boolean");
	expect(isIsoTime(user.createdAt)).toBe(true);
	expect(isIsoTime(user.updatedAt)).toBe(true);
	expect(user.lastLoginAt === null || isIsoTime(user.lastLoginAt)).toBe(true);
}

/** Asserts the error body of CONTRACT §2: exactly name, message, code, type (and maybe data), code = status, no stack. */
export function expectErrorBody(res: HttpResult, status?: number, type?: string | string[]): void {
	const context = `${res.status} ${res.text.slice(0, 500)}`;
	if (status !== undefined && res.status !== status) throw new Error(`expected status ${status}, got ${context}`);
	expect(res.headers.get("content-type") ?? "").toMatch(/application\/json/);
	const body = res.body as any;
	expect(body !== null && typeof body === "object" && !Array.isArray(body)).toBe(true);
	const keys = Object.keys(body).sort();
	for (const key of keys) expect(ERROR_KEYS).toContain(key);
	for (const key of ["code", "message", "name", "type"]) expect(keys).toContain(key);
	expect(body.code).toBe(res.status);
	expect(typeof body.name).toBe("string");
	expect(typeof body.message).toBe("string");
	expect(body.type).toMatch(/^[A-Z][A-Z0-9_]*$/);
	expect(res.text).not.toMatch(/"stack"/);
	expect(res.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
	if (type !== undefined) {
		const types = Array.isArray(type) ? type : [type];
		if (!types.includes(body.type)) throw new Error(`expected error type ${types.join(" or ")}, got ${context}`);
	}
}

/** Logs in; fails the test unless the answer is 200. */
export async function login(app: TestApp, email: string, password: string): Promise<{ accessToken: string; refreshToken: string; user: any }> {
	const res = await app.request("POST", "/api/v1/auth/login", { body: { email, password } });
	if (res.status !== 200) throw new Error(`login ${email} failed: ${res.status} ${res.text}`);
	return res.body;
}

export interface RegisterOptions {
	email?: string;
	password?: string;
	displayName?: string;
	locale?: string;
}

/** Registers an account, verifies it with the link from the real e-mail, and logs in. */
export async function registerUser(app: TestApp, opts: RegisterOptions = {}): Promise<TestUser> {
	const email = opts.email ?? uniqueEmail();
	const password = opts.password ?? DEFAULT_PASSWORD;
	const body: Record<string, string> = { email, password };
	if (opts.displayName !== undefined) body.displayName = opts.displayName;
	if (opts.locale !== undefined) body.locale = opts.locale;
	const reg = await app.request("POST", "/api/v1/auth/register", { body });
	if (reg.status !== 201) throw new Error(`register ${email} failed: ${reg.status} ${reg.text}`);
	const token = await app.mail.tokenFor(email, "verify-email");
	const ver = await app.request("POST", "/api/v1/auth/verify-email", { body: { token } });
	if (ver.status !== 200) throw new Error(`verify ${email} failed: ${ver.status} ${ver.text}`);
	const session = await login(app, email, password);
	return { user: session.user, accessToken: session.accessToken, refreshToken: session.refreshToken, email, password };
}

export const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

/** A copy of `obj` without `keys`. */
export function omit<T extends Record<string, unknown>>(obj: T, ...keys: string[]): Record<string, unknown> {
	return Object.fromEntries(Object.entries(obj).filter(([k]) => !keys.includes(k)));
}
