import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { Loggers, type LogLevels, type ServiceBroker } from "moleculer";
import type { LoggerOptions as BaseLoggerOptions } from "moleculer/src/loggers/base";
import { TestClock } from "./clock";
import { loadConfig, type Config } from "../../lib/config";
import { createBroker } from "../../server";
import { MailCatcher } from "./mail-catcher";
import { checkAnswer } from "./openapi-coverage";

export interface HttpResult<T = unknown> {
	status: number;
	headers: Headers;
	body: T;
	text: string;
}

export interface RequestOptions {
	body?: unknown;
	/** Sent as is, e.g. malformed JSON. */
	rawBody?: string;
	token?: string;
	headers?: Record<string, string>;
}

export interface TestApp {
	url: string;
	config: Config;
	broker: ServiceBroker;
	mail: MailCatcher;
	/** Every log line the broker wrote. */
	logs: string[];
	/** The one time source of the services: move it to test expiry, locks and windows without waiting. */
	clock: TestClock;
	request<T = any>(method: string, path: string, opts?: RequestOptions): Promise<HttpResult<T>>;
	/** Settles when the broker has started (see StartOptions.awaitStart). */
	started: Promise<void>;
	stop(): Promise<void>;
}

/** A temporary DATA_DIR; removed by `stop`. */
export function tempDir(prefix = "ub-test-"): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A logger that keeps lines in memory instead of printing them (TEST_LOGS=1 prints them too). */
export class CaptureLogger extends Loggers.Base<BaseLoggerOptions> {
	constructor(
		private readonly lines: string[],
		level: string
	) {
		super({ level: level as LogLevels });
	}

	override getLogHandler(bindings: Parameters<Loggers.Base<BaseLoggerOptions>["getLogHandler"]>[0]) {
		const level = this.getLogLevel(bindings.mod ?? "");
		if (!level) return null;
		const levels = ["fatal", "error", "warn", "info", "debug", "trace"];
		const max = levels.indexOf(level);
		return (type: string, args: unknown[]) => {
			if (levels.indexOf(type) > max) return;
			const text = args.map(a => (a instanceof Error ? `${a.name}: ${a.message}\n${a.stack}` : typeof a === "object" ? JSON.stringify(a) : String(a))).join(" ");
			const line = `${type.toUpperCase()} ${bindings.mod ?? ""}: ${text}`;
			this.lines.push(line);
			if (process.env.TEST_LOGS) process.stderr.write(line + "\n");
		};
	}
}

/**
 * All four services in one broker, serving real HTTP on a free port, delivering e-mail to a real SMTP
 * server, on the embedded store in a fresh folder.
 */
export interface StartOptions {
	/**
	 * false: return as soon as the gateway listens, while other services may still be starting (e.g. waiting
	 * for a database that is not there yet). `started` settles when the broker has started.
	 */
	awaitStart?: boolean;
	/** The services' clock; by default a TestClock that follows the real time until the test moves it. */
	clock?: TestClock;
}

export async function startApp(overrides: Partial<Config> = {}, env: Record<string, string> = {}, opts: StartOptions = {}): Promise<TestApp> {
	const mail = new MailCatcher();
	const smtpUrl = await mail.start();
	const dataDir = tempDir();
	const config: Config = {
		...loadConfig({ BCRYPT_ROUNDS: "4", AUTH_RATE_LIMIT_PER_MINUTE: "100000", ...env }),
		// The mongoose project (jest.config.js) runs the same suites on MongoDB: a database per app.
		mongoUri: process.env.TEST_STORE === "mongo" ? `${process.env.TEST_MONGO_URI}/ub_${process.pid}_${Math.random().toString(36).slice(2, 10)}` : undefined,
		port: 0,
		metricsPort: 0,
		healthPort: 0,
		dataDir,
		smtpUrl,
		nodeId: `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
		logLevel: "info",
		...overrides
	};
	const logs: string[] = [];
	const clock = opts.clock ?? new TestClock();
	// Same broker options as production, with the log lines kept for assertions.
	let broker: ServiceBroker;
	try {
		broker = createBroker(config, { logger: new CaptureLogger(logs, config.logLevel) }, { clock });
	} catch (err) {
		await mail.stop();
		throw err;
	}
	const started = broker.start();
	if (opts.awaitStart === false) {
		started.catch(() => undefined);
		const deadline = Date.now() + 10_000;
		while (!(broker.getLocalService("api") as unknown as { server?: Server } | undefined)?.server?.listening) {
			if (Date.now() > deadline) throw new Error("The gateway did not start listening");
			await new Promise(r => setTimeout(r, 20));
		}
	} else {
		try {
			await started;
		} catch (err) {
			await broker.stop().catch(() => undefined);
			await mail.stop();
			throw err;
		}
	}
	// The ADMIN_EMAIL bootstrap runs once the broker has started: the tests log in as that admin at once.
	if (opts.awaitStart !== false) await (broker.getLocalService("auth") as unknown as { adminBootstrap?: Promise<unknown> } | undefined)?.adminBootstrap;
	const server = (broker.getLocalService("api") as unknown as { server: Server }).server;
	const { port } = server.address() as AddressInfo;
	const url = `http://127.0.0.1:${port}`;

	async function request<T>(method: string, urlPath: string, opts: RequestOptions = {}): Promise<HttpResult<T>> {
		const headers: Record<string, string> = { ...(opts.headers ?? {}) };
		let body: string | undefined;
		if (opts.rawBody !== undefined) {
			body = opts.rawBody;
			headers["content-type"] ??= "application/json";
		} else if (opts.body !== undefined) {
			body = JSON.stringify(opts.body);
			headers["content-type"] = "application/json";
		}
		if (opts.token) headers.authorization = `Bearer ${opts.token}`;
		// Bounded: a request that hangs fails the test instead of stalling the suite.
		const send = () => fetch(url + urlPath, { method, headers, body, signal: AbortSignal.timeout(15_000) });
		let res: Response;
		try {
			res = await send();
		} catch (err) {
			// A pooled keep-alive socket the server closed while a long synchronous test step blocked the event loop
			// (both ends live in this process): a GET is safe to send again on a fresh connection.
			if (method.toUpperCase() !== "GET" || (err as { cause?: { code?: string } }).cause?.code !== "ECONNRESET") throw err;
			res = await send();
		}
		const text = await res.text();
		let parsed: unknown = text;
		try {
			parsed = text ? JSON.parse(text) : null;
		} catch {
			/* not JSON */
		}
		checkAnswer(broker, method, urlPath, { status: res.status, body: parsed });
		return { status: res.status, headers: res.headers, body: parsed as T, text };
	}

	return {
		url,
		config,
		broker,
		mail,
		logs,
		clock,
		request,
		started,
		async stop() {
			await broker.stop();
			await mail.stop();
			fs.rmSync(dataDir, { recursive: true, force: true });
		}
	};
}
