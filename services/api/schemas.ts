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
	Passkey: {
		type: "object",
		required: ["id", "name", "createdAt", "lastUsedAt"],
		properties: { id: { type: "string" }, name: { type: "string" }, createdAt: iso, lastUsedAt: { type: ["string", "null"], format: "date-time" } }
	},
	PasskeyEnrolled: {
		allOf: [
			ref("Passkey"),
			{
				type: "object",
				properties: {
					recoveryCodes: {
						type: "array",
						items: { type: "string" },
						minItems: 10,
						maxItems: 10,
						description: "Only when this passkey is the user's first second factor: the 10 single-use recovery codes, shown this once"
					}
				}
			}
		]
	},
	PasskeyCreationOptions: {
		type: "object",
		description: "WebAuthn PublicKeyCredentialCreationOptionsJSON: give it to PublicKeyCredential.parseCreationOptionsFromJSON, then navigator.credentials.create",
		required: ["challenge", "rp", "user", "pubKeyCredParams", "authenticatorSelection"],
		properties: {
			challenge: { type: "string", description: "base64url; single use, 5 minutes" },
			rp: { type: "object", required: ["id", "name"], properties: { id: { type: "string" }, name: { type: "string" } } },
			user: { type: "object", required: ["id", "name", "displayName"], properties: { id: { type: "string" }, name: { type: "string" }, displayName: { type: "string" } } },
			pubKeyCredParams: { type: "array", items: { type: "object" } },
			timeout: { type: "integer" },
			excludeCredentials: { type: "array", items: { type: "object" }, description: "The user's passkeys already enrolled" },
			authenticatorSelection: { type: "object", description: "residentKey required, userVerification required" },
			attestation: { const: "none" },
			extensions: { type: "object" }
		}
	},
	PasskeyRequestOptions: {
		type: "object",
		required: ["challengeId", "options"],
		properties: {
			challengeId: { type: "string", description: "Send it back with the assertion; single use, 5 minutes" },
			options: {
				type: "object",
				description: "WebAuthn PublicKeyCredentialRequestOptionsJSON: give it to PublicKeyCredential.parseRequestOptionsFromJSON, then navigator.credentials.get",
				required: ["challenge", "rpId", "userVerification"],
				properties: {
					challenge: { type: "string" },
					rpId: { type: "string" },
					timeout: { type: "integer" },
					userVerification: { const: "required" },
					allowCredentials: { type: "array", items: { type: "object" }, description: "Absent for discoverable credentials (no e-mail)" }
				}
			}
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
