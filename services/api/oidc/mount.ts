/** The OpenID Provider as the gateway mounts it: provider, interactions and key set over the broker. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServiceBroker } from "moleculer";
import type { Config } from "../../../lib/config";
import { ConfigError } from "../../../lib/config";
import { loadSigningKey, toJwks, type VerificationKey } from "../../../lib/tokens/keys";
import type { AppMeta } from "../../../lib/types";
import type { PublicUser } from "../../../lib/user-schema";
import type { AdapterPayload } from "oidc-provider";
import { clientIp } from "../client-ip";
import { oidcHandler, type SignInResult } from "./handler";
import type { OidcProvider } from "./provider";

/** Answers (true) a request under the issuer's path, like the hosted pages' handlers (web/serve.ts). */
export type OidcMount = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * null when this gateway has no signing key (production with only JWT_PUBLIC_KEYS): the provider is off and
 * its paths are unknown, as the log says.
 */
export function mountOidc(config: Config, broker: ServiceBroker, keys: () => VerificationKey[]): OidcMount | null {
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
			signIn: (email, password, clientId, req) => {
				const meta: AppMeta = { clientIp: clientIp(req, config.trustProxy), userAgent: req.headers["user-agent"] };
				return broker.call<SignInResult, object>("auth.oidcSignIn", { email, password, clientId }, { meta });
			},
			jwks: () => toJwks(keys()),
			clientName: async clientId => {
				const client = await theProvider().Client.find(clientId);
				return (client as unknown as { clientName?: string } | undefined)?.clientName ?? clientId;
			},
			logError: err => broker.logger.error("OpenID Provider page failed:", (err as Error)?.message, (err as Error)?.stack)
		},
		config.oidcIssuer
	);
}
