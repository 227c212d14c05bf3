/** What auth builds once, when the service is created: its stores, hasher, signer, limiter and outbox relay. */
import type { Service } from "moleculer";
import type { Collection } from "../../lib/collection";
import type { Config } from "../../lib/config";
import { signAccessToken } from "../../lib/tokens/access";
import { loadSigningKey } from "../../lib/tokens/keys";
import type { ServiceDeps } from "../../lib/types";
import type { DbMixinMethods } from "../../mixins/db.mixin";
import type { MetricsMixinMethods } from "../../mixins/metrics.mixin";
import {
	AuditModel,
	CredentialModel,
	EmailChangeModel,
	LoginThrottleModel,
	MfaChallengeModel,
	MfaFactorModel,
	OidcClientModel,
	OidcFlowModel,
	OidcLinkModel,
	OidcRecordModel,
	OneTimeTokenModel,
	OutboxModel,
	PasskeyModel,
	RateLimitModel,
	RecoveryCodeModel,
	SessionModel,
	SpentTokenModel,
	WebAuthnChallengeModel
} from "../../models";
import type { AuditRecord } from "./audit/chain";
import { openIdRelyingParty } from "./federation/relying-party";
import type { RelyingParty } from "./federation/ports";
import { outboxRelay } from "./hand-over";
import { IpLimit } from "./ip-limit";
import { requestKit, type AuthCore } from "./kit";
import { loadSecretBox } from "./mfa/encryption-keys";
import { passkeyDecoysFor } from "./mfa/passkey-credential";
import { secondFactorsOver } from "./mfa/second-factors";
import type { Outbox, OutboxRecord } from "./outbox";
import { PasswordHasher } from "./password/hasher";
import { successorKey, successorSecret } from "./tokens/opaque";

export interface AuthParts {
	core: AuthCore;
	/** The audit trail's store, also read directly by the integration tests that tamper with it. */
	auditLog: Collection<AuditRecord>;
	hasher: PasswordHasher;
	ipLimit: IpLimit;
	outbox: Outbox;
	/** The client side of "sign in with another provider" (OIDC_PROVIDERS). */
	relyingParty: RelyingParty;
}

/** Opens auth's collections (through the db mixin) and builds what its flows share for the service's life. */
export function openAuth(service: Service & DbMixinMethods & MetricsMixinMethods, config: Config, { clock }: ServiceDeps): AuthParts {
	const signingKey = loadSigningKey(config);
	const sign = { issuer: config.jwtIssuer, audience: config.jwtAudience, ttl: config.accessTokenTtl };
	const hasher = new PasswordHasher(config.bcryptRounds);
	const successorSecretKey = successorKey(signingKey.privateKey);
	const auditLog = service.collection<AuditRecord>(AuditModel);
	const parts = {} as AuthParts;
	const core: AuthCore = {
		settings: config,
		clock,
		stores: {
			credentials: service.collection(CredentialModel),
			sessions: service.collection(SessionModel),
			spentTokens: service.collection(SpentTokenModel),
			oneTimeTokens: service.collection(OneTimeTokenModel),
			throttles: service.collection(LoginThrottleModel),
			emailChanges: service.collection(EmailChangeModel),
			webauthnChallenges: service.collection(WebAuthnChallengeModel),
			oidcRecords: service.collection(OidcRecordModel),
			oidcClients: service.collection(OidcClientModel),
			oidcFlows: service.collection(OidcFlowModel),
			oidcLinks: service.collection(OidcLinkModel)
		},
		auditLog,
		factors: secondFactorsOver(
			{
				totp: service.collection(MfaFactorModel),
				recoveryCodes: service.collection(RecoveryCodeModel),
				mfaChallenges: service.collection(MfaChallengeModel),
				passkeys: service.collection(PasskeyModel)
			},
			loadSecretBox(config),
			clock
		),
		hasher,
		signer: { accessToken: subject => signAccessToken(subject, signingKey, { ...sign, now: clock.now() }) },
		successor: { of: secret => successorSecret(successorSecretKey, secret) },
		metrics: { count: (key, labels) => service.countMetric(key, labels) },
		passkeyDecoys: passkeyDecoysFor(signingKey.privateKey),
		background: { run: (what, work) => void work().catch(err => service.logger.error(`Background ${what} failed:`, (err as Error).message)) },
		logger: service.logger,
		// The relay is built below, from the kit this core makes: the port reaches it when a message is added.
		outbox: { add: message => parts.outbox.add(message) }
	};
	Object.assign(parts, {
		core,
		auditLog,
		hasher,
		ipLimit: new IpLimit(service.collection(RateLimitModel), config.authRateLimitPerMinute, clock),
		outbox: outboxRelay(service, service.collection<OutboxRecord>(OutboxModel), requestKit(core, service.broker, {})),
		relyingParty: openIdRelyingParty(config.oidcProviders, {
			callbackUrl: id => `${config.appUrl}/api/v1/auth/oidc/${id}/callback`,
			now: () => clock.now(),
			warn: message => service.logger.warn(message)
		})
	});
	return parts;
}
