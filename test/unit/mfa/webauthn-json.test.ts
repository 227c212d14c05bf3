import { MAX_WEBAUTHN_RESPONSE_CHARS, challengeOf, parseAuthenticationResponse, parseRegistrationResponse } from "../../../services/auth/mfa/webauthn-json";

const clientData = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const assertion = (response: Record<string, unknown> = {}) => ({
	id: "AAAA",
	rawId: "AAAA",
	type: "public-key",
	response: { clientDataJSON: clientData({ challenge: "abc" }), authenticatorData: "AA", signature: "AA", ...response }
});

describe("WebAuthn response checks", () => {
	it("accepts a well-formed assertion and reads its challenge", () => {
		expect(challengeOf(parseAuthenticationResponse(assertion()))).toBe("abc");
	});

	it("accepts the response as JSON text", () => {
		expect(parseAuthenticationResponse(JSON.stringify(assertion())).id).toBe("AAAA");
	});

	it("refuses text that is not JSON with a 422 naming the problem", () => {
		expect(() => parseAuthenticationResponse("{not json")).toThrow(expect.objectContaining({ type: "VALIDATION_ERROR", code: 422, message: "The passkey response is malformed: not JSON" }));
	});

	it("refuses oversized text before parsing it (413)", () => {
		expect(() => parseAuthenticationResponse(" ".repeat(MAX_WEBAUTHN_RESPONSE_CHARS + 1))).toThrow(expect.objectContaining({ type: "PAYLOAD_TOO_LARGE", code: 413 }));
	});

	it("takes a post-quantum signature (ML-DSA-87: 4627 bytes, as Chromium's authenticators may make)", () => {
		const signature = Buffer.alloc(4627, 7).toString("base64url");
		expect(parseAuthenticationResponse(assertion({ signature })).response.signature).toBe(signature);
	});

	it("refuses an oversized field (413)", () => {
		expect(() => parseAuthenticationResponse(assertion({ signature: "A".repeat(8193) }))).toThrow(expect.objectContaining({ type: "PAYLOAD_TOO_LARGE" }));
	});

	it("refuses a field that is not base64url", () => {
		expect(() => parseAuthenticationResponse(assertion({ signature: "not base64!" }))).toThrow(expect.objectContaining({ message: "The passkey response is malformed: signature must be a base64url string" }));
	});

	it("refuses a registration response without an attestation object", () => {
		expect(() => parseRegistrationResponse(assertion())).toThrow(expect.objectContaining({ message: "The passkey response is malformed: attestationObject must be a base64url string" }));
	});

	it("refuses a response whose id and rawId differ", () => {
		expect(() => parseAuthenticationResponse({ ...assertion(), rawId: "BBBB" })).toThrow(expect.objectContaining({ message: "The passkey response is malformed: id and rawId differ" }));
	});

	it("refuses a response of another credential type", () => {
		expect(() => parseAuthenticationResponse({ ...assertion(), type: "password" })).toThrow(expect.objectContaining({ message: 'The passkey response is malformed: type must be "public-key"' }));
	});

	it("refuses client data without a challenge", () => {
		expect(() => challengeOf(parseAuthenticationResponse(assertion({ clientDataJSON: clientData({}) })))).toThrow(expect.objectContaining({ message: "The passkey response is malformed: clientDataJSON has no challenge" }));
	});

	it("refuses a list where an object belongs", () => {
		expect(() => parseAuthenticationResponse([assertion()])).toThrow(expect.objectContaining({ message: "The passkey response is malformed: expected an object" }));
	});
});
