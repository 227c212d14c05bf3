/** Addresses are trimmed and compared case-insensitively (CONTRACT §2): this is the comparison key. */
export function emailKey(email: string): string {
	return email.trim().toLowerCase();
}
