/** One-time links (e-mail verification, password reset, e-mail change): issued, sent, spent once. */
import { isDuplicateKeyError } from "../../../lib/collection";
import type { LinkKind } from "../../../lib/enums";
import { invalidLink } from "../../../lib/errors";
import { LINK_TTL_MS, type EmailRequest } from "../../../lib/types";
import type { PublicUser } from "../../../lib/user-schema";
import { pendingEmailChange } from "../email-changes";
import { pendingLink } from "../federation/pending";
import type { AddressLinkKind } from "../outbox";
import type { AuthKit } from "../ports";
import type { SpentTokenRecord } from "../sessions";
import { hashToken, randomToken } from "../tokens/opaque";

export interface OneTimeTokenRecord {
	_id: string; // hash of the token
	kind: LinkKind;
	userId: string;
	createdAt: Date;
	expiresAt: Date;
	usedAt: Date | null;
}

/** At most one verification or reset e-mail per address in this time, so nobody can flood a mailbox. */
export const RESEND_INTERVAL_MS = 60_000;

/** Marks a token used; false when it already was (the unique `_id` decides, atomically). */
export async function spend(kit: Pick<AuthKit, "stores">, token: Omit<SpentTokenRecord, "sessionId"> & { sessionId?: string }): Promise<boolean> {
	try {
		await kit.stores.spentTokens.insert({ sessionId: null, ...token });
		return true;
	} catch (err) {
		if (isDuplicateKeyError(err)) return false;
		throw err;
	}
}

/** A fresh one-time token that replaces the user's earlier ones of this kind. */
export async function issueLink(kit: AuthKit, kind: LinkKind, userId: string): Promise<string> {
	const now = kit.clock.now();
	await kit.stores.oneTimeTokens.removeMany({ kind, userId });
	const value = randomToken();
	await kit.stores.oneTimeTokens.insert({ _id: hashToken(value), kind, userId, createdAt: new Date(now), expiresAt: new Date(now + LINK_TTL_MS[kind]), usedAt: null });
	return value;
}

/** Spends a one-time token of this kind; any other token, used, expired or unknown, is INVALID_TOKEN (400). */
export async function consumeLink(kit: AuthKit, kind: LinkKind, value: string): Promise<string> {
	const id = hashToken(value);
	const record = await kit.stores.oneTimeTokens.findById(id);
	if (!record || record.kind !== kind || record.usedAt || new Date(record.expiresAt).getTime() <= kit.clock.now()) throw invalidLink();
	if (!(await spend(kit, { _id: id, kind, expiresAt: record.expiresAt }))) throw invalidLink();
	await kit.stores.oneTimeTokens.updateMany({ _id: id }, { $set: { usedAt: new Date(kit.clock.now()) } });
	return record.userId;
}

/** The e-mail with a one-time link for this user, or null when one was sent to them moments ago. */
async function linkEmail(kit: AuthKit, kind: LinkKind, user: PublicUser): Promise<EmailRequest | null> {
	const since = new Date(kit.clock.now() - RESEND_INTERVAL_MS);
	if ((await kit.stores.oneTimeTokens.count({ kind, userId: user.id, usedAt: null, createdAt: { $gt: since } })) > 0) return null;
	return { to: user.email, template: kind, data: { displayName: user.displayName }, userId: user.id, link: kind };
}

/** Queues an e-mail with a one-time link, unless one was sent to this user moments ago. */
export async function sendLink(kit: AuthKit, kind: LinkKind, user: PublicUser): Promise<void> {
	const email = await linkEmail(kit, kind, user);
	if (email) await kit.mail.sendEmail(email);
}

/**
 * What a link request by address (forgotten password, resent verification) comes to as the outbox relays
 * it: the e-mail for the address's owner, or null for an unknown address, a disabled account, an address
 * already verified, or a link sent moments ago.
 */
export async function linkEmailFor(kit: AuthKit, kind: AddressLinkKind, address: string): Promise<EmailRequest | null> {
	const user = await kit.users.findByEmail(address);
	if (!user || user.status !== "active" || (kind === "verify-email" && user.emailVerified)) return null;
	return linkEmail(kit, kind, user);
}

/**
 * Mints the token of a one-time link as `notifications` sends the e-mail; null when the link is no longer
 * wanted (the account is gone, disabled, or already verified; no e-mail change pending).
 */
export async function linkTokenFor(kit: AuthKit, { kind, userId }: { kind: LinkKind; userId: string }): Promise<string | null> {
	const user = await kit.users.getById(userId);
	if (!user || user.status !== "active" || (kind === "verify-email" && user.emailVerified)) return null;
	if (kind === "email-change" && !(await pendingEmailChange(kit, userId))) return null;
	if (kind === "oidc-link" && !(await pendingLink(kit, userId))) return null;
	return issueLink(kit, kind, userId);
}
