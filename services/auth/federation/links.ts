/** An account's identities at other providers: added (after proof), listed and removed (never the last way in). */
import { randomUUID } from "node:crypto";
import { isDuplicateKeyError } from "../../../lib/collection";
import { apiError } from "../../../lib/errors";
import type { AuthUser } from "../../../lib/types";
import type { PublicUser } from "../../../lib/user-schema";
import type { AuthKit } from "../ports";
import type { OidcLinkRecord, ProviderIdentity, RelyingParty } from "./ports";

export interface LinkView {
	id: string;
	provider: string;
	name: string;
	email: string | null;
	createdAt: string;
}

export const identityKey = (provider: string, subject: string): string => `${provider} ${subject}`;

export function findLink(kit: AuthKit, provider: string, subject: string): Promise<OidcLinkRecord | null> {
	return kit.stores.oidcLinks.findOne({ identity: identityKey(provider, subject) });
}

/**
 * Links the identity to the account (once proven: signed in, or confirmed by e-mail), audited and told to the
 * user. Already linked to this account: nothing to do. Linked to another one: 409 IDENTITY_LINKED.
 */
export async function addLink(kit: AuthKit, rp: RelyingParty, user: PublicUser, provider: string, identity: Pick<ProviderIdentity, "subject" | "email">): Promise<void> {
	const record: OidcLinkRecord = {
		_id: randomUUID(),
		identity: identityKey(provider, identity.subject),
		userId: user.id,
		provider,
		subject: identity.subject,
		email: identity.email,
		createdAt: new Date(kit.clock.now())
	};
	try {
		await kit.stores.oidcLinks.insert(record);
	} catch (err) {
		if (!isDuplicateKeyError(err)) throw err;
		const holder = await findLink(kit, provider, identity.subject);
		if (holder?.userId === user.id) return;
		throw apiError("IDENTITY_LINKED");
	}
	const providerName = rp.name(provider) ?? provider;
	await kit.audit.record({ type: "oidc.link.add", subjectId: user.id, actorId: user.id, details: { provider, linkId: record._id } });
	await kit.mail.sendEmail({ to: user.email, template: "oidc-linked", data: { displayName: user.displayName, providerName, providerEmail: identity.email ?? "" }, userId: user.id });
	await kit.mail.notifyInApp({ userId: user.id, type: "oidc-linked", title: `${providerName} was linked`, body: `${providerName} can now sign you in. If this was not you, remove it on your account page and change your password.` });
}

export async function listLinks(kit: AuthKit, rp: RelyingParty, caller: AuthUser): Promise<LinkView[]> {
	const rows = await kit.stores.oidcLinks.find({ userId: caller.id }, { sort: ["createdAt"] });
	return rows.map(r => ({ id: r._id, provider: r.provider, name: rp.name(r.provider) ?? r.provider, email: r.email, createdAt: new Date(r.createdAt).toISOString() }));
}

/** Removes a link, unless it is the account's last way in (no password, no passkey, no other link): 409. */
export async function removeLink(kit: AuthKit, caller: AuthUser, { id }: { id: string }): Promise<null> {
	const link = await kit.stores.oidcLinks.findOne({ _id: id, userId: caller.id });
	if (!link) throw apiError("NOT_FOUND", "No such linked provider");
	const [others, credential, passkeys] = await Promise.all([
		kit.stores.oidcLinks.count({ userId: caller.id, _id: { $ne: id } }),
		kit.stores.credentials.findById(caller.id),
		kit.factors.passkeys.count({ userId: caller.id })
	]);
	if (others === 0 && !credential && passkeys === 0) {
		throw apiError("LAST_SIGN_IN_METHOD", "This provider is your account's only way to sign in: set a password (Forgot your password?) or add a passkey before removing it");
	}
	await kit.stores.oidcLinks.removeById(id);
	await kit.audit.record({ type: "oidc.link.remove", subjectId: caller.id, details: { provider: link.provider, linkId: id } });
	return null;
}
