// @ts-check
/**
 * A small QR Code encoder (ISO/IEC 18004): byte mode (UTF-8), error correction level M, versions 1–40,
 * the mask with the lowest penalty. Written for the TOTP enrolment QR (an otpauth:// URL of ~150 bytes is
 * version 8 or so); it follows the structure of Project Nayuki's reference implementation (MIT).
 */

// Level M, indexed by version (index 0 unused): error correction codewords per block, number of blocks.
const ECC_PER_BLOCK = [-1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28];
const NUM_BLOCKS = [-1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49];
const FORMAT_BITS_M = 0; // L=1, M=0, Q=3, H=2

/** @param {number} ver */
function rawDataModules(ver) {
	let result = (16 * ver + 128) * ver + 64;
	if (ver >= 2) {
		const numAlign = Math.floor(ver / 7) + 2;
		result -= (25 * numAlign - 10) * numAlign - 55;
		if (ver >= 7) result -= 36;
	}
	return result;
}

/** @param {number} ver */
const dataCodewords = ver => Math.floor(rawDataModules(ver) / 8) - ECC_PER_BLOCK[ver] * NUM_BLOCKS[ver];

/** GF(2^8) multiplication modulo x^8 + x^4 + x^3 + x^2 + 1. @param {number} x @param {number} y */
function gfMul(x, y) {
	let z = 0;
	for (let i = 7; i >= 0; i--) {
		z = (z << 1) ^ ((z >>> 7) * 0x11d);
		z ^= ((y >>> i) & 1) * x;
	}
	return z & 0xff;
}

/** @param {number} degree */
function rsDivisor(degree) {
	const result = new Array(degree).fill(0);
	result[degree - 1] = 1;
	let root = 1;
	for (let i = 0; i < degree; i++) {
		for (let j = 0; j < result.length; j++) {
			result[j] = gfMul(result[j], root);
			if (j + 1 < result.length) result[j] ^= result[j + 1];
		}
		root = gfMul(root, 0x02);
	}
	return result;
}

/** @param {number[]} data @param {number[]} divisor */
function rsRemainder(data, divisor) {
	const result = divisor.map(() => 0);
	for (const b of data) {
		const factor = b ^ /** @type {number} */ (result.shift());
		result.push(0);
		divisor.forEach((coef, i) => (result[i] ^= gfMul(coef, factor)));
	}
	return result;
}

/** Splits the data into blocks, appends each block's error correction, interleaves. @param {number[]} data @param {number} ver */
function withEcc(data, ver) {
	const numBlocks = NUM_BLOCKS[ver];
	const eccLen = ECC_PER_BLOCK[ver];
	const raw = Math.floor(rawDataModules(ver) / 8);
	const numShort = numBlocks - (raw % numBlocks);
	const shortLen = Math.floor(raw / numBlocks);
	const divisor = rsDivisor(eccLen);
	/** @type {number[][]} */
	const blocks = [];
	for (let i = 0, k = 0; i < numBlocks; i++) {
		const dat = data.slice(k, k + shortLen - eccLen + (i < numShort ? 0 : 1));
		k += dat.length;
		const ecc = rsRemainder(dat, divisor);
		if (i < numShort) dat.push(0);
		blocks.push(dat.concat(ecc));
	}
	const result = [];
	for (let i = 0; i < blocks[0].length; i++) {
		blocks.forEach((block, j) => {
			if (i !== shortLen - eccLen || j >= numShort) result.push(block[i]);
		});
	}
	return result;
}

/** @param {number} x @param {number} i */
const bit = (x, i) => ((x >>> i) & 1) !== 0;

/**
 * Encodes text as a QR Code.
 * @param {string} text
 * @returns {{ size: number, modules: boolean[][] }} modules[y][x], true = dark
 */
export function encodeQr(text) {
	const bytes = Array.from(new TextEncoder().encode(text));
	let ver = 1;
	for (; ; ver++) {
		if (ver > 40) throw new RangeError("Text too long for a QR Code");
		if (4 + (ver <= 9 ? 8 : 16) + bytes.length * 8 <= dataCodewords(ver) * 8) break;
	}
	const capacity = dataCodewords(ver) * 8;
	/** @type {number[]} */
	const bits = [];
	const put = (/** @type {number} */ value, /** @type {number} */ len) => {
		for (let i = len - 1; i >= 0; i--) bits.push((value >>> i) & 1);
	};
	put(0b0100, 4);
	put(bytes.length, ver <= 9 ? 8 : 16);
	for (const b of bytes) put(b, 8);
	put(0, Math.min(4, capacity - bits.length));
	put(0, (8 - (bits.length % 8)) % 8);
	for (let pad = 0xec; bits.length < capacity; pad ^= 0xec ^ 0x11) put(pad, 8);
	const data = [];
	for (let i = 0; i < bits.length; i += 8) data.push(bits.slice(i, i + 8).reduce((acc, b) => (acc << 1) | b, 0));

	const size = ver * 4 + 17;
	const modules = Array.from({ length: size }, () => new Array(size).fill(false));
	const fixed = Array.from({ length: size }, () => new Array(size).fill(false));
	const setFixed = (/** @type {number} */ x, /** @type {number} */ y, /** @type {boolean} */ dark) => {
		modules[y][x] = dark;
		fixed[y][x] = true;
	};

	const drawFormat = (/** @type {number} */ mask) => {
		const d = (FORMAT_BITS_M << 3) | mask;
		let rem = d;
		for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
		const f = ((d << 10) | rem) ^ 0x5412;
		for (let i = 0; i <= 5; i++) setFixed(8, i, bit(f, i));
		setFixed(8, 7, bit(f, 6));
		setFixed(8, 8, bit(f, 7));
		setFixed(7, 8, bit(f, 8));
		for (let i = 9; i < 15; i++) setFixed(14 - i, 8, bit(f, i));
		for (let i = 0; i < 8; i++) setFixed(size - 1 - i, 8, bit(f, i));
		for (let i = 8; i < 15; i++) setFixed(8, size - 15 + i, bit(f, i));
		setFixed(8, size - 8, true);
	};

	// Function patterns: timing, finders, alignment, format (placeholder), version.
	for (let i = 0; i < size; i++) {
		setFixed(6, i, i % 2 === 0);
		setFixed(i, 6, i % 2 === 0);
	}
	for (const [cx, cy] of [[3, 3], [size - 4, 3], [3, size - 4]]) {
		for (let dy = -4; dy <= 4; dy++) {
			for (let dx = -4; dx <= 4; dx++) {
				const x = cx + dx;
				const y = cy + dy;
				const dist = Math.max(Math.abs(dx), Math.abs(dy));
				if (x >= 0 && x < size && y >= 0 && y < size) setFixed(x, y, dist !== 2 && dist !== 4);
			}
		}
	}
	if (ver > 1) {
		const numAlign = Math.floor(ver / 7) + 2;
		const step = Math.floor((ver * 8 + numAlign * 3 + 5) / (numAlign * 4 - 4)) * 2;
		const pos = [6];
		for (let p = size - 7; pos.length < numAlign; p -= step) pos.splice(1, 0, p);
		for (let i = 0; i < numAlign; i++) {
			for (let j = 0; j < numAlign; j++) {
				if ((i === 0 && j === 0) || (i === 0 && j === numAlign - 1) || (i === numAlign - 1 && j === 0)) continue;
				for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) setFixed(pos[i] + dx, pos[j] + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
			}
		}
	}
	drawFormat(0);
	if (ver >= 7) {
		let rem = ver;
		for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
		const v = (ver << 12) | rem;
		for (let i = 0; i < 18; i++) {
			const a = size - 11 + (i % 3);
			const b = Math.floor(i / 3);
			setFixed(a, b, bit(v, i));
			setFixed(b, a, bit(v, i));
		}
	}

	// The codewords, in the zigzag order.
	const codewords = withEcc(data, ver);
	let i = 0;
	for (let right = size - 1; right >= 1; right -= 2) {
		if (right === 6) right = 5;
		for (let vert = 0; vert < size; vert++) {
			for (let j = 0; j < 2; j++) {
				const x = right - j;
				const upward = ((right + 1) & 2) === 0;
				const y = upward ? size - 1 - vert : vert;
				if (!fixed[y][x] && i < codewords.length * 8) {
					modules[y][x] = bit(codewords[i >>> 3], 7 - (i & 7));
					i++;
				}
			}
		}
	}

	const applyMask = (/** @type {number} */ mask) => {
		for (let y = 0; y < size; y++) {
			for (let x = 0; x < size; x++) {
				if (fixed[y][x]) continue;
				const p = x * y;
				const invert = [
					(x + y) % 2 === 0,
					y % 2 === 0,
					x % 3 === 0,
					(x + y) % 3 === 0,
					(Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0,
					(p % 2) + (p % 3) === 0,
					((p % 2) + (p % 3)) % 2 === 0,
					(((x + y) % 2) + (p % 3)) % 2 === 0
				][mask];
				if (invert) modules[y][x] = !modules[y][x];
			}
		}
	};

	let best = 0;
	let bestScore = Infinity;
	for (let mask = 0; mask < 8; mask++) {
		applyMask(mask);
		drawFormat(mask);
		const score = penalty(modules);
		if (score < bestScore) {
			best = mask;
			bestScore = score;
		}
		applyMask(mask); // XOR undoes it
	}
	applyMask(best);
	drawFormat(best);
	return { size, modules };
}

const FINDER_LIKE = ["10111010000", "00001011101"];

/** The four penalty rules of the standard (rule 3 as a plain pattern search). @param {boolean[][]} m */
function penalty(m) {
	const size = m.length;
	let score = 0;
	let dark = 0;
	const lines = [];
	for (let y = 0; y < size; y++) {
		lines.push(m[y].map(v => (v ? "1" : "0")).join(""));
		lines.push(m.map(row => (row[y] ? "1" : "0")).join(""));
	}
	for (const line of lines) {
		for (const run of line.match(/0{5,}|1{5,}/g) ?? []) score += run.length - 2;
		for (const pattern of FINDER_LIKE) for (let at = line.indexOf(pattern); at >= 0; at = line.indexOf(pattern, at + 1)) score += 40;
	}
	for (let y = 0; y < size; y++) {
		for (let x = 0; x < size; x++) {
			if (m[y][x]) dark++;
			if (x < size - 1 && y < size - 1 && m[y][x] === m[y][x + 1] && m[y][x] === m[y + 1][x] && m[y][x] === m[y + 1][x + 1]) score += 3;
		}
	}
	const total = size * size;
	score += (Math.ceil(Math.abs(dark * 20 - total * 10) / total) - 1) * 10;
	return score;
}

/**
 * The QR Code as an SVG element (dark modules as one path, a quiet zone of 4 modules).
 * @param {string} text
 * @param {string} label accessible name of the image
 */
export function qrSvg(text, label) {
	const { size, modules } = encodeQr(text);
	const ns = "http://www.w3.org/2000/svg";
	const svg = document.createElementNS(ns, "svg");
	const full = size + 8;
	svg.setAttribute("viewBox", `0 0 ${full} ${full}`);
	svg.setAttribute("role", "img");
	svg.setAttribute("aria-label", label);
	svg.setAttribute("class", "qr");
	svg.setAttribute("shape-rendering", "crispEdges");
	const bg = document.createElementNS(ns, "rect");
	bg.setAttribute("width", String(full));
	bg.setAttribute("height", String(full));
	bg.setAttribute("fill", "#fff");
	const path = document.createElementNS(ns, "path");
	let d = "";
	modules.forEach((row, y) => row.forEach((dark, x) => (d += dark ? `M${x + 4} ${y + 4}h1v1h-1z` : "")));
	path.setAttribute("d", d);
	path.setAttribute("fill", "#000");
	svg.append(bg, path);
	return svg;
}
