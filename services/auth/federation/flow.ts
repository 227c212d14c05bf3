/**
 * Signing in (or linking) through another OpenID provider (README, Sign in with another provider):
 * - start: a flow kept server-side (state, nonce, PKCE verifier, provider, `next`, the account to link), 10
 *   minutes, single use, bound to the browser by a cookie whose hash it stores (login CSRF);
 * - callback: the flow spent, the code exchanged and the ID token checked (./relying-party.ts), then: a linked
 *   identity signs in; an unknown one with a verified e-mail no account uses creates the account; one whose
 *   e-mail an account already uses is linked only once the owner confirms by e-mail. A second factor still
 *   applies (signInOrChallenge). Every refusal is a redirect to the hosted page with a reason code.
 */
import { emailKey } from "../../../lib/email";
import { apiError, invalidLink, type ApiError } from "../../../lib/errors";
import type { AuthUser, MfaChallengeResponse, TokenResponse } from "../../../lib/types";
import { USER_LIMITS, type PublicUser } from "../../../lib/user-schema";
import { consumeLink } from "../flows/links";
import { SIGN_IN_FACTORS, signInOrChallenge } from "../flows/sign-in";
import { loginMethods } from "../mfa/second-factors";
import type { AuthKit, ClientInfo } from "../ports";
import { hashToken, randomToken, sameHash } from "../tokens/opaque";
import { addLink, findLink } from "./links";
import { pendingLink, pendingLinkId } from "./pending";
import { FederationRefusal, type OidcFlowRecord, type ProviderIdentity, type RefusalCode, type RelyingParty } from "./ports";

export const FLOW_TTL_MS = 10 * 60_000;
/** A confirmation e-mail for the same identity and account is not sent again within this time. */
const RESEND_MS = 60_000;
/** The provider's answer, as far as the flow reads it (the query of the callback). */
const CALLBACK_PARAMS = ["code", "state", "iss", "error", "error_description", "session_state"] as const;

export type CallbackQuery = Partial<Record<(typeof CALLBACK_PARAMS)[number], string>>;

/** What the gateway turns into a redirect: `flowCookie` to set, `refreshToken` for the browser-session cookie. */
export interface FlowAnswer {
	location: string;
	flowCookie?: string;
	refreshToken?: string;
}

/** A same-origin path (not the API's), else null: where a flow may land. */
export function sameOriginPath(next: string | undefined | null): string | null {
	if (!next || !next.startsWith("/") || next.startsWith("//") || [...next].some(c => c < " " || c === "\\" || c === "\u007f")) return null;
	try {
		const url = new URL(next, "http://here.invalid");
		if (url.origin !== "http://here.invalid" || url.pathname.startsWith("/api/")) return null;
		return url.pathname + url.search;
	} catch {
		return null;
	}
}

function ensureProvider(rp: RelyingParty, id: string): void {
	if (rp.name(id) === null) throw apiError("NOT_FOUND", "No such sign-in provider");
}

/** A flow to the provider: the URL to send the browser to and the cookie that binds the flow to it. */
export async function startFlow(kit: AuthKit, rp: RelyingParty, { id, next, userId = null }: { id: string; next?: string; userId?: string | null }): Promise<FlowAnswer> {
	ensureProvider(rp, id);
	const state = randomToken();
	const nonce = randomToken();
	const codeVerifier = randomToken();
	const cookie = randomToken();
	// Asked first: while the provider cannot be reached (503) nothing is stored.
	const location = await rp.authorizationUrl(id, { state, nonce, codeVerifier });
	const now = kit.clock.now();
	await kit.stores.oidcFlows.insert({
		_id: hashToken(state),
		kind: "authorize",
		provider: id,
		userId,
		cookieHash: hashToken(cookie),
		nonce,
		codeVerifier,
		next: sameOriginPath(next),
		subject: null,
		email: null,
		createdAt: new Date(now),
		expiresAt: new Date(now + FLOW_TTL_MS)
	});
	return { location, flowCookie: cookie };
}

/** Linking while signed in: the same flow, carrying the account; the account page navigates to `location`. */
export function startLinking(kit: AuthKit, rp: RelyingParty, caller: AuthUser, { id }: { id: string }): Promise<FlowAnswer> {
	return startFlow(kit, rp, { id, next: "/account", userId: caller.id });
}

/** Spends the flow the callback belongs to: it must exist, be this provider's, be live and be this browser's. */
async function takeFlow(kit: AuthKit, id: string, query: CallbackQuery, cookie: string | undefined): Promise<OidcFlowRecord> {
	if (!query.state) throw new FederationRefusal("invalid_state", "no state");
	const flow = await kit.stores.oidcFlows.findById(hashToken(query.state));
	if (!flow || flow.kind !== "authorize" || flow.provider !== id || new Date(flow.expiresAt).getTime() <= kit.clock.now()) throw new FederationRefusal("invalid_state", "unknown, used or expired");
	if (!cookie) throw new FederationRefusal("flow_missing", "no flow cookie");
	if (!flow.cookieHash || !sameHash(hashToken(cookie), flow.cookieHash)) throw new FederationRefusal("flow_missing", "another browser's flow");
	// Single use: of two callbacks with the same state, one removes it.
	if ((await kit.stores.oidcFlows.removeMany({ _id: flow._id })) === 0) throw new FederationRefusal("invalid_state", "used");
	return flow;
}

/** The provider's answer: signed in, linked, created, waiting for an e-mailed confirmation, or refused. */
export async function finishFlow(
	kit: AuthKit,
	rp: RelyingParty,
	{ id, query, cookie }: { id: string; query: CallbackQuery; cookie?: string },
	client: ClientInfo
): Promise<FlowAnswer> {
	ensureProvider(rp, id);
	let flow: OidcFlowRecord | null = null;
	try {
		if (query.error) {
			// Spent all the same, so that it cannot be finished later.
			if (query.state) await kit.stores.oidcFlows.removeMany({ _id: hashToken(query.state), kind: "authorize" });
			throw new FederationRefusal(query.error === "access_denied" ? "access_denied" : "provider_error", query.error);
		}
		flow = await takeFlow(kit, id, query, cookie);
		const answer = Object.fromEntries(CALLBACK_PARAMS.filter(name => query[name] !== undefined).map(name => [name, query[name]!]));
		const identity = await rp.identify(id, { query: answer, state: query.state!, nonce: flow.nonce!, codeVerifier: flow.codeVerifier! });
		return await (flow.userId ? linkToSignedIn(kit, rp, flow, identity) : signInWith(kit, rp, flow, identity, client));
	} catch (err) {
		const refusal = err instanceof FederationRefusal ? err : (err as ApiError).type === "IDENTITY_LINKED" ? new FederationRefusal("identity_linked") : null;
		if (!refusal) throw err;
		return refuse(kit, id, flow, refusal);
	}
}

async function refuse(kit: AuthKit, provider: string, flow: OidcFlowRecord | null, refusal: FederationRefusal): Promise<FlowAnswer> {
	kit.metrics.count("oidcLogins", { provider, result: refusal.code });
	await kit.audit.record({ type: "oidc.sign-in", outcome: "failure", subjectId: flow?.userId ?? null, details: { provider, reason: refusal.code, detail: refusal.detail.slice(0, 200) } });
	return { location: `${flow?.userId ? "/account" : "/login"}?error=${refusal.code}` };
}

async function linkToSignedIn(kit: AuthKit, rp: RelyingParty, flow: OidcFlowRecord, identity: ProviderIdentity): Promise<FlowAnswer> {
	const user = await kit.users.getById(flow.userId!);
	if (!user || user.status !== "active") throw new FederationRefusal("account_disabled");
	await addLink(kit, rp, user, flow.provider, identity);
	kit.metrics.count("oidcLogins", { provider: flow.provider, result: "linked" });
	return { location: `${flow.next ?? "/account"}${(flow.next ?? "/account").includes("?") ? "&" : "?"}linked=${flow.provider}` };
}

async function signInWith(kit: AuthKit, rp: RelyingParty, flow: OidcFlowRecord, identity: ProviderIdentity, client: ClientInfo): Promise<FlowAnswer> {
	const link = await findLink(kit, flow.provider, identity.subject);
	if (link) {
		const user = await kit.users.getById(link.userId);
		if (!user) {
			// The account is gone: its link goes too, and the identity is treated as new.
			await kit.stores.oidcLinks.removeById(link._id);
			return signInWith(kit, rp, flow, identity, client);
		}
		return signIn(kit, flow, user, "signed_in", client);
	}
	if (!identity.email || !identity.emailVerified) throw new FederationRefusal("email_unverified");
	const holder = await kit.users.findByEmail(identity.email);
	if (holder) return askOwner(kit, rp, flow, holder, identity);
	let user: PublicUser;
	try {
		user = await kit.users.create({ email: identity.email, displayName: identity.name?.slice(0, USER_LIMITS.displayName) ?? undefined, emailVerified: true });
	} catch (err) {
		const type = (err as ApiError).type;
		if (type === "EMAIL_TAKEN") {
			const taken = await kit.users.findByEmail(identity.email);
			if (taken) return askOwner(kit, rp, flow, taken, identity);
		}
		// An address the users service refuses (too long, malformed): not one this backend can use.
		if (type === "VALIDATION_ERROR") throw new FederationRefusal("email_unverified", "address refused");
		throw err;
	}
	kit.metrics.count("registrations", { result: "created" });
	await kit.audit.record({ type: "register", subjectId: user.id, actorId: user.id, details: { method: "oidc", provider: flow.provider } });
	await addLink(kit, rp, user, flow.provider, identity);
	return signIn(kit, flow, user, "created", client);
}

/** The identity's e-mail is an account's: linked only once its owner confirms (e-mail with a one-time link). */
async function askOwner(kit: AuthKit, rp: RelyingParty, flow: OidcFlowRecord, owner: PublicUser, identity: ProviderIdentity): Promise<FlowAnswer> {
	if (owner.status !== "active") throw new FederationRefusal("account_disabled");
	const now = kit.clock.now();
	const earlier = await pendingLink(kit, owner.id);
	const resent = earlier && earlier.provider === flow.provider && earlier.subject === identity.subject && new Date(earlier.createdAt).getTime() > now - RESEND_MS;
	if (!resent) {
		await kit.stores.oidcFlows.removeMany({ _id: pendingLinkId(owner.id) });
		await kit.stores.oidcFlows.insert({
			_id: pendingLinkId(owner.id),
			kind: "confirm-link",
			provider: flow.provider,
			userId: owner.id,
			cookieHash: null,
			nonce: null,
			codeVerifier: null,
			next: flow.next,
			subject: identity.subject,
			email: identity.email,
			createdAt: new Date(now),
			expiresAt: new Date(now + FLOW_TTL_MS + 5 * 60_000)
		});
		await kit.mail.sendEmail({
			to: owner.email,
			template: "oidc-link",
			data: { displayName: owner.displayName, providerName: rp.name(flow.provider) ?? flow.provider, providerEmail: identity.email ?? "" },
			userId: owner.id,
			link: "oidc-link"
		});
	}
	kit.metrics.count("oidcLogins", { provider: flow.provider, result: "confirmation_sent" });
	await kit.audit.record({ type: "oidc.link.pending", subjectId: owner.id, details: { provider: flow.provider, address: emailKey(owner.email), resent: !resent } });
	return { location: "/login?notice=oidc_confirm" };
}

async function signIn(kit: AuthKit, flow: OidcFlowRecord, user: PublicUser, result: string, client: ClientInfo): Promise<FlowAnswer> {
	if (user.status !== "active") throw new FederationRefusal("account_disabled");
	const answer = await signInOrChallenge(kit, user, SIGN_IN_FACTORS.provider, await loginMethods(kit.factors, user.id), client);
	kit.metrics.count("oidcLogins", { provider: flow.provider, result: "mfaRequired" in answer ? "mfa_required" : result });
	await kit.audit.record({ type: "oidc.sign-in", subjectId: user.id, actorId: user.id, details: { provider: flow.provider, result } });
	const next = flow.next ?? "/account";
	if ("mfaRequired" in answer) {
		// The hosted page's second step, with the short-lived, single-use mfaToken in the fragment: never sent to a
		// server, and the page takes it out of the address bar and history at once (web/assets/login.js).
		const fragment = new URLSearchParams({ mfa: answer.mfaToken, methods: answer.methods.join(",") });
		return { location: `/login${next === "/account" ? "" : `?next=${encodeURIComponent(next)}`}#${fragment}` };
	}
	return { location: next, refreshToken: answer.refreshToken };
}

/** The e-mailed confirmation: the pending link is made, and the owner signed in (or asked for a second factor). */
export async function confirmLink(kit: AuthKit, rp: RelyingParty, { token }: { token: string }, client: ClientInfo): Promise<TokenResponse | MfaChallengeResponse> {
	const userId = await consumeLink(kit, "oidc-link", token);
	const pending = await pendingLink(kit, userId);
	if (!pending?.subject) throw invalidLink();
	await kit.stores.oidcFlows.removeMany({ _id: pending._id });
	let user = await kit.users.getById(userId);
	if (!user) throw invalidLink();
	if (user.status !== "active") throw apiError("ACCOUNT_DISABLED");
	await addLink(kit, rp, user, pending.provider, { subject: pending.subject, email: pending.email });
	if (!user.emailVerified) user = await kit.users.markVerified(user.id);
	const answer = await signInOrChallenge(kit, user, SIGN_IN_FACTORS.provider, await loginMethods(kit.factors, user.id), client);
	kit.metrics.count("oidcLogins", { provider: pending.provider, result: "mfaRequired" in answer ? "mfa_required" : "confirmed" });
	await kit.audit.record({ type: "oidc.sign-in", subjectId: user.id, actorId: user.id, details: { provider: pending.provider, result: "confirmed" } });
	return answer;
}

export type { RefusalCode };
