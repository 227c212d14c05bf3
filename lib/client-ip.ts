import type { IncomingMessage } from "node:http";

/** The client's address. `X-Forwarded-For` is believed only when the operator says a proxy sets it. */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
	if (trustProxy) {
		const header = req.headers["x-forwarded-for"];
		const first = (Array.isArray(header) ? header[0] : header)?.split(",")[0]?.trim();
		if (first) return first;
	}
	const address = req.socket.remoteAddress ?? "unknown";
	return address.startsWith("::ffff:") ? address.slice(7) : address;
}
