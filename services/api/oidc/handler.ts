/**
 * Everything under the issuer's path: the interaction pages (sign-in, consent) are ours, the key set is the
 * gateway's (the access tokens' keys, rotation included), the rest is oidc-provider's.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Jwk } from "../../../lib/tokens/keys";
import { consentPage, errorPage, signInPage } from "./pages";
import { issuerPath } from "./issuer";
import type { OidcProvider } from "./provider";

export interface SignInResult {
	accountId: string;
	amr: string[];
}

export interface InteractionPorts {
	/** auth's password checks; throws an API error (with `code` and `message`) on a refusal. */
	signIn(email: string, password: string, clientId: string, req: IncomingMessage): Promise<SignInResult>;
	jwks(): { keys: Jwk[] };
	clientName(clientId: string): Promise<string>;
	/** An unexpected failure (answered as a 500 page). */
	logError(err: unknown): void;
}

const FORM_LIMIT = 10_000;

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
	return new Promise((resolve, reject) => {
		let body = "";
		req.setEncoding("utf8");
		req.on("data", chunk => {
			body += chunk;
			if (body.length > FORM_LIMIT) reject(Object.assign(new Error("The form is too large"), { status: 413 }));
		});
		req.on("end", () => resolve(new URLSearchParams(body)));
		req.on("error", reject);
	});
}

function send(res: ServerResponse, status: number, body: string, type = "text/html; charset=utf-8"): void {
	res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store" });
	res.end(body);
}

const INTERACTION = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/(login|confirm|abort))?$/;

/** `theProvider` is asked for the provider at the first request under the issuer's path (it is built then). */
export function oidcHandler(theProvider: () => OidcProvider, ports: InteractionPorts, issuer: string) {
	const mount = issuerPath(issuer);
	let callback: ReturnType<OidcProvider["callback"]> | undefined;

	async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, step: string | undefined): Promise<void> {
		const provider = theProvider();
		const details = await provider.interactionDetails(req, res);
		if (details.uid !== uid) return send(res, 400, errorPage("invalid_request", "This sign-in page belongs to another request"));
		const clientId = String(details.params.client_id);
		const name = await ports.clientName(clientId);
		const here = `${mount}/interaction/${uid}`;
		if (req.method === "GET" && !step) {
			if (details.prompt.name === "login") return send(res, 200, signInPage(`${here}/login`, name));
			const scopes = String(details.params.scope ?? "").split(" ").filter(Boolean);
			return send(res, 200, consentPage(`${here}/confirm`, `${here}/abort`, name, scopes));
		}
		if (req.method !== "POST" || !step) return send(res, 405, errorPage("method_not_allowed"));
		if (step === "abort") return provider.interactionFinished(req, res, { error: "access_denied", error_description: "The user denied access" }, { mergeWithLastSubmission: false });
		if (step === "login") {
			const form = await readForm(req);
			const email = form.get("email") ?? "";
			try {
				const login = await ports.signIn(email, form.get("password") ?? "", clientId, req);
				return provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
			} catch (err) {
				const e = err as { code?: number; type?: string; message?: string };
				if (typeof e.code !== "number" || e.code >= 500) throw err;
				// A second factor is enrolled: no password form again, it cannot finish here (README, Single sign-on).
				if (e.type === "MFA_REQUIRED") return send(res, e.code, errorPage("second_factor_unsupported", e.message));
				return send(res, e.code, signInPage(`${here}/login`, name, { email, error: e.message }));
			}
		}
		// confirm: the scopes and claims still missing are granted.
		if (details.prompt.name !== "consent" || !details.session?.accountId) return send(res, 400, errorPage("invalid_request", "Nothing to confirm"));
		const grant = (details.grantId && (await provider.Grant.find(details.grantId))) || new provider.Grant({ accountId: details.session.accountId, clientId });
		const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
		if (missing.missingOIDCScope?.length) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
		if (missing.missingOIDCClaims?.length) grant.addOIDCClaims(missing.missingOIDCClaims);
		const grantId = await grant.save();
		return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
	}

	async function answer(req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, url: string, rest: string): Promise<void> {
		try {
			if (rest === "/jwks" && req.method === "GET") return send(res, 200, JSON.stringify(ports.jwks()), "application/jwk-set+json");
			const match = INTERACTION.exec(rest);
			if (match) return await interaction(req, res, match[1], match[3]);
			// oidc-provider adds the hash of the one inline script it may send (an auto-submitted form) to script-src.
			res.setHeader("Content-Security-Policy", "default-src 'none'; script-src 'self'; frame-ancestors 'none'");
			req.originalUrl = url;
			req.url = url.slice(mount.length) || "/";
			(callback ??= theProvider().callback())(req, res);
		} catch (err) {
			const e = err as { status?: number; statusCode?: number; error?: string; error_description?: string; message?: string };
			const status = e.statusCode ?? e.status ?? 500;
			if (status >= 500) ports.logError(err);
			if (!res.headersSent) send(res, status, errorPage(e.error ?? (status >= 500 ? "server_error" : "invalid_request"), status >= 500 ? undefined : (e.error_description ?? e.message)));
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
