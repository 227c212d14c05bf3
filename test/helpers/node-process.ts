import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";

const ROOT = path.join(__dirname, "../..");

/**
 * A real node process of this project (`server.ts`, `repl.ts`) started as `npm start` / `npm run repl` do,
 * with its own environment only (nothing inherited but PATH), stdin piped.
 */
export class NodeProcess {
	readonly child: ChildProcessWithoutNullStreams;
	/** stdout and stderr as they arrived, interleaved. */
	output = "";
	stdout = "";
	readonly exited: Promise<number | null>;

	constructor(script: "server.ts" | "repl.ts", env: Record<string, string>) {
		this.child = spawn(process.execPath, ["--disable-warning=DEP0174", "--import", "tsx", script], {
			cwd: ROOT,
			env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
			stdio: ["pipe", "pipe", "pipe"]
		});
		this.child.stdout.on("data", chunk => {
			this.output += chunk;
			this.stdout += chunk;
		});
		this.child.stderr.on("data", chunk => (this.output += chunk));
		this.exited = new Promise(resolve => this.child.on("exit", code => resolve(code)));
	}

	/** Resolves when the output (from `from` on, colours stripped) matches; rejects when the process exits first or after `timeoutMs`. */
	async waitFor(pattern: RegExp | string, timeoutMs = 30_000, from = 0): Promise<void> {
		const matches = () => {
			// Without colours (util.inspect's, in a REPL's answers).
			const text = stripVTControlCharacters(this.output.slice(from));
			return typeof pattern === "string" ? text.includes(pattern) : pattern.test(text);
		};
		const deadline = Date.now() + timeoutMs;
		let exited = false;
		void this.exited.then(() => (exited = true));
		while (!matches()) {
			if (exited) throw new Error(`Process exited before printing ${pattern}:\n${this.output}`);
			if (Date.now() > deadline) throw new Error(`Timed out waiting for ${pattern}:\n${this.output}`);
			await new Promise(r => setTimeout(r, 50));
		}
	}

	write(line: string): void {
		this.child.stdin.write(`${line}\n`);
	}

	/** SIGTERM (or `signal`), then the exit code. */
	async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
		if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
		return this.exited;
	}
}

/** Polls `url` until it answers 200. */
export async function waitForHttp(url: string, proc: NodeProcess, timeoutMs = 30_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (proc.child.exitCode !== null) throw new Error(`Process exited (${proc.child.exitCode}) before ${url} answered:\n${proc.output}`);
		try {
			if ((await fetch(url)).status === 200) return;
		} catch {
			// not listening yet
		}
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${url}:\n${proc.output}`);
		await new Promise(r => setTimeout(r, 100));
	}
}
