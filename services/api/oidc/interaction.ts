/**
 * An interaction's steps (sign-in, consent) as the hosted page web/pages/authorize.html drives them. The page
 * is the user's browser session on the hosted pages: it gets an access token from the session cookie and
 * sends it here, so signing in to an app is signing in on /login, with every second factor and passkey.
 *
 *   GET  …/interaction/:uid           the hosted page (a clear 4xx page for an unknown or expired interaction)
 *   GET  …/interaction/:uid/details   JSON: the app's name, the step, the scopes, how fresh a sign-in must be,
 *                                     whom the provider's session in this browser signed in
 *   POST …/interaction/:uid/session   Bearer: the signed-in user goes on to the app → {location}
 *   POST …/interaction/:uid/consent   Bearer: the user allows the scopes asked for → {location}
 *   POST …/interaction/:uid/abort     the user denies → {location} (the app gets access_denied)
 *
 * POSTs come only from APP_URL's origin (the `_interaction` cookie is SameSite=Lax, the Origin check is the
 * second line against CSRF, as for the session cookie).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { InteractionDetails } from "oidc-provider";
import type { AuthFailure, AuthUser } from "../../../lib/types";
import type { OidcProvider } from "./provider";

export interface InteractionPorts {
	/** The user a request's `Authorization: Bearer` access token proves (signature, expiry, ended sessions). */
	caller(authorization: string | undefined): Readonly<AuthUser> | { failure: AuthFailure } | null;
	/** The only origin that may post a step: APP_URL's. */
	origin: string;
	/** Milliseconds since the epoch (the services' clock, which also stamped the token's `auth_time`). */
	now(): number;
	clientName(clientId: string): Promise<string>;
	/** Audits a user going on to an app (before the provider records it: no sign-in goes unaudited). */
	signedIn(req: IncomingMessage, entry: { accountId: string; clientId: string; amr: string[] }): Promise<void>;
}

/** A refusal of a step, answered as `{error, error_description}` with its status. */
export class StepError extends Error {
	constructor(
		readonly status: number,
		readonly error: string,
		description: string
	) {
		super(description);
	}
}

export const STEPS = ["details", "session", "consent", "abort"] as const;
export type Step = (typeof STEPS)[number];

/**
 * Seconds since the epoch: a sign-in older than this does not do (null: any will). `prompt=login` asks for a
 * sign-in made after the app asked; `max_age` for one at most that many seconds old.
 */
export function signInAfter(details: Pick<InteractionDetails, "prompt" | "params" | "iat">, nowSeconds: number): number | null {
	let after: number | null = null;
	if (details.prompt.reasons.includes("login_prompt")) after = details.iat;
	const maxAge = details.params.max_age === undefined ? NaN : Number(details.params.max_age);
	if (Number.isFinite(maxAge)) after = Math.max(after ?? 0, nowSeconds - maxAge);
	return after;
}

/**
 * The subject of the request's `id_token_hint` (oidc-provider verified the token when the request came, and
 * the interaction keeps it server-side), or null.
 */
export function hintedSubject(details: Pick<InteractionDetails, "params">): string | null {
	const hint = details.params.id_token_hint;
	if (typeof hint !== "string") return null;
	try {
		const sub = (JSON.parse(Buffer.from(hint.split(".")[1] ?? "", "base64url").toString("utf8")) as { sub?: unknown }).sub;
		return typeof sub === "string" ? sub : null;
	} catch {
		return null;
	}
}

function signedIn(ports: InteractionPorts, req: IncomingMessage): Readonly<AuthUser> {
	const caller = ports.caller(req.headers.authorization);
	if (!caller || "failure" in caller) throw new StepError(401, "login_required", "Sign in first: your session has ended");
	if (caller.enrolmentOnly) throw new StepError(403, "access_denied", "Your account must set up a second factor before it signs in to other apps: do it on your account page");
	return caller;
}

function scopesOf(details: InteractionDetails): string[] {
	const missing = (details.prompt.details as { missingOIDCScope?: string[] }).missingOIDCScope;
	return missing?.length ? missing : String(details.params.scope ?? "").split(" ").filter(Boolean);
}

export async function runStep(provider: OidcProvider, ports: InteractionPorts, details: InteractionDetails, step: Step, req: IncomingMessage, res: ServerResponse): Promise<Record<string, unknown>> {
	const clientId = String(details.params.client_id);
	const nowSeconds = Math.floor(ports.now() / 1000);
	if (step === "details") {
		const client = { id: clientId, name: await ports.clientName(clientId) };
		// `account`: whom the provider's own session in this browser signed in (the page goes on at once when it is the hosted session's user).
		const account = details.session?.accountId ?? null;
		return { uid: details.uid, client, prompt: details.prompt.name, scopes: scopesOf(details), signInAfter: details.prompt.name === "login" ? signInAfter(details, nowSeconds) : null, account };
	}
	if (req.headers.origin !== ports.origin) throw new StepError(403, "access_denied", "Only this site's own pages may do that (Origin)");
	if (step === "abort") {
		return { location: await provider.interactionResult(req, res, { error: "access_denied", error_description: "The user denied access" }, { mergeWithLastSubmission: false }) };
	}
	const user = signedIn(ports, req);
	if (step === "session") {
		if (details.prompt.name !== "login") throw new StepError(400, "invalid_request", "This step is done: reload the page");
		const after = signInAfter(details, nowSeconds);
		const authTime = user.authTime === undefined ? 0 : Math.floor(user.authTime / 1000);
		if (after !== null && authTime < after) throw new StepError(401, "login_required", `${await ports.clientName(clientId)} asks you to sign in again`);
		// The app named the account it expects (id_token_hint): another one would only bring the browser back here.
		const hinted = hintedSubject(details);
		if (hinted !== null && hinted !== user.id) throw new StepError(403, "account_selection_required", `${await ports.clientName(clientId)} asks for another account than this one: use that account`);
		const login = { accountId: user.id, ...(user.amr ? { amr: [...user.amr] } : {}), ...(authTime ? { ts: authTime } : {}) };
		await ports.signedIn(req, { accountId: user.id, clientId, amr: [...(user.amr ?? [])] });
		return { location: await provider.interactionResult(req, res, { login }, { mergeWithLastSubmission: false }) };
	}
	// consent: the scopes and claims still missing are granted, by the user the app signs in.
	if (details.prompt.name !== "consent" || !details.session?.accountId) throw new StepError(400, "invalid_request", "Nothing to allow: reload the page");
	if (details.session.accountId !== user.id) throw new StepError(403, "access_denied", "You are signed in as another account than the one going on to the app: use that account, or start again from the app");
	const grant = (details.grantId && (await provider.Grant.find(details.grantId))) || new provider.Grant({ accountId: user.id, clientId });
	const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
	if (missing.missingOIDCScope?.length) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
	if (missing.missingOIDCClaims?.length) grant.addOIDCClaims(missing.missingOIDCClaims);
	const grantId = await grant.save();
	return { location: await provider.interactionResult(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true }) };
}
