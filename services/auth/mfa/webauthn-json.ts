import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { ApiError } from "../../../lib/errors";

/**
 * Checks a browser's WebAuthn answer (the JSON form of a PublicKeyCredential) before any of it is decoded:
 * the shape, and a size limit on every field, so an oversized or malformed body is a clear 413 or 422 and
 * never reaches CBOR or signature parsing. Limits are generous for real authenticators: credential IDs are at
 * most 1023 bytes (WebAuthn §5.1), user handles 64, attestation objects with certificate chains a few KiB,
 * signatures up to ML-DSA-87's 4627 bytes (@simplewebauthn offers ML-DSA-44 first where the runtime has it, and
 * Chromium's authenticators take it: ECDSA's ~72-byte signatures are not the only kind any more).
 */

/** The whole response, as JSON text. */
export const MAX_WEBAUTHN_RESPONSE_CHARS = 64 * 1024;
const MAX_CHARS: Record<string, number> = {
	id: 1400,
	rawId: 1400,
	clientDataJSON: 4096,
	attestationObject: 48 * 1024,
	authenticatorData: 4096,
	signature: 8192,
	userHandle: 100,
	publicKey: 4096
};
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const MAX_TRANSPORTS = 10;

function malformed(message: string): ApiError {
	return new ApiError("VALIDATION_ERROR", `The passkey response is malformed: ${message}`, [{ field: "response", type: "webauthn", message }]);
}

function tooLarge(): ApiError {
	return new ApiError("PAYLOAD_TOO_LARGE", "The passkey response is too large");
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function base64url(record: Record<string, unknown>, key: string, required: boolean): void {
	const value = record[key];
	if (value === undefined && !required) return;
	if (typeof value !== "string") throw malformed(`${key} must be a base64url string`);
	if (value.length > MAX_CHARS[key]) throw tooLarge();
	if (!BASE64URL.test(value)) throw malformed(`${key} must be a base64url string`);
	if (value.length === 0 && required) throw malformed(`${key} is empty`);
}

/** Text is parsed only when short enough; an object (already parsed by the gateway) is measured first. */
function topLevel(input: unknown): Record<string, unknown> {
	let value = input;
	if (typeof input === "string") {
		if (input.length > MAX_WEBAUTHN_RESPONSE_CHARS) throw tooLarge();
		try {
			value = JSON.parse(input);
		} catch {
			throw malformed("not JSON");
		}
	} else if (isRecord(input)) {
		// The gateway already limits depth and body size; this bounds what the fields below may hold in total.
		if (JSON.stringify(input).length > MAX_WEBAUTHN_RESPONSE_CHARS) throw tooLarge();
	}
	if (!isRecord(value)) throw malformed("expected an object");
	base64url(value, "id", true);
	base64url(value, "rawId", true);
	if (value.id !== value.rawId) throw malformed("id and rawId differ");
	if (value.type !== "public-key") throw malformed('type must be "public-key"');
	if (value.clientExtensionResults !== undefined && !isRecord(value.clientExtensionResults)) throw malformed("clientExtensionResults must be an object");
	if (value.authenticatorAttachment !== undefined && value.authenticatorAttachment !== "platform" && value.authenticatorAttachment !== "cross-platform") {
		throw malformed("authenticatorAttachment is unknown");
	}
	if (!isRecord(value.response)) throw malformed("response must be an object");
	base64url(value.response, "clientDataJSON", true);
	return value;
}

function transports(response: Record<string, unknown>): void {
	const list = response.transports;
	if (list === undefined) return;
	if (!Array.isArray(list) || list.length > MAX_TRANSPORTS || list.some(t => typeof t !== "string" || t.length > 32)) {
		throw malformed("transports must be a short list of names");
	}
}

export function parseRegistrationResponse(input: unknown): RegistrationResponseJSON {
	const value = topLevel(input);
	const response = value.response as Record<string, unknown>;
	base64url(response, "attestationObject", true);
	base64url(response, "authenticatorData", false);
	base64url(response, "publicKey", false);
	transports(response);
	return { clientExtensionResults: {}, ...value } as unknown as RegistrationResponseJSON;
}

export function parseAuthenticationResponse(input: unknown): AuthenticationResponseJSON {
	const value = topLevel(input);
	const response = value.response as Record<string, unknown>;
	base64url(response, "authenticatorData", true);
	base64url(response, "signature", true);
	base64url(response, "userHandle", false);
	return { clientExtensionResults: {}, ...value } as unknown as AuthenticationResponseJSON;
}

/** The challenge a response answers, read from its client data (checked against the stored one later). */
export function challengeOf(response: RegistrationResponseJSON | AuthenticationResponseJSON): string {
	let clientData: unknown;
	try {
		clientData = JSON.parse(Buffer.from(response.response.clientDataJSON, "base64url").toString("utf8"));
	} catch {
		throw malformed("clientDataJSON is not JSON");
	}
	if (!isRecord(clientData) || typeof clientData.challenge !== "string" || clientData.challenge.length > 200) throw malformed("clientDataJSON has no challenge");
	return clientData.challenge;
}
