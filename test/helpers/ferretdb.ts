import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/** Where the FerretDB binary is: FERRETDB_BIN, `.tools/ferretdb` (scripts/install-ferretdb.sh), or PATH. */
export function ferretdbBinary(): string | null {
	const candidates = [process.env.FERRETDB_BIN, path.join(__dirname, "../../.tools/ferretdb")];
	for (const dir of (process.env.PATH ?? "").split(path.delimiter)) candidates.push(path.join(dir, "ferretdb"));
	return candidates.find((c): c is string => !!c && fs.existsSync(c)) ?? null;
}

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

function portOpen(port: number): Promise<boolean> {
	return new Promise(resolve => {
		const socket = net.connect(port, "127.0.0.1");
		socket.once("connect", () => {
			socket.destroy();
			resolve(true);
		});
		socket.once("error", () => resolve(false));
	});
}

/** A FerretDB (MongoDB wire protocol on SQLite) on a port of its own, with its data in a folder of its own. */
export class FerretDb {
	private child?: ChildProcess;
	readonly dataDir: string;

	private constructor(
		readonly binary: string,
		readonly port: number
	) {
		this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferretdb-"));
	}

	static async create(port?: number): Promise<FerretDb> {
		const binary = ferretdbBinary();
		if (!binary) throw new Error("FerretDB binary not found: run scripts/install-ferretdb.sh or set FERRETDB_BIN");
		return new FerretDb(binary, port ?? (await freePort()));
	}

	get uri(): string {
		return `mongodb://127.0.0.1:${this.port}`;
	}

	async start(): Promise<void> {
		this.child = spawn(
			this.binary,
			[
				"--handler=sqlite",
				`--sqlite-url=file:${this.dataDir}/`,
				`--listen-addr=127.0.0.1:${this.port}`,
				"--debug-addr=127.0.0.1:0",
				`--state-dir=${this.dataDir}`,
				"--telemetry=disable",
				"--log-level=error"
			],
			{ stdio: ["ignore", "ignore", "pipe"] }
		);
		let stderr = "";
		this.child.stderr?.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
		const deadline = Date.now() + 15_000;
		while (!(await portOpen(this.port))) {
			if (this.child.exitCode !== null) throw new Error(`FerretDB exited (${this.child.exitCode}): ${stderr}`);
			if (Date.now() > deadline) throw new Error(`FerretDB did not listen on ${this.port}: ${stderr}`);
			await new Promise(r => setTimeout(r, 50));
		}
	}

	/** Stops the server (SIGKILL: no goodbye to clients); its data stays for a restart. */
	async stop(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
		const child = this.child;
		if (!child || child.exitCode !== null) return;
		await new Promise<void>(resolve => {
			child.once("exit", () => resolve());
			child.kill(signal);
		});
		this.child = undefined;
	}

	async destroy(): Promise<void> {
		await this.stop();
		fs.rmSync(this.dataDir, { recursive: true, force: true });
	}
}
