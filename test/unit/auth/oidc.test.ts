import { hashClientSecret } from "../../../lib/oidc";
import { clientMetadata, createOidcClient, deleteOidcClient, listConnectedApps, listOidcClients, revokeConnectedApp } from "../../../services/auth/oidc/clients";
import { endOidcAccess, oidcStore } from "../../../services/auth/oidc/store";
import { testKit, type TestKit } from "./fakes";

let t: TestKit;
const admin = { id: "admin-1", sid: "s", roles: ["user", "admin"] as ("user" | "admin")[] };
beforeEach(async () => {
	t = await testKit();
});

describe("oidcStore (oidc-provider's adapter operations)", () => {
	it("keeps a record until its time by the services' clock, then finds nothing", async () => {
		await oidcStore(t.kit, { op: "upsert", model: "AuthorizationCode", id: "c1", payload: { grantId: "g1", accountId: "u1", clientId: "a" }, expiresIn: 60 });
		expect(await oidcStore(t.kit, { op: "find", model: "AuthorizationCode", id: "c1" })).toEqual({ grantId: "g1", accountId: "u1", clientId: "a" });
		t.clock.advance(60_000);
		expect(await oidcStore(t.kit, { op: "find", model: "AuthorizationCode", id: "c1" })).toBeNull();
	});

	it("marks a record consumed, finds sessions by uid, and revokes everything of a grant", async () => {
		await oidcStore(t.kit, { op: "upsert", model: "RefreshToken", id: "r1", payload: { grantId: "g1" }, expiresIn: 600 });
		await oidcStore(t.kit, { op: "upsert", model: "AccessToken", id: "a1", payload: { grantId: "g1" }, expiresIn: 600 });
		await oidcStore(t.kit, { op: "upsert", model: "Session", id: "s1", payload: { uid: "uid-1", accountId: "u1" }, expiresIn: 600 });
		await oidcStore(t.kit, { op: "consume", model: "RefreshToken", id: "r1" });
		expect(await oidcStore(t.kit, { op: "find", model: "RefreshToken", id: "r1" })).toEqual({ grantId: "g1", consumed: Math.floor(t.clock.now() / 1000) });
		expect(await oidcStore(t.kit, { op: "findByUid", model: "Session", id: "uid-1" })).toEqual({ uid: "uid-1", accountId: "u1" });
		await oidcStore(t.kit, { op: "revokeByGrantId", model: "RefreshToken", id: "g1" });
		expect(await oidcStore(t.kit, { op: "find", model: "AccessToken", id: "a1" })).toBeNull();
		expect(await oidcStore(t.kit, { op: "find", model: "Session", id: "s1" })).not.toBeNull();
	});

	it("announces a new grant once (audit and in-app notice), not its updates", async () => {
		const client = await createOidcClient(t.kit, admin, { name: "Wiki", type: "public", redirectUris: ["https://wiki.example.com/cb"] });
		const grant = { accountId: "u1", clientId: client.clientId, openid: { scope: "openid email" }, iat: 1_700_000_000 };
		await oidcStore(t.kit, { op: "upsert", model: "Grant", id: "g1", payload: grant, expiresIn: 600 });
		await oidcStore(t.kit, { op: "upsert", model: "Grant", id: "g1", payload: grant, expiresIn: 600 });
		expect(t.notices.map(n => [n.userId, n.type])).toEqual([["u1", "oidc-app-connected"]]);
		expect(t.audit.map(a => a.type)).toEqual(["oidc.client.create", "oidc.app.connect"]);
		expect(await listConnectedApps(t.kit, { id: "u1", sid: "s", roles: ["user"] })).toEqual([{ clientId: client.clientId, name: "Wiki", scopes: ["openid", "email"], grantedAt: "2023-11-14T22:13:20.000Z" }]);
		await revokeConnectedApp(t.kit, { id: "u1", sid: "s", roles: ["user"] }, { clientId: client.clientId });
		expect(await listConnectedApps(t.kit, { id: "u1", sid: "s", roles: ["user"] })).toEqual([]);
		await expect(revokeConnectedApp(t.kit, { id: "u1", sid: "s", roles: ["user"] }, { clientId: client.clientId })).rejects.toMatchObject({ type: "NOT_FOUND" });
	});

	it("ends every record of a user", async () => {
		await oidcStore(t.kit, { op: "upsert", model: "Grant", id: "g1", payload: { accountId: "u1", clientId: "a" }, expiresIn: 600 });
		await oidcStore(t.kit, { op: "upsert", model: "Session", id: "s1", payload: { accountId: "u1" }, expiresIn: 600 });
		await oidcStore(t.kit, { op: "upsert", model: "Session", id: "s2", payload: { accountId: "u2" }, expiresIn: 600 });
		expect(await endOidcAccess(t.kit, "u1")).toBe(2);
		expect(await oidcStore(t.kit, { op: "find", model: "Session", id: "s2" })).not.toBeNull();
	});
});

describe("OpenID Connect clients", () => {
	it("shows a confidential client's secret once and keeps only its hash", async () => {
		const created = await createOidcClient(t.kit, admin, { name: "Wiki", type: "confidential", redirectUris: ["https://wiki.example.com/cb"], postLogoutRedirectUris: ["https://wiki.example.com/"] });
		expect(created.clientSecret).toHaveLength(43);
		const record = await t.kit.stores.oidcClients.findById(created.clientId);
		expect(record!.secretHash).toBe(hashClientSecret(created.clientSecret!));
		expect(clientMetadata(record)).toMatchObject({ client_id: created.clientId, client_secret: record!.secretHash, token_endpoint_auth_method: "client_secret_basic", redirect_uris: ["https://wiki.example.com/cb"] });
		expect((await listOidcClients(t.kit, { page: 1, pageSize: 20 })).rows).toEqual([{ clientId: created.clientId, name: "Wiki", type: "confidential", redirectUris: ["https://wiki.example.com/cb"], postLogoutRedirectUris: ["https://wiki.example.com/"], createdAt: expect.any(String) }]);
	});

	it("gives a public client no secret and `none` as its authentication", async () => {
		const created = await createOidcClient(t.kit, admin, { name: "SPA", type: "public", redirectUris: ["http://localhost:5173/cb"] });
		expect(created.clientSecret).toBeUndefined();
		expect(clientMetadata(await t.kit.stores.oidcClients.findById(created.clientId))).toMatchObject({ token_endpoint_auth_method: "none" });
	});

	it.each(["http://app.example.com/cb", "https://app.example.com/cb#x", "javascript:alert(1)", "not a url", "/relative"])("refuses the redirect URI %s", async uri => {
		await expect(createOidcClient(t.kit, admin, { name: "x", type: "public", redirectUris: [uri] })).rejects.toMatchObject({ type: "VALIDATION_ERROR", code: 422 });
	});

	it("deletes a client with its records; an unknown one is NOT_FOUND", async () => {
		const created = await createOidcClient(t.kit, admin, { name: "Wiki", type: "public", redirectUris: ["https://wiki.example.com/cb"] });
		await oidcStore(t.kit, { op: "upsert", model: "AccessToken", id: "a1", payload: { clientId: created.clientId }, expiresIn: 600 });
		await deleteOidcClient(t.kit, admin, { clientId: created.clientId });
		expect(await oidcStore(t.kit, { op: "find", model: "AccessToken", id: "a1" })).toBeNull();
		expect(await oidcStore(t.kit, { op: "find", model: "Client", id: created.clientId })).toBeNull();
		await expect(deleteOidcClient(t.kit, admin, { clientId: created.clientId })).rejects.toMatchObject({ type: "NOT_FOUND", code: 404 });
	});
});
