import { call, command, formatTable, oneLine, redact, type Caller, type CommandOutput, type ErrorLike } from "./command";

/** The `cluster` command: nodes, services per node, and whether each replica reaches its store. */

export interface ClusterOptions {
	/** Per storeHealth call, in ms. */
	timeout?: number;
	/** The services whose store reachability is reported. */
	services?: readonly string[];
}

export const STORE_SERVICES = ["users", "auth", "notifications"] as const;
export const HEALTH_TIMEOUT_MS = 1_000;

interface NodeInfo {
	id: string;
	available: boolean;
	local: boolean;
	hostname: string | null;
}

interface ServiceInfo {
	name: string;
	nodes: string[];
}

function asNodes(value: unknown): NodeInfo[] {
	if (!Array.isArray(value)) return [];
	return value
		.filter((n): n is Record<string, unknown> => n !== null && typeof n === "object" && typeof (n as { id?: unknown }).id === "string")
		.map(n => ({ id: n.id as string, available: n.available !== false, local: n.local === true, hostname: typeof n.hostname === "string" ? n.hostname : null }));
}

function asServices(value: unknown): ServiceInfo[] {
	if (!Array.isArray(value)) return [];
	return value
		.filter((s): s is Record<string, unknown> => s !== null && typeof s === "object" && typeof (s as { name?: unknown }).name === "string")
		.map(s => ({
			name: s.name as string,
			nodes: Array.isArray(s.nodes) ? s.nodes.filter((n): n is string => typeof n === "string") : typeof s.nodeID === "string" ? [s.nodeID] : []
		}));
}

/** One store check: never throws. */
async function storeState(caller: Caller, service: string, nodeID: string | undefined, timeout: number): Promise<string> {
	try {
		const res = await caller.call<{ reachable?: unknown }>(`${service}.storeHealth`, {}, { timeout, retries: 0, ...(nodeID ? { nodeID } : {}) });
		return res && res.reachable === true ? "reachable" : "store unreachable (the service answers, its database does not)";
	} catch (err) {
		const e = err as ErrorLike;
		return `unreachable (${oneLine(redact(typeof e?.message === "string" ? e.message : String(err)))})`;
	}
}

/** `cluster`: the nodes, what runs where, and whether each replica of users/auth/notifications reaches its store. */
export function clusterHealth(caller: Caller, opts: ClusterOptions = {}): Promise<CommandOutput> {
	const timeout = opts.timeout ?? HEALTH_TIMEOUT_MS;
	const checked = opts.services ?? STORE_SERVICES;
	return command(async () => {
		const nodes = asNodes(await call<unknown>(caller, "$node.list", { onlyAvailable: false }));
		const services = asServices(await call<unknown>(caller, "$node.services", { skipInternal: true, onlyAvailable: false }));
		const byNode = new Map<string, string[]>();
		for (const s of services) for (const n of s.nodes) byNode.set(n, [...(byNode.get(n) ?? []), s.name]);

		const nodeRows = nodes.map(n => [
			n.local ? `${n.id} (this)` : n.id,
			n.available ? "available" : "offline",
			n.hostname ?? "-",
			(byNode.get(n.id) ?? []).sort().join(", ") || "-"
		]);
		const available = new Map(nodes.map(n => [n.id, n.available]));

		const checks: Array<Promise<string[]>> = [];
		for (const name of checked) {
			const runners = services.find(s => s.name === name)?.nodes ?? [];
			if (runners.length === 0) {
				checks.push(storeState(caller, name, undefined, timeout).then(state => [name, "-", state]));
				continue;
			}
			for (const nodeID of runners) {
				checks.push(
					available.get(nodeID) === false
						? Promise.resolve([name, nodeID, "unreachable (node offline)"])
						: storeState(caller, name, nodeID, timeout).then(state => [name, nodeID, state])
				);
			}
		}
		const healthRows = await Promise.all(checks);
		const up = nodes.filter(n => n.available).length;
		return [
			`Nodes (${up} available of ${nodes.length})`,
			formatTable(["node", "status", "host", "services"], nodeRows),
			"",
			"Stores",
			formatTable(["service", "node", "state"], healthRows)
		].join("\n");
	});
}
