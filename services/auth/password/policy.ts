import { dictionary } from "@zxcvbn-ts/language-common";

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/** ~49,000 passwords seen most often in breaches, from zxcvbn-ts's maintained list. */
let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
	common ??= new Set((dictionary["passwords-common"] as string[]).map(p => p.toLowerCase()));
	return common;
}

export type PasswordProblem = "too-short" | "too-long" | "common";

/** Why a password is refused, or null if it is acceptable. Length counts characters, not bytes. */
export function passwordProblem(password: string): PasswordProblem | null {
	const length = [...password].length;
	if (length < PASSWORD_MIN_LENGTH) return "too-short";
	if (length > PASSWORD_MAX_LENGTH) return "too-long";
	if (commonPasswords().has(password.toLowerCase())) return "common";
	return null;
}

export const PASSWORD_PROBLEM_MESSAGES: Record<PasswordProblem, string> = {
	"too-short": `The password must have at least ${PASSWORD_MIN_LENGTH} characters`,
	"too-long": `The password must have at most ${PASSWORD_MAX_LENGTH} characters`,
	common: "This password is too common; choose another"
};
