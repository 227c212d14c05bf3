import type { EmailTemplate } from "../../../lib/enums";

export interface RenderedEmail {
	subject: string;
	text: string;
	html: string;
}

export interface TemplateContext {
	appUrl: string;
	/** Per-template values, e.g. `token` or `displayName`. */
	data: Record<string, string>;
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value: string): string {
	return value.replace(/[&<>"']/g, c => HTML_ESCAPES[c]);
}

interface Body {
	subject: string;
	greeting: string;
	paragraphs: string[];
	action?: { label: string; url: string };
	footer?: string;
}

function layout(body: Body): RenderedEmail {
	const text = [
		body.greeting,
		"",
		...body.paragraphs.flatMap(p => [p, ""]),
		...(body.action ? [`${body.action.label}: ${body.action.url}`, ""] : []),
		...(body.footer ? [body.footer] : [])
	].join("\n");
	const html = [
		"<!doctype html>",
		`<html><head><meta charset="utf-8"><title>${escapeHtml(body.subject)}</title></head>`,
		'<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #222; max-width: 560px; margin: auto;">',
		`<p>${escapeHtml(body.greeting)}</p>`,
		...body.paragraphs.map(p => `<p>${escapeHtml(p)}</p>`),
		...(body.action
			? [
					`<p><a href="${escapeHtml(body.action.url)}" style="display: inline-block; padding: 10px 18px; background: #2d6cdf; color: #fff; text-decoration: none; border-radius: 4px;">${escapeHtml(body.action.label)}</a></p>`,
					`<p style="font-size: 12px; color: #666;">Or paste this link into your browser: ${escapeHtml(body.action.url)}</p>`
				]
			: []),
		...(body.footer ? [`<p style="font-size: 12px; color: #666;">${escapeHtml(body.footer)}</p>`] : []),
		"</body></html>"
	].join("\n");
	return { subject: body.subject, text, html };
}

function link(appUrl: string, page: string, token: string): string {
	return `${appUrl}/${page}?token=${encodeURIComponent(token)}`;
}

const NOT_YOU = "If this was not you, reset your password now and contact support.";

const TEMPLATES: Record<EmailTemplate, (ctx: TemplateContext, greeting: string) => Body> = {
	"verify-email": ({ appUrl, data }, greeting) => ({
		subject: "Confirm your e-mail address",
		greeting,
		paragraphs: ["Please confirm your e-mail address to finish setting up your account. The link is valid for 24 hours and works once."],
		action: { label: "Confirm e-mail address", url: link(appUrl, "verify-email", data.token) },
		footer: "If you did not create an account, ignore this e-mail."
	}),
	"email-change": ({ appUrl, data }, greeting) => ({
		subject: "Confirm your new e-mail address",
		greeting,
		paragraphs: ["Please confirm that this is the new e-mail address of your account. The link is valid for 24 hours and works once; your address changes only when you open it."],
		action: { label: "Confirm new e-mail address", url: link(appUrl, "confirm-email", data.token) },
		footer: "If you did not ask for this, ignore this e-mail: nothing changes."
	}),
	"email-change-notice": ({ data }, greeting) => ({
		subject: "Your e-mail address is about to change",
		greeting,
		paragraphs: [
			`Someone signed in to your account asked to change its e-mail address to ${data.newEmail ?? "a new address"}. It changes only when the link sent there is opened.`,
			NOT_YOU
		]
	}),
	welcome: (_ctx, greeting) => ({
		subject: "Welcome!",
		greeting,
		paragraphs: ["Your e-mail address is confirmed and your account is ready."]
	}),
	"password-reset": ({ appUrl, data }, greeting) => ({
		subject: "Reset your password",
		greeting,
		paragraphs: ["Someone asked to reset the password of your account. The link is valid for 30 minutes and works once."],
		action: { label: "Choose a new password", url: link(appUrl, "reset-password", data.token) },
		footer: "If you did not ask for this, ignore this e-mail: your password stays as it is."
	}),
	"password-changed": (_ctx, greeting) => ({
		subject: "Your password was changed",
		greeting,
		paragraphs: ["The password of your account was just changed, and your other sessions were signed out.", NOT_YOU]
	}),
	"sessions-ended": (_ctx, greeting) => ({
		subject: "You were signed out everywhere",
		greeting,
		paragraphs: ["All sessions of your account were just ended: every device has to sign in again.", NOT_YOU]
	}),
	"magic-link": ({ appUrl, data }, greeting) => ({
		subject: "Your sign-in link",
		greeting,
		paragraphs: ["Someone asked to sign in to your account with a link by e-mail. The link is valid for 15 minutes and works once."],
		action: { label: "Sign in", url: link(appUrl, "magic-link", data.token) },
		footer: "If you did not ask for this, ignore this e-mail: nobody can sign in without the link."
	}),
	"oidc-link": ({ appUrl, data }, greeting) => ({
		subject: `Link ${data.providerName ?? "another provider"} to your account?`,
		greeting,
		paragraphs: [
			`Someone signed in with ${data.providerName ?? "another provider"} as ${data.providerEmail ?? "your e-mail address"}, which is the address of your account. Your account is linked to it only if you confirm. The link is valid for 15 minutes and works once.`
		],
		action: { label: "Link and sign in", url: link(appUrl, "oidc-link", data.token) },
		footer: "If this was not you, ignore this e-mail: nothing is linked without it."
	}),
	"oidc-linked": ({ data }, greeting) => ({
		subject: "A sign-in provider was linked to your account",
		greeting,
		paragraphs: [`${data.providerName ?? "Another provider"} (${data.providerEmail ?? "an account there"}) can now sign you in to your account. You can remove it on your account page.`, NOT_YOU]
	}),
	"account-deleted": (_ctx, greeting) => ({
		subject: "Your account was deleted",
		greeting,
		paragraphs: ["Your account and its data have been deleted. We are sorry to see you go."]
	}),
	"mfa-enabled": ({ data }, greeting) => ({
		subject: "A second factor was added to your account",
		greeting,
		paragraphs: [`You can now sign in with ${data.factor ?? "a new second factor"} as your second step.`, NOT_YOU]
	}),
	"mfa-disabled": ({ data }, greeting) => ({
		subject: "A second factor was removed from your account",
		greeting,
		paragraphs: [`${capitalised(data.factor ?? "a second factor")} no longer signs you in.`, NOT_YOU]
	}),
	"mfa-reset": (_ctx, greeting) => ({
		subject: "Your second factors were removed",
		greeting,
		paragraphs: [
			"An administrator removed every second factor of your account (authenticator app, passkeys and recovery codes). You can sign in with your password alone; set up a second factor again in your account settings.",
			"If you did not ask for this, contact support now."
		]
	}),
	"recovery-code-used": ({ data }, greeting) => ({
		subject: "A recovery code was used",
		greeting,
		paragraphs: [
			`A recovery code was just used to sign in to your account. ${data.remaining ?? "Some"} of your recovery codes remain; each works once.`,
			"If that was not you, reset your password and create new recovery codes now."
		]
	}),
	"recovery-codes-renewed": (_ctx, greeting) => ({
		subject: "New recovery codes",
		greeting,
		paragraphs: ["New recovery codes were created for your account; the previous ones no longer work.", NOT_YOU]
	}),
	"mfa-passkey-added": ({ data }, greeting) => ({
		subject: "A passkey was added to your account",
		greeting,
		paragraphs: [`A passkey named "${data.passkeyName ?? "Passkey"}" was just added to your account: it can now sign you in without a password.`, NOT_YOU]
	}),
	"mfa-passkey-removed": ({ data }, greeting) => ({
		subject: "A passkey was removed from your account",
		greeting,
		paragraphs: [`The passkey named "${data.passkeyName ?? "Passkey"}" was just removed from your account and can no longer sign you in.`, NOT_YOU]
	})
};

function capitalised(text: string): string {
	return text.charAt(0).toUpperCase() + text.slice(1);
}

export function renderEmail(template: EmailTemplate, ctx: TemplateContext): RenderedEmail {
	const name = ctx.data.displayName?.trim();
	return layout(TEMPLATES[template](ctx, name ? `Hello ${name},` : "Hello,"));
}
