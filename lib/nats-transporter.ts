import { Transporters, type ServiceBroker } from "moleculer";

interface Subscription {
	unsubscribe(): void;
}

interface NatsClient {
	subscribe(subject: string, opts: { queue: string; callback: (err: unknown, msg: { data: Uint8Array }) => void }): Subscription;
	flush(): Promise<void>;
	close(): Promise<void>;
}

/** What this subclass touches of moleculer's NATS transporter (JavaScript, untyped upstream). */
interface NatsInternals {
	client: NatsClient | null;
	prefix: string;
	hasBuiltInBalancer: boolean;
	broker: ServiceBroker;
	receive(type: string, data: Buffer): void;
}

/** How long a stopping node waits for NATS to take what it still has to send. */
const FLUSH_ON_STOP_MS = 1_000;

/**
 * moleculer's NATS transporter, with the balanced (queue-group) subscriptions kept in step with the local
 * services instead of rebuilt. Upstream, with `disableBalancer`, the subscriptions follow the node's INFO
 * broadcast, debounced by a second: meanwhile another node, told of the services by the INFO this node
 * answers its DISCOVER with, sends requests nobody subscribes to (timeouts at start), and every change
 * unsubscribes all, waits for a flush and subscribes again. Here each subscription exists from the moment
 * its service is registered locally, and before any INFO that names it is published (NATS keeps one
 * connection's order, so the server has the SUB before anyone can read the INFO).
 *
 * It also stops cleanly with NATS down: upstream's `disconnect` waits for a flush that fails and leaves the
 * client reconnecting, and a later rebuild of the subscriptions calls `flush` on the null client.
 */
export class NatsTransporter extends Transporters.NATS {
	private readonly balanced = new Map<string, Subscription>();

	private get nats(): NatsInternals {
		return this as unknown as NatsInternals;
	}

	override init(...args: Parameters<Transporters.Base["init"]>): void {
		super.init(...args);
		this.nats.broker.localBus.on("$services.changed", (payload: { localService?: boolean }) => {
			if (payload?.localService) void this.makeBalancedSubscriptions();
		});
	}

	/** Subscribes what is new and unsubscribes what went, at once; nothing to do without a client. */
	override makeBalancedSubscriptions(): Promise<void> {
		const { client, hasBuiltInBalancer, broker, prefix } = this.nats;
		if (!hasBuiltInBalancer || !client) return Promise.resolve();
		const wanted = new Map<string, { subject: string; queue: string; type: "REQ" | "EVENT" }>();
		for (const service of broker.getLocalNodeInfo().services as unknown as Array<{ name: string; actions?: object; events?: Record<string, { group?: string }> }>) {
			for (const action of Object.keys(service.actions ?? {})) wanted.set(`REQ ${action}`, { subject: `${prefix}.REQB.${action}`, queue: action, type: "REQ" });
			for (const [event, def] of Object.entries(service.events ?? {})) {
				const group = def.group || service.name;
				wanted.set(`EVENT ${group} ${event}`, { subject: `${prefix}.EVENTB.${group}.${event}`.replace(/\*\*.*$/g, ">"), queue: group, type: "EVENT" });
			}
		}
		for (const [key, sub] of this.balanced) {
			if (wanted.has(key)) continue;
			sub.unsubscribe();
			this.balanced.delete(key);
		}
		for (const [key, { subject, queue, type }] of wanted) {
			if (this.balanced.has(key)) continue;
			this.balanced.set(key, client.subscribe(subject, { queue, callback: (_err, msg) => this.nats.receive(type, Buffer.from(msg.data)) }));
		}
		return Promise.resolve();
	}

	override unsubscribeFromBalancedCommands(): Promise<void> {
		for (const sub of this.balanced.values()) sub.unsubscribe();
		this.balanced.clear();
		return Promise.resolve();
	}

	/** Before an INFO leaves, the subscriptions for what it names exist. */
	override publish(packet: Parameters<Transporters.Base["publish"]>[0]): Promise<void> {
		if (packet.type === "INFO" && this.nats.broker.options.disableBalancer) void this.makeBalancedSubscriptions();
		return super.publish(packet) as Promise<void>;
	}

	/** Flushes for a moment at most (NATS may be down), then closes: the client never outlives the broker. */
	override disconnect(): Promise<void> {
		const client = this.nats.client;
		if (!client) return Promise.resolve();
		this.nats.client = null;
		this.balanced.clear();
		const flushed = Promise.race([client.flush(), new Promise(resolve => setTimeout(resolve, FLUSH_ON_STOP_MS).unref())]);
		return flushed
			.catch(() => undefined)
			.then(() => client.close())
			.catch(() => undefined);
	}
}
