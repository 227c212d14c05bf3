/** Examples of the main routes for the OpenAPI document (a reader's first call): one user, shown everywhere. */

const USER = {
	id: "5f0c8a6e-3c1b-4d0e-9a57-2f8e1c4b7d21",
	email: "ada@example.com",
	displayName: "Ada",
	bio: "",
	avatarUrl: null,
	locale: "en",
	timezone: "UTC",
	roles: ["user"],
	status: "active",
	emailVerified: true,
	createdAt: "2025-01-15T09:30:00.000Z",
	updatedAt: "2025-01-15T09:30:00.000Z",
	lastLoginAt: "2025-01-16T08:00:00.000Z"
};

const TOKENS = {
	accessToken: "eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImsxIn0.eyJzdWIiOiI1ZjBjOGE2ZSJ9.c2lnbmF0dXJl",
	refreshToken: "8b1f0c2e-7d4a-4e9b-a1c3-6f2d8e9b0a17.qZ3xv9Lm2Rt7Yp4Kc8Wn1Bd6Hs0Fj5Ga",
	tokenType: "Bearer",
	expiresIn: 900,
	user: USER
};

/** As handed out: `xxxx-xxxx-xxxx` in Crockford's base32 (services/auth/mfa/recovery-codes.ts). */
const RECOVERY_CODES = ["7h2k-9qmx-4d1p", "0c3v-ma8e-t5rw", "kq6n-2bzy-h9d0", "w4fj-p1xs-8gae", "d7r2-y0mk-3vcq", "5nta-jh6w-q2pe", "x9bd-4kc7-mr1s", "e2gq-v8tn-6yza", "r0wm-c5pd-j3hx", "9szk-t7ef-b4na"];

export const EXAMPLES = {
	register: {
		request: { email: "ada@example.com", password: "correct horse battery staple", displayName: "Ada", locale: "en" },
		response: { ...USER, emailVerified: false, lastLoginAt: null }
	},
	login: { request: { email: "ada@example.com", password: "correct horse battery staple" }, response: TOKENS },
	refresh: { request: { refreshToken: TOKENS.refreshToken }, response: TOKENS },
	me: { response: USER },
	updateMe: { request: { displayName: "Ada L.", timezone: "Europe/London" }, response: { ...USER, displayName: "Ada L.", timezone: "Europe/London" } },
	userList: { response: { rows: [USER], total: 1, page: 1, pageSize: 20, totalPages: 1 } },
	passkeyRegister: {
		request: {
			name: "Laptop",
			response: { id: "q0bWJ4k3c2Vh", rawId: "q0bWJ4k3c2Vh", type: "public-key", response: { clientDataJSON: "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0", attestationObject: "o2NmbXRkbm9uZQ", transports: ["internal"] }, clientExtensionResults: {} }
		},
		response: { id: "3b4f1d0e-2c6a-4f8e-9d17-5a0b8c2e6f31", name: "Laptop", createdAt: "2025-01-16T08:05:00.000Z", lastUsedAt: null }
	},
	passkeyLoginOptions: {
		request: {},
		response: { challengeId: "dGhlIGNoYWxsZW5nZQ", options: { challenge: "dGhlIGNoYWxsZW5nZQ", timeout: 300000, rpId: "example.com", userVerification: "required" } }
	},
	loginMfa: { request: { mfaToken: "Jd2m5m1pQ0x7uV3cS9kR4tY8wB6nA1eF2hG5jK7lM0o", code: "492039" }, response: TOKENS },
	mfaStatus: { response: { totp: true, recoveryCodesRemaining: 9, passkeys: [{ id: "b6a1d6f0-3a1e-4f55-9c8e-0d1c2b3a4f5e", name: "Laptop", createdAt: "2025-01-16T08:00:00.000Z", lastUsedAt: null }] } },
	totpSetup: {
		request: { password: "correct horse battery staple" },
		response: { secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", otpauthUrl: "otpauth://totp/User%20backend:ada%40example.com?issuer=User%20backend&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30" }
	},
	totpConfirm: { request: { code: "492039" }, response: { recoveryCodes: RECOVERY_CODES } },
	renewRecoveryCodes: { request: { password: "correct horse battery staple" }, response: { recoveryCodes: RECOVERY_CODES } }
};

