/** The OpenID Provider as the gateway mounts it: provider, interactions and key set over the broker. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServiceBroker } from "moleculer";
import type { AdapterPayload } from "oidc-provider";
import type { CallerIdentity } from "../../../lib/bus-identity";
import type { Clock } from "../../../lib/clock";
import type { Config } from "../../../lib/config";
import { ConfigError } from "../../../lib/config";
import { loadSigningKey, toJwks } from "../../../lib/tokens/keys";
import type { PublicUser } from "../../../lib/user-schema";
import type { AppMeta } from "../../../lib/types";
import { authenticate } from "../authenticate";
import { clientIp } from "../client-ip";
import { oidcHandler, type HandlerPorts } from "./handler";
import { oidcPages } from "./pages";
import type { OidcProvider } from "./provider";

/** Answers (true) a request under the issuer's path, like the hosted pages' handlers (web/serve.ts). */
export type OidcMount = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface OidcMountDeps {
	/** The gateway's verification of access tokens (keys, rotation, ended sessions). */
	identity: CallerIdentity;
	clock: Clock;
	/** The hosted interaction page (web/pages/authorize.html), or null with HOSTED_PAGES off. */
	interactionPage: HandlerPorts["interactionPage"];
}

/**
 * null when this gateway has no signing key (production with only JWT_PUBLIC_KEYS): the provider is off and
 * its paths are unknown, as the log says.
 */
export function mountOidc(config: Config, broker: ServiceBroker, deps: OidcMountDeps): OidcMount | null {
	let signing;
	try {
		signing = loadSigningKey(config);
	} catch (err) {
		if (!(err instanceof ConfigError)) throw err;
		broker.logger.warn(`The OpenID Provider is off: ${err.message} (the gateway signs ID tokens with it).`);
		return null;
	}
	// oidc-provider (and koa under it, ~25 MiB) is loaded at the first request under the issuer's path, not at
	// start: a gateway that never serves single sign-on never holds it (README "Performance").
	let provider: OidcProvider | undefined;
	const theProvider = (): OidcProvider => {
		if (provider) return provider;
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { createProvider } = require("./provider") as typeof import("./provider");
		provider = createProvider(config, signing, {
			store: params => broker.call<AdapterPayload | null, object>("auth.oidcStore", params),
			user: id => broker.call<PublicUser | null, object>("users.getById", { id })
		});
		provider.on("server_error", (_ctx, err) => broker.logger.error("OpenID Provider failed:", (err as Error)?.message, (err as Error)?.stack));
		return provider;
	};
	return oidcHandler(
		theProvider,
		{
			caller: header => authenticate(header, deps.identity, deps.clock.now()),
			origin: new URL(config.appUrl).origin,
			now: () => deps.clock.now(),
			jwks: () => toJwks([...deps.identity.keys.values()]),
			pages: oidcPages(config.appName),
			interactionPage: deps.interactionPage,
			signedIn: async (req, entry) => {
				const meta: AppMeta = { clientIp: clientIp(req, config.trustProxy), userAgent: req.headers["user-agent"] };
				await broker.call("auth.oidcSignedIn", entry, { meta });
			},
			clientName: async clientId => {
				const client = await theProvider().Client.find(clientId);
				return (client as unknown as { clientName?: string } | undefined)?.clientName ?? clientId;
			},
			logError: err => broker.logger.error("OpenID Provider page failed:", (err as Error)?.message, (err as Error)?.stack)
		},
		config.oidcIssuer
	);
}
