import { ConfigError, loadConfig } from "../../../lib/config";

describe("loadConfig: second factors and passkeys (CONTRACT §4)", () => {
	it("defaults APP_NAME, the RP and its origins from APP_URL", () => {
		const config = loadConfig({});
		expect({ appName: config.appName, webauthn: config.webauthn, key: config.mfaEncryptionKey, keys: config.mfaEncryptionKeys }).toEqual({
			appName: "User backend",
			webauthn: { rpId: "localhost", rpName: "User backend", origins: ["http://localhost:3000"] },
			key: undefined,
			keys: []
		});
	});

	it("takes the RP name from APP_NAME, and the RP ID and origin from APP_URL", () => {
		expect(loadConfig({ APP_NAME: "Acme", APP_URL: "https://id.acme.test/base/" }).webauthn).toEqual({ rpId: "id.acme.test", rpName: "Acme", origins: ["https://id.acme.test"] });
	});

	it("reads WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME and WEBAUTHN_ORIGINS", () => {
		const env = { WEBAUTHN_RP_ID: "acme.test", WEBAUTHN_RP_NAME: "Acme ID", WEBAUTHN_ORIGINS: "https://acme.test, https://app.acme.test/" };
		expect(loadConfig(env).webauthn).toEqual({ rpId: "acme.test", rpName: "Acme ID", origins: ["https://acme.test", "https://app.acme.test"] });
	});

	it("refuses an RP ID that is not the host of an origin or a parent domain of it", () => {
		expect(() => loadConfig({ WEBAUTHN_RP_ID: "other.test" })).toThrow(
			new ConfigError('WEBAUTHN_RP_ID "other.test" must be the host of every WEBAUTHN_ORIGINS entry or a parent domain of it; "http://localhost:3000" is not')
		);
	});

	it("refuses an origin with a path", () => {
		expect(() => loadConfig({ WEBAUTHN_ORIGINS: "https://localhost/app" })).toThrow(new ConfigError('WEBAUTHN_ORIGINS entries are origins (scheme://host[:port]) only, got "https://localhost/app"'));
	});

	it("reads MFA_ENCRYPTION_KEY and the comma list MFA_ENCRYPTION_KEYS", () => {
		const config = loadConfig({ MFA_ENCRYPTION_KEY: " k1 ", MFA_ENCRYPTION_KEYS: "k2, k3," });
		expect({ key: config.mfaEncryptionKey, keys: config.mfaEncryptionKeys }).toEqual({ key: "k1", keys: ["k2", "k3"] });
	});
});
