/** The OpenAPI components: the bodies the API answers with (the user comes from lib/user-schema.ts). */
import { AMR_VALUES, MFA_METHODS } from "../../lib/enums";
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
		required: ["accessToken", "tokenType", "expiresIn", "user"],
		properties: {
			accessToken: {
				type: "string",
				description: `JWT (PS256 or ES256), verify with /.well-known/jwks.json. Its \`amr\` claim (RFC 8176, of ${AMR_VALUES.join(", ")}) says how the user signed in; \`scope: "mfa-enrolment"\` marks a token that reaches only the enrolment routes (MFA_REQUIRED_ROLES)`
			},
			refreshToken: { type: "string", description: "Opaque; single use. Left out with `X-Session: cookie`: then it is in the httpOnly session cookie" },
			tokenType: { const: "Bearer" },
			expiresIn: { type: "integer", description: "Seconds until the access token expires" },
			user: ref("User")
		}
	},
	MfaRequired: {
		type: "object",
		required: ["mfaRequired", "mfaToken", "methods"],
		additionalProperties: false,
		description: "The password (or magic link) was right and the account has a second factor: finish with POST /api/v1/auth/login/mfa within 5 minutes",
		properties: {
			mfaRequired: { const: true },
			mfaToken: { type: "string", description: "Opaque; lives 5 minutes, dies after 5 wrong codes, spent by success. Not an access token" },
			methods: { type: "array", items: { enum: [...MFA_METHODS] }, minItems: 1, uniqueItems: true }
		}
	},
	LoginResponse: {
		description: "Tokens, or (with a second factor enrolled) the challenge to finish",
		oneOf: [ref("TokenResponse"), ref("MfaRequired")]
	},
	Passkey: {
		type: "object",
		required: ["id", "name", "createdAt", "lastUsedAt"],
		properties: { id: { type: "string" }, name: { type: "string" }, createdAt: iso, lastUsedAt: { type: ["string", "null"], format: "date-time" } }
	},
	MfaStatus: {
		type: "object",
		required: ["totp", "recoveryCodesRemaining", "passkeys"],
		additionalProperties: false,
		properties: {
			totp: { type: "boolean", description: "TOTP is on (set up and confirmed)" },
			recoveryCodesRemaining: { type: "integer", minimum: 0 },
			passkeys: { type: "array", items: ref("Passkey") }
		}
	},
	TotpSetup: {
		type: "object",
		required: ["secret", "otpauthUrl"],
		properties: {
			secret: { type: "string", pattern: "^[A-Z2-7]+$", description: "Base32; shown this once. Not on until confirmed" },
			otpauthUrl: { type: "string", description: "otpauth://totp/… for a QR code (SHA1, 6 digits, 30 s)" }
		}
	},
	RecoveryCodes: {
		type: "object",
		required: ["recoveryCodes"],
		properties: {
			recoveryCodes: {
				type: "array",
				items: { type: "string", pattern: "^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$" },
				maxItems: 10,
				description: "Shown this once; each works once. Empty when TOTP joins a factor the account already had (its codes stay)"
			}
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
	Delivery: {
		type: "object",
		required: ["id", "to", "template", "status", "attempts", "lastError", "createdAt"],
		properties: {
			id: { type: "string" },
			to: { type: "string" },
			template: { type: "string" },
			status: { type: "string" },
			attempts: { type: "integer" },
			lastError: { type: ["string", "null"] },
			createdAt: iso
		}
	},
	DeliveryPage: page("Delivery"),
	RetryResult: { type: "object", required: ["retried"], properties: { retried: { type: "integer", description: "How many e-mails were queued again" } } },
	AuditVerdict: {
		type: "object",
		required: ["ok", "checked"],
		properties: { ok: { type: "boolean" }, checked: { type: "integer" }, brokenAt: { type: "integer" }, reason: { type: "string" } }
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
						description: "Only when this passkey is the user's first second factor: the 10 single-use recovery codes, shown this once (as POST /mfa/totp/confirm hands them out)"
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
	OidcProviderList: {
		type: "array",
		items: { type: "object", required: ["id", "name"], additionalProperties: false, properties: { id: { type: "string" }, name: { type: "string" } } }
	},
	OidcLinkList: {
		type: "array",
		items: {
			type: "object",
			required: ["id", "provider", "name", "email", "createdAt"],
			additionalProperties: false,
			properties: { id: { type: "string" }, provider: { type: "string" }, name: { type: "string" }, email: { type: ["string", "null"] }, createdAt: iso }
		}
	},
	OidcRedirect: {
		type: "object",
		required: ["location"],
		additionalProperties: false,
		properties: { location: { type: "string", format: "uri", description: "The provider's authorization URL: navigate the browser there" } }
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
