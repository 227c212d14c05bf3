/**
 * Security notices about second factors (CONTRACT §4): each goes out by e-mail and in the app, like the other
 * security events. `factor` names TOTP in words ("an authenticator app"); a passkey's notices name it.
 */
import type { PublicUser } from "../../../lib/user-schema";
import type { MailPort } from "../ports";

export type MfaNotice =
	| { template: "mfa-enabled"; factor: string }
	| { template: "mfa-disabled"; factor: string }
	| { template: "mfa-reset" }
	| { template: "recovery-code-used"; remaining: number }
	| { template: "recovery-codes-renewed" }
	| { template: "mfa-passkey-added" | "mfa-passkey-removed"; passkeyName: string };

/** How TOTP is named to users. */
export const TOTP_FACTOR = "an authenticator app";

function inApp(notice: MfaNotice): { title: string; body: string } {
	switch (notice.template) {
		case "mfa-enabled":
			return { title: "A second factor was added", body: `You can now sign in with ${notice.factor} as your second step.` };
		case "mfa-disabled":
			return { title: "A second factor was removed", body: `${notice.factor[0].toUpperCase()}${notice.factor.slice(1)} no longer signs you in.` };
		case "mfa-reset":
			return { title: "Your second factors were removed", body: "An administrator removed every second factor of your account; you can sign in with your password alone and set them up again." };
		case "recovery-code-used":
			return { title: "A recovery code was used", body: `A recovery code was used to sign in. ${notice.remaining} of your recovery codes remain.` };
		case "recovery-codes-renewed":
			return { title: "New recovery codes", body: "New recovery codes were created; the previous ones no longer work." };
		case "mfa-passkey-added":
			return { title: "A passkey was added", body: `The passkey "${notice.passkeyName}" can now sign in to your account.` };
		case "mfa-passkey-removed":
			return { title: "A passkey was removed", body: `The passkey "${notice.passkeyName}" can no longer sign in to your account.` };
	}
}

function templateData(notice: MfaNotice): Record<string, string> {
	if (notice.template === "recovery-code-used") return { remaining: String(notice.remaining) };
	if (notice.template === "mfa-enabled" || notice.template === "mfa-disabled") return { factor: notice.factor };
	if (notice.template === "mfa-passkey-added" || notice.template === "mfa-passkey-removed") return { passkeyName: notice.passkeyName };
	return {};
}

export async function sendMfaNotice(mail: MailPort, user: PublicUser, notice: MfaNotice): Promise<void> {
	await mail.sendEmail({ to: user.email, template: notice.template, data: { displayName: user.displayName, ...templateData(notice) }, userId: user.id });
	await mail.notifyInApp({ userId: user.id, type: notice.template, ...inApp(notice) });
}
