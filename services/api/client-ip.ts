import type { IncomingMessage } from "node:http";

/**
 * The client's address. `X-Forwarded-For` is believed only when the operator says a proxy sets it, and then
 * only its last entry: the address the proxy itself saw. Entries to the left of it came from the client and
 * could be anything.
 */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
	if (trustProxy) {
		const header = req.headers["x-forwarded-for"];
		const entries = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",");
		const last = entries[entries.length - 1]?.trim();
		if (last) return last;
	}
	const address = req.socket.remoteAddress ?? "unknown";
	return address.startsWith("::ffff:") ? address.slice(7) : address;
}
