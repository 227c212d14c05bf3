import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Middleware, ServiceBroker } from "moleculer";

/** What /ready reports: each check true when it passes. */
export interface Readiness {
	ready: boolean;
	checks: Record<string, boolean>;
}

interface StoreService {
	name: string;
	storeReachable?: () => boolean;
}

interface NatsClientLike {
	isClosed?: () => boolean;
	protocol?: { connected?: boolean };
}

/**
 * Ready when this node's services have started (and it is not stopping), every local service with a store
 * reaches it, and, with a transporter, the transporter is connected.
 */
export function readiness(broker: ServiceBroker): Readiness {
	const checks: Record<string, boolean> = { started: broker.started && !broker.stopping };
	for (const service of broker.services as unknown as StoreService[]) {
		if (typeof service.storeReachable !== "function") continue;
		let reachable: boolean;
		try {
			reachable = service.storeReachable() === true;
		} catch {
			reachable = false;
		}
		checks[`store:${service.name}`] = reachable;
	}
	if (broker.transit) {
		const tx = broker.transit.tx as unknown as { connected?: boolean; client?: NatsClientLike | null };
		const client = tx.client;
		// The NATS client reconnects by itself; while it does, the protocol reports not connected.
		const clientUp = !client || (client.isClosed?.() !== true && client.protocol?.connected !== false);
		checks.transporter = broker.transit.connected && tx.connected !== false && clientUp;
	}
	return { ready: Object.values(checks).every(Boolean), checks };
}

/** GET/HEAD /live and /ready on its own port, whatever services the node runs (CONTRACT §7). */
export class HealthServer {
	private server?: http.Server;

	constructor(
		private readonly broker: ServiceBroker,
		private readonly port: number,
		private readonly host?: string
	) {}

	get address(): AddressInfo | undefined {
		return (this.server?.address() as AddressInfo | null) ?? undefined;
	}

	async start(): Promise<void> {
		const server = http.createServer((req, res) => this.handle(req, res));
		// Probes need no keep-alive; a lingering connection must not hold up the stop.
		server.keepAliveTimeout = 1_000;
		await new Promise<void>((resolve, reject) => {
			server.once("error", err => reject(new Error(`HEALTH_PORT ${this.port}: ${(err as Error).message}`, { cause: err })));
			server.listen(this.port, this.host, () => resolve());
		});
		this.server = server;
	}

	async stop(): Promise<void> {
		const server = this.server;
		this.server = undefined;
		if (!server) return;
		await new Promise<void>(resolve => {
			server.close(() => resolve());
			server.closeAllConnections();
		});
	}

	private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
		const path = (req.url ?? "/").split("?")[0];
		if (path !== "/live" && path !== "/ready") return this.send(req, res, 404, { status: "not found" });
		if (req.method !== "GET" && req.method !== "HEAD") {
			res.setHeader("Allow", "GET, HEAD");
			return this.send(req, res, 405, { status: "method not allowed" });
		}
		if (path === "/live") return this.send(req, res, 200, { status: "ok" });
		const { ready, checks } = readiness(this.broker);
		this.send(req, res, ready ? 200 : 503, { status: ready ? "ok" : "unavailable", checks });
	}

	private send(req: http.IncomingMessage, res: http.ServerResponse, status: number, body: object): void {
		const text = JSON.stringify(body);
		res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-store" });
		res.end(req.method === "HEAD" ? undefined : text);
	}
}

/**
 * Runs a HealthServer for as long as the broker: it listens before the services start (so /live answers and
 * /ready says 503 during a slow start) and closes when the broker's stop is over — after `broker.stop()`
 * rather than in the `stopped` hook, which moleculer skips when an earlier step of its stop fails (as it
 * does when the transporter never connected).
 */
export function HealthMiddleware(port: number, host?: string): Middleware {
	let server: HealthServer | undefined;
	return {
		name: "HealthServer",
		created(broker: ServiceBroker) {
			const stop = broker.stop.bind(broker);
			broker.stop = async () => {
				try {
					await stop();
				} finally {
					await server?.stop();
					server = undefined;
				}
			};
		},
		async starting(broker: ServiceBroker) {
			server = new HealthServer(broker, port, host);
			await server.start();
			broker.logger.info(`Health checks on :${server.address?.port ?? port} (/live, /ready)`);
		}
	} as Middleware;
}
