/**
 * The one test kit: the contract's shapes (the user from lib/user-schema.ts, the error body), sign-up and
 * login shortcuts, a record of every secret a test used (to look for them in the logs) and small utilities.
 */
import Ajv from "ajv";
import { USER_SCHEMA, type PublicUser } from "../../lib/user-schema";
import type { HttpResult, TestApp } from "./app";

// --- Shapes ---------------------------------------------------------------------------------------------------

export const SESSION_FIELDS = ["createdAt", "current", "expiresAt", "id", "ip", "lastUsedAt", "userAgent"];

/** The keys an error body may have (CONTRACT §2). */
const ERROR_KEYS = ["code", "data", "message", "name", "type"];

/** Exactly what `Date.prototype.toISOString` writes: the times the services answer with. */
export function isIsoTime(value: unknown): value is string {
	return typeof value === "string" && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value;
}

export function expectIso(value: unknown): void {
	expect({ value, iso: isIsoTime(value) }).toEqual({ value, iso: true });
}

const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addFormat("date-time", { type: "string", validate: isIsoTime });
ajv.addFormat("email", /^[^\s@]+@[^\s@]+$/);
ajv.addFormat("uri", { type: "string", validate: (value: string) => URL.canParse(value) });
const validateUser = ajv.compile<PublicUser>(USER_SCHEMA as unknown as Record<string, unknown>);

/** The contract's user, judged by the schema the responses are built from (lib/user-schema.ts). */
export function expectUser(user: unknown): void {
	const valid = validateUser(user);
	expect({ user, errors: valid ? null : ajv.errorsText(validateUser.errors) }).toEqual({ user, errors: null });
}

/** Words that would betray internals in an error body. */
const INTERNAL_MARKERS = [/"stack"/i, /node_modules/, /\bat \S+ \(/, /\bat .+\.(ts|js):\d+/, /\.ts:\d+/, /Moleculer/i, /\bauth\.\w+/, /\busers\.\w+/, /\bnotifications\.\w+/, /\$2[aby]\$/, /"_id"/];

export function expectNoInternals(text: string): void {
	for (const marker of INTERNAL_MARKERS) expect(text).not.toMatch(marker);
}

/** CONTRACT §2: this status, this type, the body `{name, message, code, type, data?}` and no internals. */
export function expectError(res: HttpResult<any>, status: number, type: string): void {
	const context = `${res.status} ${res.text.slice(0, 500)}`;
	expect({ status: res.status, type: res.body?.type, context }).toEqual({ status, type, context });
	expect(res.headers.get("content-type") ?? "").toMatch(/application\/json/);
	const body = res.body;
	expect(body !== null && typeof body === "object" && !Array.isArray(body)).toBe(true);
	for (const key of Object.keys(body)) expect(ERROR_KEYS).toContain(key);
	expect(typeof body.name).toBe("string");
	expect(typeof body.message).toBe("string");
	expect(body.code).toBe(status);
	expect(body.type).toMatch(/^[A-Z][A-Z0-9_]*$/);
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

// --- Secrets ----------------------------------------------------------------------------------------------------

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

// --- Accounts ---------------------------------------------------------------------------------------------------

let counter = 0;
/** An address no other test in this process uses. */
export function uniqueEmail(prefix = "user"): string {
	counter += 1;
	return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}@example.com`;
}

export interface Account {
	email: string;
	password: string;
	user: any;
}

export interface Tokens {
	accessToken: string;
	refreshToken: string;
	tokenType: string;
	expiresIn: number;
	user: any;
}

/** An account that is signed in. */
export type TestUser = Account & Tokens;

export interface LoginOptions {
	/** Records the tokens. */
	secrets?: Secrets;
	headers?: Record<string, string>;
}

/** Logs in; fails the test unless the answer is 200. */
export async function login(app: TestApp, email: string, password: string, opts: LoginOptions = {}): Promise<Tokens> {
	const res = await app.request<Tokens>("POST", "/api/v1/auth/login", { body: { email, password }, headers: opts.headers });
	if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${res.text}`);
	opts.secrets?.addTokens(res.body);
	return res.body;
}

export interface RegisterOptions {
	email?: string;
	password?: string;
	displayName?: string;
	locale?: string;
	/** Records the password, the verification token and any tokens. */
	secrets?: Secrets;
	/** false: leave the address unverified (default: verify it with the link from the real e-mail). */
	verify?: boolean;
	/** true: also log in, and return the tokens with the account (needs a verified address). */
	login?: boolean;
}

/** Registers an account (201 expected), verifies it unless told otherwise, and logs in when asked. */
export async function registerUser(app: TestApp, opts: RegisterOptions & { login: true }): Promise<TestUser>;
export async function registerUser(app: TestApp, opts?: RegisterOptions): Promise<Account>;
export async function registerUser(app: TestApp, opts: RegisterOptions = {}): Promise<Account | TestUser> {
	const email = opts.email ?? uniqueEmail();
	const password = opts.password ?? `pw-${Math.random().toString(36).slice(2)}-Tr0ub4dor`;
	opts.secrets?.add(password);
	const body: Record<string, string> = { email, password };
	if (opts.displayName !== undefined) body.displayName = opts.displayName;
	if (opts.locale !== undefined) body.locale = opts.locale;
	const res = await app.request("POST", "/api/v1/auth/register", { body });
	if (res.status !== 201) throw new Error(`register ${email}: ${res.status} ${res.text}`);
	let user = res.body;
	if (opts.verify !== false) {
		const token = await app.mail.tokenFor(email, "verify-email");
		opts.secrets?.add(token);
		const ver = await app.request("POST", "/api/v1/auth/verify-email", { body: { token } });
		if (ver.status !== 200) throw new Error(`verify ${email}: ${ver.status} ${ver.text}`);
		user = ver.body;
	}
	if (!opts.login) return { email, password, user };
	const tokens = await login(app, email, password, { secrets: opts.secrets });
	return { ...tokens, email, password, user: tokens.user };
}

/** Every e-mail sent to this address so far. */
export function mailsTo(app: TestApp, email: string) {
	return app.mail.messages.filter(m => m.to.toLowerCase() === email.toLowerCase());
}

// --- Utilities --------------------------------------------------------------------------------------------------

export function sleep(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}

/** A copy of `obj` without `keys`. */
export function omit<T extends Record<string, unknown>>(obj: T, ...keys: string[]): Record<string, unknown> {
	return Object.fromEntries(Object.entries(obj).filter(([k]) => !keys.includes(k)));
}

/** Waits when a fixed one-minute rate-limit window is about to roll over, so a test sees a single window. */
export async function awayFromMinuteBoundary(marginMs = 8_000): Promise<void> {
	const intoMinute = Date.now() % 60_000;
	if (intoMinute > 60_000 - marginMs) await sleep(60_000 - intoMinute + 250);
}
