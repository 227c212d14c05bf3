import { call, command, CommandError, OPERATOR, type Caller, type CommandOutput } from "./command";

/** Operator commands for the OpenID Provider's clients (the same actions as the admin API, CONTRACT §6). */

interface ClientView {
	clientId: string;
	clientSecret?: string;
	name: string;
	type: string;
	redirectUris: string[];
}

/** `oidc-client-add <name> <redirectUri> [--public]`: registers a client; its secret is printed once. */
export function addOidcClient(caller: Caller, name: unknown, redirectUri: unknown, isPublic: unknown): Promise<CommandOutput> {
	return command(async () => {
		if (typeof name !== "string" || !name.trim() || typeof redirectUri !== "string") throw new CommandError("Give a name and a redirect URI");
		const type = isPublic ? "public" : "confidential";
		const client = await call<ClientView>(caller, "auth.createOidcClient", { name: name.trim(), redirectUris: [redirectUri], type }, OPERATOR);
		const secret = client.clientSecret ? `\nclient_secret: ${client.clientSecret}  (shown once: store it now)` : "";
		return `Client "${client.name}" (${type}) registered.\nclient_id: ${client.clientId}${secret}`;
	});
}

/** `oidc-clients`: the registered clients, newest first (never secrets). */
export function listOidcClients(caller: Caller): Promise<CommandOutput> {
	return command(async () => {
		const page = await call<{ rows: ClientView[]; total: number }>(caller, "auth.listOidcClients", { page: 1, pageSize: 100 }, OPERATOR);
		if (page.total === 0) return "No OpenID Connect clients.";
		return page.rows.map(c => `${c.clientId}  ${c.type.padEnd(12)} ${c.name}  ${c.redirectUris.join(", ")}`).join("\n");
	});
}

/** `oidc-client-remove <clientId>`: removes a client; its grants and tokens stop working. */
export function removeOidcClient(caller: Caller, clientId: unknown): Promise<CommandOutput> {
	return command(async () => {
		if (typeof clientId !== "string" || !clientId.trim()) throw new CommandError("Give a client_id");
		await call(caller, "auth.deleteOidcClient", { clientId: clientId.trim() }, OPERATOR);
		return `Client ${clientId.trim()} removed; its grants and tokens no longer work.`;
	});
}
