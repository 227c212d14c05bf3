/** Sign and verify cost of the contract's access-token algorithms, with the library the services use. */
import { generateKeyPairSync } from "node:crypto";
import jwt from "jsonwebtoken";

export interface AlgorithmCost {
	alg: string;
	key: string;
	signUs: number;
	verifyUs: number;
	tokenChars: number;
}

const KEYS = [
	{ alg: "PS256", key: "RSA 2048", pair: () => generateKeyPairSync("rsa", { modulusLength: 2048 }) },
	{ alg: "ES256", key: "EC P-256", pair: () => generateKeyPairSync("ec", { namedCurve: "prime256v1" }) },
	{ alg: "EdDSA", key: "Ed25519", pair: () => generateKeyPairSync("ed25519") }
] as const;

export function algorithmCosts(iterations = 1000): Array<AlgorithmCost | { alg: string; key: string; unsupported: string }> {
	const claims = { sid: "7b0c7c0e-4f4e-4a57-9d7a-2f8e1c4b7d21", roles: ["user"] };
	const options = { subject: "5f0c8a6e-3c1b-4d0e-9a57-2f8e1c4b7d21", issuer: "http://localhost:3000", audience: "user-backend", expiresIn: 900 };
	return KEYS.map(({ alg, key, pair }) => {
		const { privateKey, publicKey } = pair();
		let token: string;
		try {
			token = jwt.sign(claims, privateKey, { ...options, algorithm: alg as jwt.Algorithm });
		} catch (err) {
			return { alg, key, unsupported: (err as Error).message };
		}
		let t = performance.now();
		for (let i = 0; i < iterations; i++) jwt.sign(claims, privateKey, { ...options, algorithm: alg as jwt.Algorithm });
		const signUs = ((performance.now() - t) / iterations) * 1000;
		t = performance.now();
		for (let i = 0; i < iterations; i++) jwt.verify(token, publicKey, { algorithms: [alg as jwt.Algorithm] });
		const verifyUs = ((performance.now() - t) / iterations) * 1000;
		return { alg, key, signUs, verifyUs, tokenChars: token.length };
	});
}

if (require.main === module) console.table(algorithmCosts());
