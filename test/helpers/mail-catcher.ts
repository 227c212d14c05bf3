import { SMTPServer } from "smtp-server";
import { simpleParser } from "mailparser";
import type { AddressInfo } from "node:net";

export interface CaughtMail {
	to: string;
	subject: string;
	text: string;
	html: string;
}

/** A real SMTP server (the `smtp-server` package) that keeps what it receives. */
export class MailCatcher {
	readonly messages: CaughtMail[] = [];
	/** While set, every message is refused with this SMTP code (to test retries). */
	failWith: number | null = null;
	private server: SMTPServer;
	private waiters: Array<() => void> = [];

	constructor() {
		this.server = new SMTPServer({
			authOptional: true,
			disabledCommands: ["STARTTLS"],
			logger: false,
			onData: (stream, _session, callback) => {
				const chunks: Buffer[] = [];
				stream.on("data", (c: Buffer) => chunks.push(c));
				stream.on("end", async () => {
					if (this.failWith) {
						const err = Object.assign(new Error("Mailbox temporarily unavailable"), { responseCode: this.failWith });
						return callback(err);
					}
					const parsed = await simpleParser(Buffer.concat(chunks));
					const to = Array.isArray(parsed.to) ? parsed.to[0]?.text : parsed.to?.text;
					this.messages.push({ to: to ?? "", subject: parsed.subject ?? "", text: parsed.text ?? "", html: typeof parsed.html === "string" ? parsed.html : "" });
					callback();
					for (const w of this.waiters.splice(0)) w();
				});
			}
		});
	}

	async start(): Promise<string> {
		await new Promise<void>(resolve => this.server.listen(0, "127.0.0.1", resolve));
		const { port } = this.server.server.address() as AddressInfo;
		return `smtp://127.0.0.1:${port}`;
	}

	stop(): Promise<void> {
		return new Promise(resolve => this.server.close(() => resolve()));
	}

	/** The first message (received so far or within `timeoutMs`) matching the predicate. */
	async waitFor(predicate: (m: CaughtMail) => boolean, timeoutMs = 10_000): Promise<CaughtMail> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const found = this.messages.find(predicate);
			if (found) return found;
			const left = deadline - Date.now();
			if (left <= 0) throw new Error(`No matching e-mail within ${timeoutMs} ms; got: ${this.messages.map(m => `${m.to}: ${m.subject}`).join("; ")}`);
			await new Promise<void>(resolve => {
				const timer = setTimeout(resolve, Math.min(left, 200));
				this.waiters.push(() => {
					clearTimeout(timer);
					resolve();
				});
			});
		}
	}

	/** The token of the newest link to `page` sent to `to`. */
	async tokenFor(to: string, page: "verify-email" | "reset-password" | "magic-link" | "oidc-link", timeoutMs = 10_000): Promise<string> {
		const pattern = new RegExp(`/${page}\\?token=([A-Za-z0-9_-]+)`);
		const mail = await this.waitFor(m => m.to.toLowerCase() === to.toLowerCase() && pattern.test(m.text), timeoutMs);
		// Newest first: a later e-mail replaces the link of an earlier one.
		const newest = [...this.messages].reverse().find(m => m.to.toLowerCase() === to.toLowerCase() && pattern.test(m.text)) ?? mail;
		return pattern.exec(newest.text)![1];
	}
}
