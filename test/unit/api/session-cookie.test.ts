import type { IncomingMessage } from "node:http";
import { allowedOrigins, sessionCookieOf, sessionCookies, wantsCookieSession } from "../../../services/api/session-cookie";

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe("session cookie", () => {
	it("is httpOnly, SameSite=Strict, on /api/v1/auth, for REFRESH_TOKEN_TTL; Secure exactly when APP_URL is https", () => {
		const http = sessionCookies({ appUrl: "http://localhost:3000", refreshTokenTtl: 600 });
		expect(http.set("s.x")).toBe("refresh_token=s.x; Path=/api/v1/auth; HttpOnly; SameSite=Strict; Max-Age=600");
		expect(http.clear()).toBe("refresh_token=; Path=/api/v1/auth; HttpOnly; SameSite=Strict; Max-Age=0");
		const https = sessionCookies({ appUrl: "https://id.example.com/base", refreshTokenTtl: 600 });
		expect(https.set("s.x")).toBe("refresh_token=s.x; Path=/api/v1/auth; HttpOnly; SameSite=Strict; Secure; Max-Age=600");
		expect(https.clear()).toContain("; Secure;");
	});

	it("allows APP_URL's origin and CORS_ORIGINS, never `*`, and needs an Origin header", () => {
		expect([...allowedOrigins({ appUrl: "https://id.example.com/base", corsOrigins: ["https://app.example.com", "*"] })]).toEqual(["https://id.example.com", "https://app.example.com"]);
		const cookies = sessionCookies({ appUrl: "https://id.example.com", corsOrigins: ["*"], refreshTokenTtl: 60 });
		expect(cookies.originAllowed(req({ origin: "https://id.example.com" }))).toBe(true);
		expect(cookies.originAllowed(req({ origin: "https://evil.example" }))).toBe(false);
		expect(cookies.originAllowed(req({ origin: "null" }))).toBe(false);
		expect(cookies.originAllowed(req({}))).toBe(false);
	});

	it("reads the cookie among others, and the X-Session header", () => {
		expect(sessionCookieOf(req({ cookie: "a=1; refresh_token=s.abc ; b=2" }))).toBe("s.abc");
		expect(sessionCookieOf(req({ cookie: "xrefresh_token=s.abc; refresh_token=" }))).toBeUndefined();
		expect(sessionCookieOf(req({}))).toBeUndefined();
		expect(wantsCookieSession(req({ "x-session": " Cookie " }))).toBe(true);
		expect(wantsCookieSession(req({ "x-session": "bearer" }))).toBe(false);
		expect(wantsCookieSession(req({}))).toBe(false);
	});
});
