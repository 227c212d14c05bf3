import fs from "node:fs/promises";
import path from "node:path";
import { randomUUID } from "node:crypto";
import type { Transporter } from "nodemailer";
import { systemClock, type Clock } from "../../lib/clock";
import type { RenderedEmail } from "./templates";

export interface OutgoingEmail extends RenderedEmail {
	from: string;
	to: string;
}

/** Where e-mail goes: an SMTP server, or `.eml` files in an outbox folder. */
export interface Mailer {
	/** Resolves when the message is accepted; the resolved string says where it went (for the log). */
	send(email: OutgoingEmail): Promise<string>;
	close(): void;
}

type Nodemailer = typeof import("nodemailer");
let library: Nodemailer | undefined;

/** nodemailer (~10 MiB) is loaded when the first message goes, not at start. */
function nodemailer(): Nodemailer {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	return (library ??= require("nodemailer") as Nodemailer);
}

/** A transport made at the first message; closing one never made does nothing. */
function lazyTransport(make: (lib: Nodemailer) => Transporter) {
	let transport: Transporter | undefined;
	return { get: () => (transport ??= make(nodemailer())), close: () => transport?.close() };
}

export function smtpMailer(smtpUrl: string): Mailer {
	const transport = lazyTransport(lib => lib.createTransport(smtpUrl));
	return {
		async send(email) {
			const info = await transport.get().sendMail(email);
			return `SMTP (${info.messageId})`;
		},
		close: transport.close
	};
}

/**
 * The plain-text copy written beside each `.eml` (whose body is quoted-printable, so a long link is broken
 * across lines there): the addresses, the subject and the text, each link on a line of its own.
 */
export function plainTextCopy(email: OutgoingEmail): string {
	const text = email.text.replace(/^(.*\S):[ \t]+(https?:\/\/\S+)$/gm, "$1:\n$2");
	return [`From: ${email.from}`, `To: ${email.to}`, `Subject: ${email.subject}`, "", text, ""].join("\n");
}

/** Development delivery: each message as an `.eml` file in `dir`, and as plain text in a `.txt` file of the same name. */
export function outboxMailer(dir: string, clock: Clock = systemClock): Mailer {
	const transport = lazyTransport(lib => lib.createTransport({ streamTransport: true, buffer: true, newline: "unix" }));
	return {
		async send(email) {
			const info = await transport.get().sendMail(email);
			await fs.mkdir(dir, { recursive: true });
			// Time first so that a listing sorts by age; a random part so that no two writers collide.
			const base = path.join(dir, `${new Date(clock.now()).toISOString().replace(/[:.]/g, "-")}-${randomUUID()}`);
			// The text first: whoever sees the .eml finds its copy already there.
			await fs.writeFile(`${base}.txt`, plainTextCopy(email), { mode: 0o600, flag: "wx" });
			await fs.writeFile(`${base}.eml`, info.message as Buffer, { mode: 0o600, flag: "wx" });
			return `${base}.eml`;
		},
		close: transport.close
	};
}

/** Redacts credentials from an SMTP URL-bearing error message before it is stored or logged. */
export function safeErrorMessage(err: unknown): string {
	const message = err instanceof Error ? err.message : String(err);
	return message.replace(/\/\/[^@\s/]+@/g, "//***@").slice(0, 500);
}
