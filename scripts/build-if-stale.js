// `npm start` runs the compiled server (dist/): no TypeScript loader at run time, ~30 MiB less resident
// memory and a faster start. This compiles first when a source file is newer than the last build, so that
// `npm install && npm start` (and every edit after) still needs no other step. Incremental: a few seconds
// after an edit, nothing at all when nothing changed.
const fs = require("node:fs");
const path = require("node:path");
const { execFileSync } = require("node:child_process");

const root = path.join(__dirname, "..");
const stamp = path.join(root, "dist", ".built");
const config = JSON.parse(fs.readFileSync(path.join(root, "tsconfig.build.json"), "utf8"));
const dirs = config.include.map(pattern => pattern.split("/")[0]).filter(dir => !dir.includes("*"));

function newestSource() {
	let newest = Math.max(...["package.json", "tsconfig.json", "tsconfig.build.json"].map(f => fs.statSync(path.join(root, f)).mtimeMs));
	for (const file of fs.readdirSync(root)) if (file.endsWith(".ts")) newest = Math.max(newest, fs.statSync(path.join(root, file)).mtimeMs);
	for (const dir of dirs) {
		if (!fs.existsSync(path.join(root, dir))) continue;
		for (const entry of fs.readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })) {
			if (entry.isFile() && entry.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
		}
	}
	return newest;
}

const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
if (newestSource() > built) {
	let tsc;
	try {
		tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
	} catch {
		// An install without devDependencies: dist/ is what there is (the image builds it).
		if (built) process.exit(0);
		console.error("dist/ is missing and TypeScript is not installed: run `npm install`.");
		process.exit(1);
	}
	const startedAt = new Date();
	console.error("Compiling (tsc -p tsconfig.build.json)…");
	execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--incremental", "--tsBuildInfoFile", "dist/.tsbuildinfo"], { cwd: root, stdio: "inherit" });
	// Stamped with the time the build began: a file saved during the build is compiled next time.
	fs.writeFileSync(stamp, startedAt.toISOString() + "\n");
	fs.utimesSync(stamp, startedAt, startedAt);
}
