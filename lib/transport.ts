import type { Config } from "./config";

/** Connection options for the `nats` client (v2), as moleculer's NATS transporter hands them over. */
export interface NatsClientOptions {
	servers: string[];
	user?: string;
	pass?: string;
	token?: string;
	tls?: { caFile?: string; ca?: string; certFile?: string; cert?: string; keyFile?: string; key?: string };
	maxReconnectAttempts: number;
	reconnectTimeWait: number;
	pingInterval: number;
}

/** A PEM given inline goes to `ca`/`cert`/`key`, a path to `caFile`/`certFile`/`keyFile`. */
function pemOption(kind: "ca" | "cert" | "key", value: string | undefined): Record<string, string> {
	if (value === undefined) return {};
	return value.startsWith("-----BEGIN") ? { [kind]: value.replace(/\\n/g, "\n") } : { [`${kind}File`]: value };
}

/**
 * The `nats` client options for TRANSPORTER. No `url` is passed: moleculer would split it itself and hand
 * the user and password over still percent-encoded, and lose the `tls://` scheme (the client then would not
 * insist on TLS). Credentials in the URL: `user:password@` → user/pass, `token@` → token; NATS_TOKEN wins.
 */
export function natsOptions(config: Config): NatsClientOptions | undefined {
	if (!config.transporter) return undefined;
	const url = new URL(config.transporter);
	const user = url.username ? decodeURIComponent(url.username) : undefined;
	const pass = url.password ? decodeURIComponent(url.password) : undefined;
	const options: NatsClientOptions = {
		servers: [url.port ? `${url.hostname}:${url.port}` : url.hostname],
		// Reconnect forever: a NATS restart must not need a node restart.
		maxReconnectAttempts: -1,
		reconnectTimeWait: 250,
		pingInterval: 5_000
	};
	if (config.natsToken) options.token = config.natsToken;
	else if (user !== undefined && pass === undefined) options.token = user;
	else if (user !== undefined) Object.assign(options, { user, pass });
	if (config.natsTls) {
		options.tls = { ...pemOption("ca", config.natsTls.ca), ...pemOption("cert", config.natsTls.cert), ...pemOption("key", config.natsTls.key) };
	}
	return options;
}

/** What a log line may say about the transporter: scheme, host and how it authenticates, never a secret. */
export function describeTransporter(config: Config): string {
	if (!config.transporter) return "none (local calls only)";
	const url = new URL(config.transporter);
	const auth = config.natsToken || (url.username && !url.password) ? "token" : url.username ? `user "${decodeURIComponent(url.username)}"` : config.natsTls?.cert ? "client certificate" : "no credentials";
	const tls = config.natsTls || url.protocol === "tls:" ? ", TLS" : "";
	return `NATS at ${url.protocol}//${url.host} (${auth}${tls})`;
}
