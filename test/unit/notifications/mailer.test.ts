import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { outboxMailer, safeErrorMessage, smtpMailer } from "../../../services/notifications/mailer";

describe("outboxMailer", () => {
	let dir: string;
	beforeEach(() => {
		dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "outbox-test-")), "outbox");
	});
	afterEach(() => {
		fs.rmSync(path.dirname(dir), { recursive: true, force: true });
	});

	const email = {
		from: "no-reply@localhost",
		to: "alice@example.com",
		subject: "Confirm your e-mail address",
		text: "Hello Alice,\n\nhttp://localhost:3000/verify-email?token=abc",
		html: "<p>Hello Alice,</p>"
	};

	it("writes an .eml file (creating the folder) holding the message", async () => {
		const mailer = outboxMailer(dir);
		try {
			const file = await mailer.send(email);
			expect(path.dirname(file)).toBe(dir);
			expect(file).toMatch(/\.eml$/);
			const content = fs.readFileSync(file, "utf8");
			expect(content).toContain("Subject: Confirm your e-mail address");
			expect(content).toContain("To: alice@example.com");
			expect(content).toContain("From: no-reply@localhost");
			expect(content).toContain("verify-email?token=abc");
			expect(content).toMatch(/multipart\/alternative/);
			expect(fs.statSync(file).mode & 0o777).toBe(0o600);
		} finally {
			mailer.close();
		}
	});

	it("writes a plain-text copy beside each .eml: same name, .txt, the link whole on its own line", async () => {
		const token = "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9v_-A";
		const link = `http://localhost:3000/verify-email?token=${token}`;
		const mailer = outboxMailer(dir);
		try {
			const file = await mailer.send({ ...email, text: `Hello Alice,\n\nPlease confirm.\n\nConfirm e-mail address: ${link}\n` });
			// The .eml is quoted-printable: the long link does not survive as one line there.
			expect(fs.readFileSync(file, "utf8").split("\n")).not.toContain(link);
			const copy = file.replace(/\.eml$/, ".txt");
			expect(fs.readFileSync(copy, "utf8")).toBe(
				["From: no-reply@localhost", "To: alice@example.com", "Subject: Confirm your e-mail address", "", "Hello Alice,", "", "Please confirm.", "", "Confirm e-mail address:", link, "", ""].join("\n")
			);
			expect(fs.statSync(copy).mode & 0o777).toBe(0o600);
			// What the README's walk-through runs finds the token.
			const line = fs.readFileSync(copy, "utf8").split("\n").find(l => l.includes("token="));
			expect(new URL(line!).searchParams.get("token")).toBe(token);
		} finally {
			mailer.close();
		}
	});

	it("writes each message to its own file", async () => {
		const mailer = outboxMailer(dir);
		try {
			const files = await Promise.all([mailer.send(email), mailer.send({ ...email, subject: "Second" }), mailer.send({ ...email, subject: "Third" })]);
			expect(new Set(files).size).toBe(3);
			expect(fs.readdirSync(dir).filter(f => f.endsWith(".eml"))).toHaveLength(3);
			expect(fs.readFileSync(files[1], "utf8")).toContain("Subject: Second");
		} finally {
			mailer.close();
		}
	});

	it("never overwrites: two mailers of one process (two replicas sharing DATA_DIR) sending in the same millisecond keep both e-mails", async () => {
		// Freeze the clock as the file name sees it: both sends happen "at once".
		const iso = jest.spyOn(Date.prototype, "toISOString").mockReturnValue("2026-01-01T00:00:00.000Z");
		const a = outboxMailer(dir);
		const b = outboxMailer(dir);
		try {
			await a.send({ ...email, subject: "From replica A" });
			await b.send({ ...email, subject: "From replica B" });
			iso.mockRestore();
			const contents = fs.readdirSync(dir).map(f => fs.readFileSync(path.join(dir, f), "utf8"));
			expect(contents.some(c => c.includes("Subject: From replica A"))).toBe(true);
			expect(contents.some(c => c.includes("Subject: From replica B"))).toBe(true);
		} finally {
			iso.mockRestore();
			a.close();
			b.close();
		}
	});

	it("encodes a non-ASCII subject so it survives", async () => {
		const mailer = outboxMailer(dir);
		try {
			const file = await mailer.send({ ...email, subject: "Grüße" });
			const content = fs.readFileSync(file, "utf8");
			expect(content).toMatch(/^Subject: =\?UTF-8\?/m);
		} finally {
			mailer.close();
		}
	});
});

describe("smtpMailer", () => {
	it("rejects (and does not hang) when the server cannot be reached", async () => {
		const mailer = smtpMailer("smtp://user:pass@127.0.0.1:1");
		try {
			await expect(
				mailer.send({ from: "a@localhost", to: "b@example.com", subject: "s", text: "t", html: "<p>t</p>" })
			).rejects.toThrow();
		} finally {
			mailer.close();
		}
	});
});

describe("safeErrorMessage", () => {
	it("redacts credentials in smtp:// and smtps:// URLs", () => {
		const out = safeErrorMessage(new Error("connect failed for smtp://user:pass@mail.example.com:587"));
		expect(out).toBe("connect failed for smtp://***@mail.example.com:587");
		expect(out).not.toContain("user");
		expect(out).not.toContain("pass");
		const s = safeErrorMessage(new Error("smtps://apikey:S3cr3t-Key@smtp.example.com"));
		expect(s).not.toContain("S3cr3t");
		expect(s).toContain("smtps://***@smtp.example.com");
	});

	it("redacts every URL in the message", () => {
		const out = safeErrorMessage("a smtp://u1:p1@h1 b smtp://u2:p2@h2");
		expect(out).toBe("a smtp://***@h1 b smtp://***@h2");
	});

	it("leaves messages without credentials alone", () => {
		expect(safeErrorMessage(new Error("Connection timeout"))).toBe("Connection timeout");
		expect(safeErrorMessage(new Error("smtp://mail.example.com:25 refused"))).toBe("smtp://mail.example.com:25 refused");
	});

	it("accepts non-Error values", () => {
		expect(safeErrorMessage("plain string")).toBe("plain string");
		expect(safeErrorMessage(42)).toBe("42");
		expect(safeErrorMessage(undefined)).toBe("undefined");
	});

	it("bounds the length at 500 characters", () => {
		expect(safeErrorMessage(new Error("x".repeat(10_000)))).toHaveLength(500);
	});
});
