/** Addresses are trimmed and compared case-insensitively (CONTRACT §2): this is the comparison key. */
export function emailKey(email: string): string {
	return email.trim().toLowerCase();
}

/** What is shown back: trimmed, with the domain lower-cased (domains are case-insensitive by definition). */
export function normalizeEmail(email: string): string {
	const trimmed = email.trim();
	const at = trimmed.lastIndexOf("@");
	return at < 0 ? trimmed : trimmed.slice(0, at) + trimmed.slice(at).toLowerCase();
}
