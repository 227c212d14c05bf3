// Access rules are declared on actions (see middlewares/access-control.ts).
import type { Role } from "../lib/enums";

declare module "moleculer/src/service" {
	interface ActionSchema {
		/** The caller must present a valid access token. */
		auth?: "required";
		/** The caller must hold one of these roles (implies `auth`). */
		roles?: Role[];
		/** Reachable with a token limited to second-factor enrolment (MFA_REQUIRED_ROLES). */
		enrolment?: true;
		/** OpenAPI: a one-line description of the route. */
		summary?: string;
	}
}
