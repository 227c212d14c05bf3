/** The part of oidc-provider 9 (which ships no types) that services/api/oidc uses. */
declare module "oidc-provider" {
	import type { IncomingMessage, ServerResponse } from "node:http";

	export interface AdapterPayload {
		[key: string]: unknown;
	}

	export interface Adapter {
		upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
		find(id: string): Promise<AdapterPayload | undefined>;
		findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
		findByUid(uid: string): Promise<AdapterPayload | undefined>;
		consume(id: string): Promise<void>;
		destroy(id: string): Promise<void>;
		revokeByGrantId(grantId: string): Promise<void>;
	}

	export interface KoaContextWithOIDC {
		oidc: { client?: { clientId: string }; [key: string]: unknown };
		status: number;
		type: string;
		body: unknown;
		[key: string]: unknown;
	}

	export interface Account {
		accountId: string;
		claims(use: string, scope: string): Promise<Record<string, unknown>> | Record<string, unknown>;
	}

	export interface ClientLike {
		clientId: string;
		clientSecret?: string;
		redirectUris?: string[];
		compareClientSecret(actual: string): boolean | Promise<boolean>;
	}

	export interface Configuration {
		[key: string]: unknown;
	}

	export interface InteractionDetails {
		uid: string;
		prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
		params: Record<string, unknown>;
		session?: { accountId?: string; uid: string };
		grantId?: string;
		lastSubmission?: Record<string, unknown>;
		/** Seconds since the epoch: when the interaction began, and when it expires. */
		iat: number;
		exp: number;
	}

	export interface GrantInstance {
		addOIDCScope(scope: string): void;
		addOIDCClaims(claims: string[]): void;
		save(): Promise<string>;
	}

	export default class Provider {
		constructor(issuer: string, configuration?: Configuration);
		issuer: string;
		proxy: boolean;
		Client: { prototype: ClientLike; find(id: string): Promise<ClientLike | undefined> };
		Grant: {
			new (properties: { accountId: string; clientId: string }): GrantInstance;
			find(id: string): Promise<GrantInstance | undefined>;
		};
		callback(): (req: IncomingMessage, res: ServerResponse) => void;
		interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
		interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
		/** Records the interaction's result; answers the URL the browser goes on to (the authorization's resume). */
		interactionResult(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<string>;
		on(event: string, listener: (...args: unknown[]) => void): this;
	}

	export const errors: Record<string, new (...args: unknown[]) => Error>;

	export namespace interactionPolicy {
		class Check {
			constructor(reason: string, description: string, error: string, check: (ctx: KoaContextWithOIDC) => boolean | Promise<boolean>);
		}
		interface Prompt {
			name: string;
			checks: { add(check: Check, index?: number): void };
		}
		type Policy = Prompt[] & { get(name: string): Prompt | undefined };
		function base(): Policy;
	}
}
