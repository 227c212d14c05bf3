/** The interaction's steps (services/api/oidc/interaction.ts) with a stand-in for oidc-provider. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { InteractionDetails } from "oidc-provider";
import { hintedSubject, runStep, signInAfter, type InteractionPorts } from "../../../services/api/oidc/interaction";
import type { OidcProvider } from "../../../services/api/oidc/provider";
import type { AuthUser } from "../../../lib/types";

const NOW = 1_800_000_000_000;
const ORIGIN = "https://id.example.com";

function details(prompt: string, extra: Partial<InteractionDetails> = {}): InteractionDetails {
	return { uid: "u1", prompt: { name: prompt, reasons: [], details: {} }, params: { client_id: "app", scope: "openid email" }, iat: NOW / 1000 - 5, exp: NOW / 1000 + 3600, ...extra };
}

function setup(caller: ReturnType<InteractionPorts["caller"]>) {
	const results: Record<string, unknown>[] = [];
	const provider = {
		interactionResult: async (_req: unknown, _res: unknown, result: Record<string, unknown>) => (results.push(result), "https://id.example.com/oidc/auth/u1")
	} as unknown as OidcProvider;
	const audited: unknown[] = [];
	const ports: InteractionPorts = { caller: () => caller, origin: ORIGIN, now: () => NOW, clientName: async () => "Wiki", signedIn: async (_req, entry) => void audited.push(entry) };
	const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
	const run = (d: InteractionDetails, step: "session" | "consent" | "abort", headers: Record<string, string> = { origin: ORIGIN }) => runStep(provider, ports, d, step, req(headers), {} as ServerResponse);
	return { results, run, audited };
}

const user = (extra: Partial<AuthUser> = {}): AuthUser => ({ id: "user-1", sid: "s1", roles: ["user"], amr: ["pwd", "hwk", "mfa"], authTime: NOW - 60_000, ...extra });

describe("signInAfter", () => {
	it("is null with neither prompt=login nor max_age, the interaction's start with prompt=login, now - max_age with max_age", () => {
		expect(signInAfter(details("login"), NOW / 1000)).toBeNull();
		expect(signInAfter(details("login", { prompt: { name: "login", reasons: ["login_prompt"], details: {} } }), NOW / 1000)).toBe(NOW / 1000 - 5);
		expect(signInAfter(details("login", { params: { client_id: "app", max_age: 30 } }), NOW / 1000)).toBe(NOW / 1000 - 30);
		expect(signInAfter(details("login", { prompt: { name: "login", reasons: ["login_prompt"], details: {} }, params: { max_age: "600" } }), NOW / 1000)).toBe(NOW / 1000 - 5);
	});
});

describe("runStep", () => {
	it("signs in with the token's subject, amr and auth_time", async () => {
		const { results, run, audited } = setup(user());
		expect(await run(details("login"), "session")).toEqual({ location: "https://id.example.com/oidc/auth/u1" });
		expect(results).toEqual([{ login: { accountId: "user-1", amr: ["pwd", "hwk", "mfa"], ts: (NOW - 60_000) / 1000 } }]);
		expect(audited).toEqual([{ accountId: "user-1", clientId: "app", amr: ["pwd", "hwk", "mfa"] }]);
	});

	it("refuses an enrolment-only token (the account must still enrol a second factor): 403, nothing audited", async () => {
		const { results, run, audited } = setup(user({ enrolmentOnly: true }));
		await expect(run(details("login"), "session")).rejects.toMatchObject({ status: 403, error: "access_denied", message: "Your account must set up a second factor before it signs in to other apps: do it on your account page" });
		expect([results, audited]).toEqual([[], []]);
	});

	it("refuses a sign-in older than max_age, or than the interaction with prompt=login: 401 login_required", async () => {
		const { run } = setup(user());
		await expect(run(details("login", { params: { client_id: "app", max_age: 30 } }), "session")).rejects.toMatchObject({ status: 401, error: "login_required", message: "Wiki asks you to sign in again" });
		await expect(run(details("login", { prompt: { name: "login", reasons: ["login_prompt"], details: {} } }), "session")).rejects.toMatchObject({ status: 401, error: "login_required" });
	});

	it("refuses an account other than the one the app named (id_token_hint): 403 account_selection_required", async () => {
		const hint = (sub: string) => `${Buffer.from("{}").toString("base64url")}.${Buffer.from(JSON.stringify({ sub })).toString("base64url")}.sig`;
		const { results, run } = setup(user());
		await expect(run(details("login", { params: { client_id: "app", id_token_hint: hint("user-2") } }), "session")).rejects.toMatchObject({ status: 403, error: "account_selection_required" });
		expect(results).toEqual([]);
		await expect(run(details("login", { params: { client_id: "app", id_token_hint: hint("user-1") } }), "session")).resolves.toEqual({ location: expect.any(String) });
		expect(hintedSubject({ params: { id_token_hint: "not a jwt" } })).toBeNull();
	});

	it("refuses another origin, a missing or refused token, and consent by another account than the interaction's", async () => {
		await expect(setup(user()).run(details("login"), "session", { origin: "https://evil.example" })).rejects.toMatchObject({ status: 403 });
		await expect(setup(user()).run(details("login"), "abort", {})).rejects.toMatchObject({ status: 403 });
		await expect(setup(null).run(details("login"), "session")).rejects.toMatchObject({ status: 401, error: "login_required" });
		await expect(setup({ failure: "revoked" }).run(details("login"), "session")).rejects.toMatchObject({ status: 401 });
		const consent = details("consent", { session: { accountId: "someone-else", uid: "s" } });
		await expect(setup(user()).run(consent, "consent")).rejects.toMatchObject({ status: 403, error: "access_denied" });
		await expect(setup(user()).run(details("consent", { session: { accountId: "user-1", uid: "s" } }), "session")).rejects.toMatchObject({ status: 400 });
	});
});
