/** Text to match literally inside a RegExp (search terms, addresses, IPs). */
export function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
