import type { REPLServer } from "node:repl";
import { format } from "node:util";
import { Loggers, type Middleware, type ServiceBroker } from "moleculer";
import type { LoggerBindings } from "moleculer/src/logger-factory";
import type { FormattedLoggerOptions } from "moleculer/src/loggers/formatted";
import { localOperator, type OperatorIdentity } from "../lib/operator";
import { operatorMeta } from "../lib/tokens/operator";

/**
 * The console of `npm run repl`: log lines that never garble the prompt, and the operator identity on the
 * calls typed at it.
 */

/**
 * Where the REPL's log lines go. Before the prompt is up, straight to stdout; while a command runs, as whole
 * lines beside its output; while the prompt waits for input, the prompt line is cleared (a terminal) or ended
 * (a pipe), the log line written, and the prompt shown again with what was typed so far.
 */
export class PromptAwareOutput {
	private server?: REPLServer;
	private busy = false;
	/** A command has started and no log line was written since: in a pipe the input is not echoed, so the prompt still ends the line. */
	private promptLine = false;

	constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {}

	/** From now on the prompt is `server`'s; a command runs between its input and its next prompt. */
	attach(server: REPLServer): void {
		this.server = server;
		// moleculer-repl's commands answer nothing: no "undefined" after each.
		(server as { ignoreUndefined: boolean }).ignoreUndefined = true;
		// Leaving: the broker's stop logs plain lines, no prompt.
		server.once("exit", () => (this.server = undefined));
		const evaluate = server.eval.bind(server);
		(server as { eval: REPLServer["eval"] }).eval = (cmd, context, file, done) => {
			this.busy = true;
			this.promptLine = true;
			evaluate(cmd, context, file, (err, result) => {
				this.busy = false;
				done(err, result);
			});
		};
	}

	write(line: string): void {
		if (!this.server || this.busy) {
			if (this.busy && this.promptLine && !this.stream.isTTY) this.stream.write("\n");
			this.promptLine = false;
			this.stream.write(`${line}\n`);
			return;
		}
		this.stream.write(this.stream.isTTY ? "\r\x1b[2K" : "\n");
		this.stream.write(`${line}\n`);
		this.server.displayPrompt(true);
	}
}

/** Moleculer's console format, written through a PromptAwareOutput. */
export class ReplLogger extends Loggers.Formatted<FormattedLoggerOptions> {
	constructor(
		private readonly output: PromptAwareOutput,
		opts: FormattedLoggerOptions
	) {
		super(opts);
	}

	override getLogHandler(bindings: LoggerBindings) {
		const level = bindings ? this.getLogLevel(bindings.mod) : null;
		if (!level) return null;
		const max = Loggers.Base.LEVELS.indexOf(level);
		const formatter = this.getFormatter(bindings);
		return (type: string, args: unknown[]) => {
			if (Loggers.Base.LEVELS.indexOf(type) > max) return;
			this.output.write(format(...formatter(type, args)));
		};
	}
}

/**
 * On the REPL's broker: the calls typed at its console (moleculer-repl's `call`/`dcall` mark them with
 * `meta.$repl`) carry the operator's signed assertion (lib/tokens/operator.ts, naming `operator`), made by a
 * broker that holds the signing key (server.ts). Calls the node's own services make do not. Without the key
 * nothing is added, and admin-only actions answer 401.
 */
export function OperatorCallMiddleware(operator: OperatorIdentity = localOperator()): Middleware {
	type Call = (action: string, params: unknown, opts?: { parentCtx?: unknown; meta?: Record<string, unknown> }) => Promise<unknown>;
	let broker: ServiceBroker | undefined;
	return {
		name: "OperatorCall",
		created(created: ServiceBroker) {
			broker = created;
		},
		call(next: Call): Call {
			return (action, params, opts = {}) => {
				const proof = !opts.parentCtx && opts.meta?.$repl === true && broker ? operatorMeta(broker, operator.name) : undefined;
				return next(action, params, proof ? { ...opts, meta: { ...opts.meta, ...proof } } : opts);
			};
		}
	} as unknown as Middleware;
}
