/** The OpenAPI components: the bodies the API answers with (the user comes from lib/user-schema.ts). */
import { ERROR_TYPES } from "../../lib/errors";
import { USER_SCHEMA } from "../../lib/user-schema";

export type JsonSchema = Record<string, unknown>;

export const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

const iso = { type: "string", format: "date-time" };

const page = (item: string, extra: Record<string, JsonSchema> = {}): JsonSchema => ({
	type: "object",
	required: ["rows", "total", "page", "pageSize", "totalPages", ...Object.keys(extra)],
	properties: {
		rows: { type: "array", items: ref(item) },
		total: { type: "integer" },
		page: { type: "integer" },
		pageSize: { type: "integer" },
		totalPages: { type: "integer" },
		...extra
	}
});

export const COMPONENT_SCHEMAS: Record<string, JsonSchema> = {
	User: USER_SCHEMA as unknown as JsonSchema,
	TokenResponse: {
		type: "object",
		required: ["accessToken", "refreshToken", "tokenType", "expiresIn", "user"],
		properties: {
			accessToken: { type: "string", description: "JWT (PS256 or ES256), verify with /.well-known/jwks.json" },
			refreshToken: { type: "string", description: "Opaque; single use" },
			tokenType: { const: "Bearer" },
			expiresIn: { type: "integer", description: "Seconds until the access token expires" },
			user: ref("User")
		}
	},
	Session: {
		type: "object",
		required: ["id", "createdAt", "lastUsedAt", "expiresAt", "userAgent", "ip", "current"],
		properties: {
			id: { type: "string" },
			createdAt: iso,
			lastUsedAt: iso,
			expiresAt: iso,
			userAgent: { type: ["string", "null"] },
			ip: { type: ["string", "null"] },
			current: { type: "boolean" }
		}
	},
	SessionList: { type: "array", items: ref("Session") },
	UserPage: page("User"),
	Notification: {
		type: "object",
		required: ["id", "type", "title", "body", "createdAt", "read"],
		properties: { id: { type: "string" }, type: { type: "string" }, title: { type: "string" }, body: { type: "string" }, createdAt: iso, read: { type: "boolean" } }
	},
	NotificationPage: page("Notification", { unread: { type: "integer" } }),
	AuditEntry: {
		type: "object",
		required: ["id", "seq", "at", "type", "outcome", "actorId", "subjectId", "ip", "userAgent", "details"],
		properties: {
			id: { type: "string" },
			seq: { type: "integer" },
			at: iso,
			type: { type: "string" },
			outcome: { enum: ["success", "failure"] },
			actorId: { type: ["string", "null"] },
			subjectId: { type: ["string", "null"] },
			ip: { type: ["string", "null"] },
			userAgent: { type: ["string", "null"] },
			details: { type: "object" }
		}
	},
	AuditPage: page("AuditEntry"),
	AuditVerdict: {
		type: "object",
		required: ["ok", "checked"],
		properties: { ok: { type: "boolean" }, checked: { type: "integer" }, brokenAt: { type: "integer" }, reason: { type: "string" } }
	},
	OidcClient: {
		type: "object",
		required: ["clientId", "name", "type", "redirectUris", "postLogoutRedirectUris", "createdAt"],
		properties: {
			clientId: { type: "string" },
			clientSecret: { type: "string", description: "Confidential clients, in the creation answer only: shown once, stored hashed" },
			name: { type: "string" },
			type: { enum: ["confidential", "public"] },
			redirectUris: { type: "array", items: { type: "string" } },
			postLogoutRedirectUris: { type: "array", items: { type: "string" } },
			createdAt: iso
		}
	},
	OidcClientPage: page("OidcClient"),
	ConnectedAppList: {
		type: "array",
		items: {
			type: "object",
			required: ["clientId", "name", "scopes", "grantedAt"],
			properties: { clientId: { type: "string" }, name: { type: "string" }, scopes: { type: "array", items: { type: "string" } }, grantedAt: iso }
		}
	},
	Health: { type: "object", required: ["status"], properties: { status: { enum: ["ok", "unavailable"] }, checks: { type: "object" } } },
	Jwks: { type: "object", required: ["keys"], properties: { keys: { type: "array", items: { type: "object" } } } },
	Error: {
		type: "object",
		required: ["name", "message", "code", "type"],
		properties: {
			name: { type: "string" },
			message: { type: "string" },
			code: { type: "integer", description: "The HTTP status" },
			type: { enum: Object.keys(ERROR_TYPES), description: "Stable; what a client branches on" },
			data: {}
		}
	}
};
