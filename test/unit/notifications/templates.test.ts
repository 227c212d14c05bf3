import { escapeHtml, renderEmail } from "../../../services/notifications/templates";
import type { EmailTemplate } from "../../../lib/enums";

const TEMPLATES: EmailTemplate[] = [
	"verify-email",
	"welcome",
	"password-reset",
	"password-changed",
	"sessions-ended",
	"account-deleted",
	"mfa-enabled",
	"mfa-disabled",
	"mfa-reset",
	"recovery-code-used",
	"recovery-codes-renewed",
	"mfa-passkey-added",
	"mfa-passkey-removed"
];
const appUrl = "https://app.example.com";

describe("escapeHtml", () => {
	it("escapes the five HTML special characters", () => {
		expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
		expect(escapeHtml("plain text")).toBe("plain text");
	});
});

describe("renderEmail", () => {
	it.each(TEMPLATES)("%s renders a subject, a text part and an HTML part", template => {
		const email = renderEmail(template, { appUrl, data: { token: "tok123", displayName: "Alice" } });
		expect(email.subject.length).toBeGreaterThan(0);
		expect(email.text).toContain("Hello Alice,");
		expect(email.text).not.toMatch(/<[a-z]/i);
		expect(email.html).toMatch(/^<!doctype html>/);
		expect(email.html).toContain("</html>");
		expect(email.html).toContain("<p>Hello Alice,</p>");
		expect(email.html).toContain(`<title>${escapeHtml(email.subject)}</title>`);
	});

	it("gives every template its own subject", () => {
		const subjects = TEMPLATES.map(t => renderEmail(t, { appUrl, data: { token: "t" } }).subject);
		expect(new Set(subjects).size).toBe(TEMPLATES.length);
	});

	it("tells how many recovery codes remain, and names the factor added or removed", () => {
		expect(renderEmail("recovery-code-used", { appUrl, data: { remaining: "7" } }).text).toContain("7 of your recovery codes remain");
		expect(renderEmail("mfa-enabled", { appUrl, data: { factor: "an authenticator app" } }).text).toContain("sign in with an authenticator app");
		expect(renderEmail("mfa-disabled", { appUrl, data: { factor: "an authenticator app" } }).text).toContain("An authenticator app no longer signs you in.");
	});

	it("names the passkey added or removed, escaped in the HTML part", () => {
		expect(renderEmail("mfa-passkey-added", { appUrl, data: { passkeyName: "Laptop" } }).text).toContain('A passkey named "Laptop" was just added');
		expect(renderEmail("mfa-passkey-removed", { appUrl, data: { passkeyName: "Laptop" } }).text).toContain('The passkey named "Laptop" was just removed');
		expect(renderEmail("mfa-passkey-added", { appUrl, data: { passkeyName: "<b>Mine</b>" } }).html).toContain("&lt;b&gt;Mine&lt;/b&gt;");
	});

	it("greets without a name when there is none (or it is blank)", () => {
		expect(renderEmail("welcome", { appUrl, data: {} }).text.startsWith("Hello,")).toBe(true);
		expect(renderEmail("welcome", { appUrl, data: { displayName: "   " } }).text.startsWith("Hello,")).toBe(true);
		expect(renderEmail("welcome", { appUrl, data: { displayName: "  Bob " } }).text.startsWith("Hello Bob,")).toBe(true);
	});

	it("links the verification page: ${APP_URL}/verify-email?token=…", () => {
		const email = renderEmail("verify-email", { appUrl, data: { token: "abc_DEF-123" } });
		const url = "https://app.example.com/verify-email?token=abc_DEF-123";
		expect(email.text).toContain(url);
		expect(email.html).toContain(`href="${url}"`);
		expect(email.text).toMatch(/24 hours/);
	});

	it("links the reset page: ${APP_URL}/reset-password?token=…", () => {
		const email = renderEmail("password-reset", { appUrl, data: { token: "abc_DEF-123" } });
		const url = "https://app.example.com/reset-password?token=abc_DEF-123";
		expect(email.text).toContain(url);
		expect(email.html).toContain(`href="${url}"`);
		expect(email.text).toMatch(/30 minutes/);
	});

	it("keeps a path in APP_URL", () => {
		const email = renderEmail("verify-email", { appUrl: "https://example.com/app", data: { token: "t" } });
		expect(email.text).toContain("https://example.com/app/verify-email?token=t");
	});

	it("URL-encodes the token", () => {
		const email = renderEmail("password-reset", { appUrl, data: { token: "a b&c=d/e" } });
		expect(email.text).toContain(`${appUrl}/reset-password?token=a%20b%26c%3Dd%2Fe`);
	});

	it("puts no link in the notices that need none", () => {
		for (const t of ["welcome", "password-changed", "sessions-ended", "account-deleted"] as const) {
			const email = renderEmail(t, { appUrl, data: { token: "secret-token" } });
			expect(email.text).not.toContain("secret-token");
			expect(email.html).not.toContain("<a ");
		}
	});

	it("warns about unexpected security events", () => {
		expect(renderEmail("password-changed", { appUrl, data: {} }).text).toMatch(/If this was not you/);
		expect(renderEmail("sessions-ended", { appUrl, data: {} }).text).toMatch(/If this was not you/);
	});

	it.each(TEMPLATES)("%s HTML-escapes user data", template => {
		const evil = `<script>alert("x")</script> & 'friends'`;
		const email = renderEmail(template, { appUrl, data: { displayName: evil, token: "t" } });
		expect(email.html).not.toContain("<script>");
		expect(email.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;friends&#39;");
		// The text part is plain text: shown as written.
		expect(email.text).toContain(`Hello ${evil},`);
	});

	it("escapes a hostile APP_URL or token inside the HTML attribute", () => {
		const email = renderEmail("verify-email", { appUrl: 'https://x.example/"><script>', data: { token: "t" } });
		expect(email.html).not.toContain('"><script>');
		expect(email.html).toContain("&quot;&gt;&lt;script&gt;");
	});
});
