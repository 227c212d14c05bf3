/** How deeply a JSON text nests objects and arrays (strings are skipped), read without parsing it. */
export function jsonDepth(text: Buffer | string): number {
	const s = typeof text === "string" ? text : text.toString("utf8");
	let depth = 0;
	let max = 0;
	let inString = false;
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (inString) {
			if (c === 92 /* \ */) i++;
			else if (c === 34 /* " */) inString = false;
		} else if (c === 34) inString = true;
		else if (c === 123 /* { */ || c === 91 /* [ */) max = Math.max(max, ++depth);
		else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
	}
	return max;
}

/** No request of this API nests deeper; deeper bodies are refused before they are parsed. */
export const MAX_JSON_DEPTH = 32;
