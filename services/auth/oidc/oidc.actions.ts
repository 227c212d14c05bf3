/** The OpenID Provider's actions, part of `auth` (which keeps its records and clients). */
import type { ServiceSchema } from "moleculer";
import { AMR_VALUES, OIDC_CLIENT_TYPES } from "../../../lib/enums";
import { IDEMPOTENT } from "../../../lib/fault-tolerance";
import { ID_PARAM, PAGING_PARAMS } from "../../../lib/params";
import { forCaller, withParams, type AuthHost } from "../kit";
import { createOidcClient, deleteOidcClient, listConnectedApps, listOidcClients, recordAppSignIn, revokeConnectedApp } from "./clients";
import { OIDC_STORE_OPS, oidcStore } from "./store";

const URIS = { type: "array", items: { type: "string", min: 1, max: 2000 }, max: 10 } as const;

export const OIDC_ACTIONS: ServiceSchema<object, Record<string, never>, object, AuthHost>["actions"] = {
	createOidcClient: {
		roles: ["admin"],
		summary: "Register an OpenID Connect client; a confidential client's secret is in this answer only (admin)",
		params: {
			name: { type: "string", min: 1, max: 100, trim: true },
			redirectUris: { ...URIS, min: 1 },
			postLogoutRedirectUris: { ...URIS, optional: true },
			type: { type: "enum", values: [...OIDC_CLIENT_TYPES] },
			$$strict: true
		},
		handler: forCaller(createOidcClient)
	},
	listOidcClients: {
		...IDEMPOTENT,
		roles: ["admin"],
		summary: "The registered OpenID Connect clients, newest first, without secrets (admin)",
		params: { ...PAGING_PARAMS },
		handler: withParams(listOidcClients)
	},
	deleteOidcClient: {
		roles: ["admin"],
		summary: "Remove an OpenID Connect client: its grants and tokens stop working (admin)",
		params: { clientId: ID_PARAM },
		handler: forCaller(deleteOidcClient)
	},
	connectedApps: {
		...IDEMPOTENT,
		auth: "required",
		summary: "The apps the signed-in user let sign them in over OpenID Connect",
		handler: forCaller(listConnectedApps)
	},
	revokeConnectedApp: {
		auth: "required",
		summary: "Take an app's access away: its grants and tokens stop working",
		params: { clientId: ID_PARAM },
		handler: forCaller(revokeConnectedApp)
	},

	// --- Internal: for the gateway's OpenID Provider ---
	oidcStore: {
		visibility: "public",
		params: {
			op: { type: "enum", values: [...OIDC_STORE_OPS] },
			model: { type: "string", max: 64 },
			id: { type: "string", max: 512 },
			payload: { type: "object", optional: true },
			expiresIn: { type: "number", optional: true }
		},
		handler: withParams(oidcStore)
	},
	oidcSignedIn: {
		visibility: "public",
		params: { accountId: ID_PARAM, clientId: ID_PARAM, amr: { type: "array", items: { type: "enum", values: [...AMR_VALUES] }, max: 4 } },
		handler: withParams(recordAppSignIn)
	}
};
