/**
 * Where a request's CPU goes: a node started with `--cpu-prof` runs one scenario, and the samples of its main
 * thread taken during the scenario are put into parts by their stack (the first rule that any frame of the
 * stack matches wins, so a store write made by the audit trail counts as audit). Worker threads (the hashing
 * pool) write profiles of their own: their busy time is the hash.
 */
import fs from "node:fs";
import path from "node:path";

export const PARTS = ["audit", "signing", "store", "hash hand-off", "e-mail", "HTTP", "framework", "app", "other"] as const;
export type Part = (typeof PARTS)[number];

const RULES: Array<[Part, RegExp]> = [
	["audit", /services\/auth\/audit\//],
	["signing", /internal\/crypto\/sig|lib\/tokens\/access|jsonwebtoken|\/jws\//],
	["store", /@seald-io\/nedb|node_modules\/(mongoose|mongodb|bson)\/|lib\/collection|internal\/fs\/|^(openFileHandle|writeBuffer|close|fsync|writeString)$/],
	["hash hand-off", /piscina|password\/hasher/],
	// The message a request hands to notifications (the welcome e-mail of a registration), sent on this node.
	["e-mail", /nodemailer|services\/notifications\//],
	["HTTP", /node:_http|node:net|stream_base_commons|node:internal\/streams|^writev$|^writeUtf8String$|moleculer-web\/src\/index.js encodeResponse|body-parser/],
	["framework", /node_modules\/(moleculer|moleculer-web|fastest-validator)\//],
	["app", /\/dist\//]
];

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string };
	children?: number[];
}
interface Profile {
	nodes: ProfileNode[];
	startTime: number;
	endTime: number;
	samples: number[];
	timeDeltas: number[];
}

/** The monotonic clock CPU profiles are stamped with (µs), the same in every process of the machine. */
export function monotonicUs(): number {
	return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Busy time (ms) of a profile, by part (GC its own part; idle left out), within [fromUs, toUs] of
 * `monotonicUs()` as the bench process read it around a scenario (default: the whole profile).
 */
export function partsOf(file: string, window?: { fromUs: number; toUs: number }): { busyMs: number; parts: Record<Part | "GC", number> } {
	const profile = JSON.parse(fs.readFileSync(file, "utf8")) as Profile;
	const byId = new Map(profile.nodes.map(n => [n.id, n]));
	const parent = new Map<number, number>();
	for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
	const partOf = new Map<number, Part | "idle" | "gc">();
	const classify = (id: number): Part | "idle" | "gc" => {
		const known = partOf.get(id);
		if (known) return known;
		const leaf = byId.get(id)!.callFrame.functionName;
		const frames: string[] = [];
		for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
			const f = byId.get(x)!.callFrame;
			frames.push(`${f.url} ${f.functionName}`, f.functionName);
		}
		const part: Part | "idle" | "gc" =
			leaf === "(idle)" ? "idle" : leaf === "(garbage collector)" ? "gc" : (RULES.find(([, rule]) => frames.some(f => rule.test(f)))?.[0] ?? "other");
		partOf.set(id, part);
		return part;
	};
	const from = window?.fromUs ?? -Infinity;
	const to = window?.toUs ?? Infinity;
	const parts = Object.fromEntries([...PARTS, "GC"].map(p => [p, 0])) as Record<Part | "GC", number>;
	let busy = 0;
	let t = profile.startTime;
	for (let i = 0; i < profile.samples.length; i++) {
		t += profile.timeDeltas[i] ?? 0;
		if (t < from || t > to) continue;
		const dt = (profile.timeDeltas[i] ?? 0) / 1000;
		const part = classify(profile.samples[i]);
		if (part === "idle") continue;
		busy += dt;
		parts[part === "gc" ? "GC" : part] += dt;
	}
	return { busyMs: busy, parts };
}

/** Time (ms) a hashing thread's profile spent hashing (bcryptjs), within the window. */
export function hashingOf(file: string, window: { fromUs: number; toUs: number }): number {
	const profile = JSON.parse(fs.readFileSync(file, "utf8")) as Profile;
	const byId = new Map(profile.nodes.map(n => [n.id, n]));
	const parent = new Map<number, number>();
	for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
	const hashing = new Map<number, boolean>();
	const isHashing = (id: number): boolean => {
		let known = hashing.get(id);
		if (known === undefined) {
			known = false;
			for (let x: number | undefined = id; x !== undefined && !known; x = parent.get(x)) known = /bcrypt/.test(byId.get(x)!.callFrame.url);
			hashing.set(id, known);
		}
		return known;
	};
	let ms = 0;
	let t = profile.startTime;
	for (let i = 0; i < profile.samples.length; i++) {
		t += profile.timeDeltas[i] ?? 0;
		if (t >= window.fromUs && t <= window.toUs && isHashing(profile.samples[i])) ms += (profile.timeDeltas[i] ?? 0) / 1000;
	}
	return ms;
}

/** The profiles a process wrote into `dir`: its main thread's (thread 0) and its worker threads'. */
export function profilesIn(dir: string): { main: string; workers: string[] } {
	const files = fs.readdirSync(dir).filter(f => f.endsWith(".cpuprofile"));
	// CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile
	const main = files.find(f => f.split(".")[4] === "0");
	if (!main) throw new Error(`no main-thread profile in ${dir}`);
	return { main: path.join(dir, main), workers: files.filter(f => f !== main).map(f => path.join(dir, f)) };
}

/** "store 0.41 (38 %), signing 0.09 (8 %), …": ms per operation of each part, largest first. */
export function describeParts(parts: Record<string, number>, operations: number, digits = 2): string {
	const total = Object.values(parts).reduce((a, b) => a + b, 0);
	return Object.entries(parts)
		.filter(([, ms]) => ms > 0)
		.sort((a, b) => b[1] - a[1])
		.map(([name, ms]) => `${name} ${(ms / operations).toFixed(digits)} (${Math.round((ms / total) * 100)} %)`)
		.join(", ");
}
