/**
 * Everything under the issuer's path: the interactions (sign-in, consent) are a hosted page and its steps
 * (./interaction.ts), the key set is the gateway's (the access tokens' keys, rotation included), the rest is
 * oidc-provider's.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Jwk } from "../../../lib/tokens/keys";
import type { OidcPages } from "./pages";
import { STEPS, StepError, runStep, type InteractionPorts, type Step } from "./interaction";
import { issuerPath } from "./issuer";
import type { OidcProvider } from "./provider";

export interface HandlerPorts extends InteractionPorts {
	jwks(): { keys: Jwk[] };
	pages: OidcPages;
	/** The hosted page that runs an interaction (web/pages/authorize.html) and its headers; null with HOSTED_PAGES off. */
	interactionPage: { html: string; headers: Readonly<Record<string, string>> } | null;
	/** An unexpected failure (answered as a 500 page). */
	logError(err: unknown): void;
}

/** The provider's own pages may load the hosted pages' style sheet and icon; no script but the one it names by hash. */
const PROVIDER_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; frame-ancestors 'none'";

function send(res: ServerResponse, status: number, body: string, type = "text/html; charset=utf-8", headers: Readonly<Record<string, string>> = {}): void {
	res.writeHead(status, { "Content-Security-Policy": PROVIDER_CSP, ...headers, "Content-Type": type, "Cache-Control": "no-store" });
	res.end(body);
}

const json = (res: ServerResponse, status: number, body: unknown) => send(res, status, JSON.stringify(body), "application/json; charset=utf-8");

const INTERACTION = /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/([a-z]+))?$/;

/** Why an interaction cannot go on, for a person: oidc-provider's SessionNotFound says it in its own terms. */
function lostInteraction(err: unknown): boolean {
	return (err as { constructor?: { name?: string } })?.constructor?.name === "SessionNotFound";
}
const LOST = "This sign-in request has expired or was already finished: go back to the app and sign in again";

/** `theProvider` builds the provider at the first request under the issuer's path (README "Performance"). */
export function oidcHandler(theProvider: () => OidcProvider, ports: HandlerPorts, issuer: string) {
	const mount = issuerPath(issuer);
	let callback: ReturnType<OidcProvider["callback"]> | undefined;

	async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, step: string | undefined): Promise<void> {
		if (step !== undefined && !(STEPS as readonly string[]).includes(step)) return send(res, 404, ports.pages.errorPage("not_found", "No such page"));
		const wanted = step === undefined || step === "details" ? "GET" : "POST";
		if (req.method !== wanted) {
			res.setHeader("Allow", wanted);
			return step === undefined ? send(res, 405, ports.pages.errorPage("method_not_allowed")) : json(res, 405, { error: "method_not_allowed", error_description: `Use ${wanted}` });
		}
		const provider = theProvider();
		let details;
		try {
			details = await provider.interactionDetails(req, res);
			if (details.uid !== uid) throw new StepError(400, "invalid_request", "This page belongs to another sign-in request: go back to the app and sign in again");
		} catch (err) {
			const refusal = err instanceof StepError ? err : lostInteraction(err) ? new StepError(400, "invalid_request", LOST) : null;
			if (!refusal) throw err;
			return step === undefined ? send(res, refusal.status, ports.pages.errorPage(refusal.error, refusal.message)) : json(res, refusal.status, { error: refusal.error, error_description: refusal.message });
		}
		if (step === undefined) {
			if (!ports.interactionPage) return send(res, 503, ports.pages.errorPage("temporarily_unavailable", "Signing in to apps needs the hosted pages (HOSTED_PAGES), which are off here"));
			return send(res, 200, ports.interactionPage.html, "text/html; charset=utf-8", ports.interactionPage.headers);
		}
		try {
			json(res, 200, await runStep(provider, ports, details, step as Step, req, res));
		} catch (err) {
			if (!(err instanceof StepError)) throw err;
			json(res, err.status, { error: err.error, error_description: err.message });
		}
	}

	async function answer(req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, url: string, rest: string): Promise<void> {
		try {
			if (rest === "/jwks" && req.method === "GET") return send(res, 200, JSON.stringify(ports.jwks()), "application/jwk-set+json");
			const match = INTERACTION.exec(rest);
			if (match) return await interaction(req, res, match[1], match[2]);
			// oidc-provider adds the hash of the one inline script it may send (an auto-submitted form) to script-src.
			res.setHeader("Content-Security-Policy", PROVIDER_CSP);
			req.originalUrl = url;
			req.url = url.slice(mount.length) || "/";
			(callback ??= theProvider().callback())(req, res);
		} catch (err) {
			const e = err as { status?: number; statusCode?: number; error?: string; error_description?: string; message?: string };
			const status = e.statusCode ?? e.status ?? 500;
			if (status >= 500) ports.logError(err);
			if (!res.headersSent) send(res, status, ports.pages.errorPage(e.error ?? (status >= 500 ? "server_error" : "invalid_request"), status >= 500 ? undefined : (e.error_description ?? e.message)));
		}
	}

	/** True when the request is under the issuer's path: it is then answered here, the gateway's routes never see it. */
	return function handle(req: IncomingMessage, res: ServerResponse): boolean {
		const url = req.url ?? "/";
		const path = url.split("?")[0];
		if (path !== mount && !path.startsWith(`${mount}/`)) return false;
		void answer(req, res, url, path.slice(mount.length) || "/").catch(ports.logError);
		return true;
	};
}
