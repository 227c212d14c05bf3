/**
 * Helpers for the auth integration tests: contract shapes, sign-up/login shortcuts, a record of every
 * secret a test used (to look for them in the logs) and a way to move the services' clock.
 */
import type { HttpResult, TestApp } from "./app";
import { USER_KEYS } from "./users";

/** CONTRACT §2: a user in any response is exactly these fields. */
export const USER_FIELDS = USER_KEYS;

export const SESSION_FIELDS = ["createdAt", "current", "expiresAt", "id", "ip", "lastUsedAt", "userAgent"];

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function expectIso(value: unknown): void {
	expect(typeof value).toBe("string");
	expect(value).toMatch(ISO);
	expect(Number.isNaN(Date.parse(value as string))).toBe(false);
}

/** Exactly the contract's user, with plausible values. */
export function expectUser(user: any): void {
	expect(user).toBeTruthy();
	expect(Object.keys(user).sort()).toEqual(USER_FIELDS);
	expect(typeof user.id).toBe("string");
	expect(user.id.length).toBeGreaterThan(0);
	expect(typeof user.email).toBe("string");
	expect(Array.isArray(user.roles)).toBe(true);
	for (const role of user.roles) expect(["user", "admin"]).toContain(role);
	expect(["active", "disabled"]).toContain(user.status);
	expect(typeof user.emailVerified).toBe("boolean");
	expectIso(user.createdAt);
	expectIso(user.updatedAt);
	if (user.lastLoginAt !== null) expectIso(user.lastLoginAt);
}

/** Words that would betray internals in an error body. */
const INTERNAL_MARKERS = [/"stack"/i, /node_modules/, /\bat \S+ \(/, /\.ts:\d+/, /Moleculer/i, /\bauth\.\w+/, /\busers\.\w+/, /\bnotifications\.\w+/, /\$2[aby]\$/, /"_id"/];

export function expectNoInternals(text: string): void {
	for (const marker of INTERNAL_MARKERS) expect(text).not.toMatch(marker);
}

/** CONTRACT §2 error body `{name, message, code, type, data?}` with this status and type. */
export function expectError(res: HttpResult<any>, status: number, type?: string | string[]): void {
	const context = `${res.status} ${res.text}`;
	expect({ status: res.status, context }).toEqual({ status, context });
	expect(res.headers.get("content-type") ?? "").toMatch(/application\/json/);
	const body = res.body;
	expect(body !== null && typeof body === "object" && !Array.isArray(body)).toBe(true);
	for (const key of Object.keys(body)) expect(["name", "message", "code", "type", "data"]).toContain(key);
	expect(typeof body.name).toBe("string");
	expect(typeof body.message).toBe("string");
	expect(body.code).toBe(status);
	expect(typeof body.type).toBe("string");
	expect(body.type).toMatch(/^[A-Z][A-Z0-9_]*$/);
	if (type !== undefined) {
		if (Array.isArray(type)) expect(type).toContain(body.type);
		else expect(body.type).toBe(type);
	}
	expectNoInternals(res.text);
}

/** A 429 with a sensible Retry-After (whole seconds, in the future). */
export function expectRetryAfter(res: HttpResult<any>, maxSeconds = 3600): number {
	const header = res.headers.get("retry-after");
	expect(header).toMatch(/^\d+$/);
	const seconds = Number(header);
	expect(seconds).toBeGreaterThanOrEqual(1);
	expect(seconds).toBeLessThanOrEqual(maxSeconds);
	return seconds;
}

let counter = 0;
/** A fresh address for each call. */
export function uniqueEmail(prefix = "user"): string {
	counter += 1;
	return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}@example.com`;
}

/** Every password, token and one-time token a suite used: none may appear in any log line. */
export class Secrets {
	private readonly values = new Set<string>();

	add(...values: Array<string | undefined | null>): void {
		for (const v of values) if (typeof v === "string" && v.length >= 8) this.values.add(v);
	}

	/** Adds the tokens of a login/refresh response. */
	addTokens(body: any): void {
		if (body && typeof body === "object") this.add(body.accessToken, body.refreshToken);
	}

	get size(): number {
		return this.values.size;
	}

	/** The lines of `logs` that contain one of the secrets (or a telling part of one). */
	leaks(logs: string[]): string[] {
		const found: string[] = [];
		for (const value of this.values) {
			// A JWT's signature and a refresh token's secret (the part after its session id) matter on their own too.
			const last = value.split(".").pop()!;
			const parts = last.length >= 20 ? [value, last] : [value];
			for (const line of logs) {
				if (parts.some(p => line.includes(p))) found.push(`${value.slice(0, 12)}… in: ${line.slice(0, 300)}`);
			}
		}
		return found;
	}
}

export interface Account {
	email: string;
	password: string;
	user: any;
}

/** Registers an account (201 expected) and, unless told otherwise, verifies it with the link from the e-mail. */
export async function registerUser(app: TestApp, secrets: Secrets, opts: { email?: string; password?: string; displayName?: string; verify?: boolean } = {}): Promise<Account> {
	const email = opts.email ?? uniqueEmail();
	const password = opts.password ?? `pw-${Math.random().toString(36).slice(2)}-Tr0ub4dor`;
	secrets.add(password);
	const res = await app.request("POST", "/api/v1/auth/register", { body: { email, password, ...(opts.displayName ? { displayName: opts.displayName } : {}) } });
	if (res.status !== 201) throw new Error(`register ${email}: ${res.status} ${res.text}`);
	let user = res.body;
	if (opts.verify !== false) {
		const token = await app.mail.tokenFor(email, "verify-email");
		secrets.add(token);
		const ver = await app.request("POST", "/api/v1/auth/verify-email", { body: { token } });
		if (ver.status !== 200) throw new Error(`verify ${email}: ${ver.status} ${ver.text}`);
		user = ver.body;
	}
	return { email, password, user };
}

export interface Tokens {
	accessToken: string;
	refreshToken: string;
	tokenType: string;
	expiresIn: number;
	user: any;
}

/** Logs in (200 expected) and records the tokens. */
export async function login(app: TestApp, secrets: Secrets, email: string, password: string, headers?: Record<string, string>): Promise<Tokens> {
	const res = await app.request<Tokens>("POST", "/api/v1/auth/login", { body: { email, password }, headers });
	if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${res.text}`);
	secrets.addTokens(res.body);
	return res.body;
}

/** A JWT's header and payload, decoded without verifying. */
export function decodeJwt(token: string): { header: any; payload: any; parts: string[] } {
	const parts = token.split(".");
	expect(parts).toHaveLength(3);
	return {
		header: JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8")),
		payload: JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")),
		parts
	};
}

/** Every e-mail sent to this address so far. */
export function mailsTo(app: TestApp, email: string) {
	return app.mail.messages.filter(m => m.to.toLowerCase() === email.toLowerCase());
}

export function sleep(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}

/**
 * Runs `work` while the services' `Date.now()` is `offsetMs` ahead (they run in this test's realm).
 * Used for expiry and lock-out timing without waiting; `new Date()` is untouched.
 */
export async function withClockAhead<T>(offsetMs: number, work: () => Promise<T>): Promise<T> {
	const realNow = Date.now.bind(Date);
	const spy = jest.spyOn(Date, "now").mockImplementation(() => realNow() + offsetMs);
	try {
		return await work();
	} finally {
		spy.mockRestore();
	}
}

/** Waits when a fixed one-minute rate-limit window is about to roll over, so a test sees a single window. */
export async function awayFromMinuteBoundary(marginMs = 8_000): Promise<void> {
	const intoMinute = Date.now() % 60_000;
	if (intoMinute > 60_000 - marginMs) await sleep(60_000 - intoMinute + 250);
}
