import type { IncomingMessage } from "node:http";
import { clientIp } from "../../../services/api/client-ip";

function req(remoteAddress: string | undefined, forwarded?: string | string[]): IncomingMessage {
	return { headers: forwarded === undefined ? {} : { "x-forwarded-for": forwarded }, socket: { remoteAddress } } as unknown as IncomingMessage;
}

describe("clientIp", () => {
	it("uses the socket address when no proxy is trusted, ignoring X-Forwarded-For", () => {
		expect(clientIp(req("10.0.0.5", "1.2.3.4"), false)).toBe("10.0.0.5");
		expect(clientIp(req("10.0.0.5"), false)).toBe("10.0.0.5");
	});

	it("uses the last X-Forwarded-For address (the one the trusted proxy saw) when the proxy is trusted", () => {
		expect(clientIp(req("10.0.0.5", "1.2.3.4"), true)).toBe("1.2.3.4");
		// Entries to the left were written by the client and are not believed.
		expect(clientIp(req("10.0.0.5", " 6.6.6.6 , 1.2.3.4 "), true)).toBe("1.2.3.4");
		expect(clientIp(req("10.0.0.5", ["5.6.7.8, 10.0.0.1", "9.9.9.9"]), true)).toBe("9.9.9.9");
	});

	it("falls back to the socket address when the trusted header is missing or empty", () => {
		expect(clientIp(req("10.0.0.5"), true)).toBe("10.0.0.5");
		expect(clientIp(req("10.0.0.5", ""), true)).toBe("10.0.0.5");
		expect(clientIp(req("10.0.0.5", "1.2.3.4 , "), true)).toBe("10.0.0.5");
	});

	it("strips the IPv4-mapped IPv6 prefix", () => {
		expect(clientIp(req("::ffff:127.0.0.1"), false)).toBe("127.0.0.1");
		expect(clientIp(req("::1"), false)).toBe("::1");
		expect(clientIp(req("2001:db8::1"), false)).toBe("2001:db8::1");
	});

	it("answers 'unknown' without a socket address", () => {
		expect(clientIp(req(undefined), false)).toBe("unknown");
	});
});
