/**
 * The proof that the OpenAPI document is accurate. Every answer the integration suites get is checked
 * against the document the app serves (its route and status are listed, and an error's `type` is one the
 * document names for that status) and recorded; at the end of a full run every documented route must
 * have been exercised (test/integration/global-teardown.ts).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import type { ServiceBroker } from "moleculer";
import { documentPath, servedDocument } from "../../services/api/openapi";
import { ROUTES, findRoute, requestPath, routesOf } from "../../services/api/routes";

/** The file this run's answers are appended to; set by the global setup. */
export const COVERAGE_FILE_ENV = "OPENAPI_COVERAGE_FILE";

type Operation = { responses: Record<string, { content?: Record<string, { schema?: { allOf?: Array<{ properties?: { type?: { enum?: string[] } } }> } }> }> };
type Document = { paths: Record<string, Record<string, Operation>> };

const documents = new WeakMap<ServiceBroker, { actions: number; doc: Document }>();

/** The document the app serves, built again only when its broker knows another set of actions (cheap per request). */
function documentOf(broker: ServiceBroker): Document {
	const actions = broker.registry.getActionList({ skipInternal: true }).length;
	let cached = documents.get(broker);
	if (cached?.actions !== actions) {
		cached = { actions, doc: servedDocument(broker, "coverage") as Document };
		documents.set(broker, cached);
	}
	return cached.doc;
}

/** What a request that reaches no route must answer: 404 for an unknown path, else 405 (OPTIONS: 204). */
function unroutedStatus(method: string, urlPath: string): number {
	if (routesOf(urlPath).length === 0) return 404;
	return method === "OPTIONS" ? 204 : 405;
}

/** Throws when the answer is not in the document the app serves; records it otherwise. */
export function checkAnswer(broker: ServiceBroker, method: string, url: string, answer: { status: number; body: unknown }): void {
	const upper = method.toUpperCase();
	const urlPath = requestPath(url);
	// HEAD is answered as GET, without the body: it is documented by the GET operation.
	const route = findRoute(upper === "HEAD" ? "GET" : upper, urlPath);
	const label = `${upper} ${urlPath} answered ${answer.status}`;
	if (!route) {
		const expected = unroutedStatus(upper, urlPath);
		if (answer.status !== expected) throw new Error(`${label}; a request that reaches no route must answer ${expected}`);
		return;
	}
	const doc = documentOf(broker);
	const op = doc.paths[documentPath(route)]?.[route.method.toLowerCase()];
	const documented = op?.responses[String(answer.status)];
	if (!documented) {
		throw new Error(`${label}, which the OpenAPI document does not list for ${route.method} ${route.fullPath} (it lists ${Object.keys(op?.responses ?? {}).join(", ")})`);
	}
	const types = documented.content?.["application/json"]?.schema?.allOf?.[1]?.properties?.type?.enum;
	const type = (answer.body as { type?: unknown } | null)?.type;
	if (types && !types.includes(type as string)) {
		throw new Error(`${label} with type ${String(type)}, which the OpenAPI document does not list for that status (it lists ${types.join(", ")})`);
	}
	const file = process.env[COVERAGE_FILE_ENV];
	// Each line: the route, the status answered, and every status the document lists for the route.
	if (file) fs.appendFileSync(file, `${route.method} ${route.fullPath} ${answer.status} ${Object.keys(op.responses).join(",")}\n`);
}

/** Global setup: a fresh file for this run's answers. */
export function startCoverageRun(): void {
	const file = path.join(os.tmpdir(), `openapi-coverage-${process.pid}-${Date.now()}.log`);
	fs.writeFileSync(file, "");
	process.env[COVERAGE_FILE_ENV] = file;
}

interface RunFilters {
	testPathPatterns?: { isSet(): boolean };
	testNamePattern?: string;
	onlyChanged?: boolean;
	onlyFailures?: boolean;
	findRelatedTests?: boolean;
	lastCommit?: boolean;
	changedSince?: string;
	shard?: unknown;
}

/** True when jest was asked for a part of the suite: then not every route is expected to be exercised. */
function partialRun(filters: RunFilters): boolean {
	return !!(filters.testPathPatterns?.isSet() || filters.testNamePattern || filters.onlyChanged || filters.onlyFailures || filters.findRelatedTests || filters.lastCommit || filters.changedSince || filters.shard);
}

/** Global teardown: after a full run, every route of the table (= of the document) was answered at least once. */
export function endCoverageRun(filters: RunFilters): void {
	const file = process.env[COVERAGE_FILE_ENV];
	if (!file || !fs.existsSync(file)) return;
	const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
	fs.rmSync(file, { force: true });
	if (partialRun(filters)) return;
	const records = lines.map(line => line.split(" "));
	const exercised = new Set(records.map(([method, route]) => `${method} ${route}`));
	const answered = new Set(records.map(([method, route, status]) => `${method} ${route} ${status}`));
	const documented = new Set(records.flatMap(([method, route, , listed]) => listed.split(",").map(status => `${method} ${route} ${status}`)));
	const missing = ROUTES.map(route => `${route.method} ${route.fullPath}`).filter(route => !exercised.has(route));
	process.stdout.write(
		`\nOpenAPI coverage: ${ROUTES.length - missing.length} of ${ROUTES.length} routes exercised; ${answered.size} of ${documented.size} documented (route, status) pairs answered.\n`
	);
	if (process.env.OPENAPI_COVERAGE_DETAIL) process.stdout.write(`Never answered: ${[...documented].filter(p => !answered.has(p)).join("; ")}\n`);
	if (missing.length) throw new Error(`Documented routes the integration suite never exercised: ${missing.join(", ")}`);
}

type MediaType = { schema: unknown; example?: unknown };
type SchemaHolders = {
	parameters?: Array<{ name: string; schema: unknown }>;
	requestBody?: { content: Record<string, MediaType> };
	responses: Record<string, { content?: Record<string, MediaType> }>;
};

const COMPONENTS = "https://openapi.invalid/components/schemas/";

/** `#/components/schemas/X` references, pointed at the component registered under its own URI. */
function rebase(schema: unknown): unknown {
	return JSON.parse(JSON.stringify(schema).replace(/"#\/components\/schemas\//g, `"${COMPONENTS}`));
}

/** Problems of a generated document: schemas JSON Schema 2020-12 cannot compile, examples their schema refuses. */
export function documentProblems(doc: { components: { schemas: Record<string, unknown> }; paths: Record<string, Record<string, unknown>> }): string[] {
	// Unknown keywords are errors; union types (`["string", "null"]`) are what OpenAPI 3.1 uses for nullable.
	const ajv = new Ajv2020({ strictSchema: true, strictTypes: false, allowUnionTypes: true, allErrors: true });
	ajv.addFormat("date-time", { validate: (s: string) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d\d-\d\dT/.test(s) });
	ajv.addFormat("email", /^[^\s@]+@[^\s@]+$/);
	ajv.addFormat("uri", /^[a-z][a-z0-9+.-]*:/i);
	ajv.addFormat("uuid", /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
	for (const [name, schema] of Object.entries(doc.components.schemas)) ajv.addSchema(rebase(schema) as object, `${COMPONENTS}${name}`);
	const problems: string[] = [];
	const check = (where: string, schema: unknown, example?: unknown) => {
		try {
			const validate = ajv.compile(rebase(schema) as object);
			if (example !== undefined && !validate(example)) problems.push(`${where}: example refused: ${ajv.errorsText(validate.errors)}`);
		} catch (err) {
			problems.push(`${where}: ${(err as Error).message}`);
		}
	};
	for (const name of Object.keys(doc.components.schemas)) check(`components.schemas.${name}`, doc.components.schemas[name]);
	for (const [p, ops] of Object.entries(doc.paths)) {
		for (const [method, op] of Object.entries(ops as Record<string, SchemaHolders>)) {
			for (const param of op.parameters ?? []) check(`${method} ${p} parameter ${param.name}`, param.schema);
			const body = op.requestBody?.content["application/json"];
			if (body) check(`${method} ${p} request body`, body.schema, body.example);
			for (const [status, res] of Object.entries(op.responses)) {
				const json = res.content?.["application/json"];
				if (json) check(`${method} ${p} ${status}`, json.schema, json.example);
			}
		}
	}
	return problems;
}
