/** Signing in with a link e-mailed to the account's address (README, Magic links); spread into the `auth` service. */
import type { ServiceSchema } from "moleculer";
import { EMAIL_PARAM, TOKEN_PARAM } from "../../lib/params";
import { requestMagicLink, verifyMagicLink } from "./flows/magic-link";
import { withParams, type AuthHost } from "./kit";

export const MAGIC_LINK_ACTIONS: ServiceSchema<object, Record<string, never>, object, AuthHost>["actions"] = {
	requestMagicLink: {
		summary: "Send a sign-in link by e-mail (15 minutes, single use)",
		params: { email: EMAIL_PARAM, $$strict: true },
		handler: withParams(requestMagicLink)
	},
	verifyMagicLink: {
		summary: "Sign in with the token from the e-mailed link",
		params: { token: TOKEN_PARAM, $$strict: true },
		handler: withParams(verifyMagicLink)
	}
};
