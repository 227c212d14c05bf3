/**
 * The admin search on MongoDB: users stored before the search keys get them at start, and the search's
 * queries are served by the keys' indexes (on a real MongoDB; FerretDB 1.x plans no secondary index at all).
 */
import mongoose from "mongoose";
import { UserModel } from "../../models";
import { userListFilter } from "../../services/users/policy";
import { startApp, type TestApp } from "../helpers/app";
import { login } from "../helpers/kit";
import { sampleUserRecord } from "../helpers/users";

const ADMIN_EMAIL = "root@example.com";
const ADMIN_PASSWORD = "root operator passphrase 9";
const LEGACY_ID = "0b9e3d1c-7a52-4c4e-9d0e-5f1a2b3c4d5e";

/** Every stage of a query plan, however nested (inputStage, inputStages, …), with the index it scans. */
function stages(plan: unknown): Array<{ stage: string; fields: string[] }> {
	if (!plan || typeof plan !== "object") return [];
	const node = plan as Record<string, unknown>;
	const fields = node.keyPattern && typeof node.keyPattern === "object" ? Object.keys(node.keyPattern) : [];
	const own = typeof node.stage === "string" ? [{ stage: node.stage, fields }] : [];
	return [...own, ...Object.values(node).flatMap(v => (Array.isArray(v) ? v.flatMap(stages) : stages(v)))];
}

/** The fields a search filter reads (the clauses of its `$or`, or its one field). */
function searchFields(filter: Record<string, unknown>): string[] {
	const clauses = (filter.$or as Array<Record<string, unknown>> | undefined) ?? [filter];
	return clauses.flatMap(c => Object.keys(c));
}

describe("admin search on MongoDB", () => {
	const uri = `${process.env.TEST_MONGO_URI}/search_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
	let conn: mongoose.Connection;
	let app: TestApp;
	let token: string;

	beforeAll(async () => {
		conn = await mongoose.createConnection(uri).asPromise();
		// A user as the versions before the search keys stored it.
		await conn.collection("users").insertOne(sampleUserRecord({ _id: LEGACY_ID, email: "Old.Timer@Old.Example", displayName: "Legacy  Person" }) as never);
		app = await startApp({ mongoUri: uri, adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
		token = (await login(app, ADMIN_EMAIL, ADMIN_PASSWORD)).accessToken;
	});
	afterAll(async () => {
		await app?.stop();
		await conn?.close();
	});

	const search = async (term: string): Promise<string[]> => {
		const res = await app.request("GET", `/api/v1/users?pageSize=100&search=${encodeURIComponent(term)}`, { token });
		expect(res.status).toBe(200);
		return res.body.rows.map((r: { id: string }) => r.id);
	};

	it("gives the search keys to users stored before them, once, at start", async () => {
		expect(app.logs.some(line => line.includes("Search keys given to 1 users"))).toBe(true);
		const stored = await conn.collection("users").findOne({ _id: LEGACY_ID as never });
		expect(stored).toMatchObject({ displayNameKey: "legacy person", nameWords: ["legacy", "person"], emailDomain: "old.example" });
		expect(await search("PERS")).toEqual([LEGACY_ID]);
		expect(await search("legacy p")).toEqual([LEGACY_ID]);
		expect(await search("@OLD.EX")).toEqual([LEGACY_ID]);
		expect(await search("old.t")).toEqual([LEGACY_ID]);
		// A second node on the same database finds nothing left to do.
		const second = await startApp({ mongoUri: uri });
		try {
			expect(second.logs.some(line => line.includes("Search keys given"))).toBe(false);
		} finally {
			await second.stop();
		}
	});

	it("the search keys are indexed", async () => {
		const indexed = (await conn.collection("users").indexes()).map(i => Object.keys(i.key).join(","));
		expect(indexed).toEqual(expect.arrayContaining(["emailKey", "displayNameKey", "nameWords", "emailDomain"]));
	});

	it.each(["ada", "Ada Lo", "@example.c"])("search=%s is planned as an index scan", async term => {
		const Users = conn.model("User", UserModel.schema);
		const { filter, sort } = userListFilter({ page: 1, pageSize: 20, search: term });
		const explained = (await Users.find(filter).sort(sort.join(" ")).limit(20).explain("queryPlanner")) as unknown as Record<string, any>;
		const ferret = explained.serverInfo?.ferretdbVersion;
		if (ferret) {
			// FerretDB 1.x on SQLite pushes no filter down (`filterPushdown: false`), so its plan is a table scan
			// for any query, even an equality on the unique address: there is no index use to show.
			console.warn(`Index-use assertion skipped: FerretDB ${ferret} plans every filtered query as a scan (filterPushdown: ${explained.filterPushdown}).`);
			return;
		}
		// As the list asks (sorted, one page): no collection scan.
		expect(stages(explained.queryPlanner?.winningPlan).map(s => s.stage)).not.toContain("COLLSCAN");
		// The filter alone (as the count asks it): every field it reads is scanned through its own index.
		const counted = (await Users.find(filter).explain("queryPlanner")) as unknown as Record<string, any>;
		const plan = stages(counted.queryPlanner?.winningPlan);
		expect(plan.map(s => s.stage)).not.toContain("COLLSCAN");
		const scanned = plan.filter(s => s.stage === "IXSCAN").flatMap(s => s.fields);
		expect(scanned.sort()).toEqual(expect.arrayContaining(searchFields(filter)));
	});
});
