import { startApp, type TestApp } from "../helpers/app";
import { expectError, expectUser, login, registerUser, type TestUser } from "../helpers/kit";

const USERS = "/api/v1/users";
const ADMIN_EMAIL = "root@example.com";
const ADMIN_PASSWORD = "root operator passphrase 9";

function jwtPayload(token: string): any {
	return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
}

describe("administration (/api/v1/users, admin routes)", () => {
	let app: TestApp;
	let root: { accessToken: string; refreshToken: string; user: any };
	let alice: TestUser;
	let bob: TestUser;
	let carol: TestUser;
	let dave: TestUser;
	let erin: TestUser;
	let frank: TestUser;
	let gina: TestUser;
	/** Every account, in creation order. */
	let everyone: Array<{ id: string; email: string }>;

	async function list(query = "", token = root.accessToken) {
		return app.request("GET", `${USERS}${query ? `?${query}` : ""}`, { token });
	}

	async function listAll(query = ""): Promise<any[]> {
		const res = await list(`pageSize=100${query ? `&${query}` : ""}`);
		expect(res.status).toBe(200);
		return res.body.rows;
	}

	beforeAll(async () => {
		app = await startApp({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
		root = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD);
		// Sequential, so creation order is known.
		alice = await registerUser(app, { login: true, email: "alice.smith@example.com", displayName: "Alice Smith" });
		bob = await registerUser(app, { login: true, email: "bob@example.org", displayName: "Quentin Blake" });
		carol = await registerUser(app, { login: true, email: "carol@example.com", displayName: "Dot.*Star" });
		dave = await registerUser(app, { login: true, email: "dave@example.net", displayName: "Dave (Davey)" });
		erin = await registerUser(app, { login: true, email: "erin@example.com", displayName: "Erin" });
		frank = await registerUser(app, { login: true, email: "frank@example.com", displayName: "Frank" });
		gina = await registerUser(app, { login: true, email: "gina@example.com", displayName: "Gina" });
		everyone = [root.user, alice.user, bob.user, carol.user, dave.user, erin.user, frank.user, gina.user];
	});
	afterAll(() => app.stop());

	describe("ADMIN_EMAIL / ADMIN_PASSWORD bootstrap", () => {
		it("the admin can log in at once: verified, active, admin", async () => {
			expectUser(root.user);
			expect(root.user.email).toBe(ADMIN_EMAIL);
			expect(root.user.roles).toContain("admin");
			expect(root.user.emailVerified).toBe(true);
			expect(root.user.status).toBe("active");
			expect(jwtPayload(root.accessToken).roles).toContain("admin");
			const me = await app.request("GET", `${USERS}/me`, { token: root.accessToken });
			expect(me.status).toBe(200);
			expect(me.body.roles).toContain("admin");
			expect(me.body.emailVerified).toBe(true);
		});

		it("ordinary accounts are not admins", () => {
			for (const u of [alice, bob, carol]) expect(u.user.roles).toEqual(["user"]);
		});
	});

	describe("GET / (list)", () => {
		it("answers {rows,total,page,pageSize,totalPages} with exact user rows, newest first by default", async () => {
			const res = await list();
			expect(res.status).toBe(200);
			expect(Object.keys(res.body).sort()).toEqual(["page", "pageSize", "rows", "total", "totalPages"]);
			expect(res.body.total).toBe(everyone.length);
			expect(res.body.page).toBe(1);
			expect(typeof res.body.pageSize).toBe("number");
			expect(res.body.totalPages).toBe(Math.ceil(everyone.length / res.body.pageSize));
			for (const row of res.body.rows) expectUser(row);
			expect(res.text).not.toMatch(/password|emailKey|"_id"|\$2[aby]\$/i);
			const ids = res.body.rows.map((r: any) => r.id);
			expect(ids).toEqual(everyone.map(u => u.id).reverse());
		});

		it.each(["pageSize=101", "pageSize=1000", "pageSize=0", "pageSize=-5", "pageSize=abc", "page=0", "page=-1", "page=abc", "page=1.5"])(
			"refuses %s with 422 VALIDATION_ERROR",
			async query => {
				expectError(await list(query), 422, "VALIDATION_ERROR");
			}
		);

		it("accepts pageSize=100", async () => {
			const res = await list("pageSize=100");
			expect(res.status).toBe(200);
			expect(res.body.pageSize).toBe(100);
			expect(res.body.rows).toHaveLength(everyone.length);
		});

		it("pages through every account exactly once", async () => {
			const all = (await listAll("sort=email")).map(r => r.id);
			const seen: string[] = [];
			for (let page = 1; page <= 3; page++) {
				const res = await list(`sort=email&pageSize=3&page=${page}`);
				expect(res.status).toBe(200);
				expect(res.body).toMatchObject({ total: everyone.length, page, pageSize: 3, totalPages: Math.ceil(everyone.length / 3) });
				expect(res.body.rows).toHaveLength(page < 3 ? 3 : everyone.length - 6);
				seen.push(...res.body.rows.map((r: any) => r.id));
			}
			expect(seen).toEqual(all);
			expect(new Set(seen).size).toBe(everyone.length);
			const beyond = await list("sort=email&pageSize=3&page=4");
			expect(beyond.status).toBe(200);
			expect(beyond.body.rows).toEqual([]);
			expect(beyond.body.total).toBe(everyone.length);
		});

		// A case-insensitive prefix of the address, of the whole name or of any word of it; `@…` a prefix of the domain.
		const searches: Array<[string, () => string[]]> = [
			["ALICE", () => [alice.user.id]],
			["alice.sm", () => [alice.user.id]],
			["Alice  SM", () => [alice.user.id]],
			["sMiTh", () => [alice.user.id]],
			["quentin", () => [bob.user.id]],
			["BLA", () => [bob.user.id]],
			["lake", () => []],
			["ice", () => []],
			["EXAMPLE.ORG", () => []],
			["@EXAMPLE.ORG", () => [bob.user.id]],
			["@example.n", () => [dave.user.id]],
			["@example.c", () => [root.user.id, alice.user.id, carol.user.id, erin.user.id, frank.user.id, gina.user.id]],
			["@example.", () => everyone.map(u => u.id)],
			["@xample", () => []],
			["DOT.*", () => [carol.user.id]],
			["d.t", () => []],
			[".*", () => []],
			["(", () => [dave.user.id]],
			["(davey)", () => [dave.user.id]],
			["(d.vey)", () => []],
			["[", () => []],
			["\\", () => []],
			["^root", () => []],
			["example.net$", () => []],
			["no-such-person", () => []]
		];

		it.each(searches)("search=%s matches a prefix, case-insensitively and literally", async (search, expected) => {
			const res = await list(`pageSize=100&search=${encodeURIComponent(search)}`);
			expect(res.status).toBe(200);
			expect(res.body.rows.map((r: any) => r.id).sort()).toEqual(expected().sort());
			expect(res.body.total).toBe(expected().length);
		});

		it("search on the e-mail address matches the admin too", async () => {
			const rows = await listAll("search=ROOT%40EXAMPLE");
			expect(rows.map(r => r.email)).toEqual([ADMIN_EMAIL]);
		});

		it("search follows a name changed by the admin and by the user, and never shows its keys", async () => {
			const renamed = await app.request("PATCH", `${USERS}/${gina.user.id}`, { token: root.accessToken, body: { displayName: "Georgina Zebedee-Quark" } });
			expect(renamed.status).toBe(200);
			try {
				expect((await listAll("search=zebedee")).map(r => r.id)).toEqual([gina.user.id]);
				expect((await listAll("search=QUARK")).map(r => r.id)).toEqual([gina.user.id]);
				expect((await listAll("search=georgina%20zeb")).map(r => r.id)).toEqual([gina.user.id]);
				const own = await app.request("PATCH", `${USERS}/me`, { token: gina.accessToken, body: { displayName: "Gina Xylophone" } });
				expect(own.status).toBe(200);
				expect(await listAll("search=zebedee")).toEqual([]);
				expect(await listAll("search=georgina")).toEqual([]);
				const rows = await listAll("search=xylo");
				expect(rows.map(r => r.id)).toEqual([gina.user.id]);
				for (const row of rows) expectUser(row);
				const raw = (await list("search=xylo")).text;
				expect(raw).not.toMatch(/displayNameKey|nameWords|emailDomain/);
			} finally {
				const back = await app.request("PATCH", `${USERS}/${gina.user.id}`, { token: root.accessToken, body: { displayName: "Gina" } });
				expect(back.status).toBe(200);
			}
		});

		const sorts: Array<[string, string, 1 | -1]> = [
			["email", "email", 1],
			["-email", "email", -1],
			["createdAt", "createdAt", 1],
			["-createdAt", "createdAt", -1],
			["displayName", "displayName", 1],
			["-displayName", "displayName", -1],
			["lastLoginAt", "lastLoginAt", 1],
			["-lastLoginAt", "lastLoginAt", -1]
		];

		it.each(sorts)("sort=%s orders the rows", async (sort, field, direction) => {
			const rows = await listAll(`sort=${sort}`);
			expect(rows).toHaveLength(everyone.length);
			const values = rows.map(r => (field === "email" ? r.email.toLowerCase() : r[field]));
			const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0) * direction);
			expect(values).toEqual(sorted);
		});

		it("sort=createdAt is the creation order and -createdAt its reverse", async () => {
			expect((await listAll("sort=createdAt")).map(r => r.id)).toEqual(everyone.map(u => u.id));
			expect((await listAll("sort=-createdAt")).map(r => r.id)).toEqual(everyone.map(u => u.id).reverse());
			expect((await listAll("sort=email")).map(r => r.email)).toEqual([...everyone.map(u => u.email)].sort());
		});

		it.each(["sort=password", "sort=passwordHash", "sort=emailKey", "sort=-_id", "sort=", "status=banned", "status=ACTIVE", "role=superuser", "role=root"])(
			"refuses %s with 422",
			async query => {
				expectError(await list(query), 422, "VALIDATION_ERROR");
			}
		);

		it("filters by status and role", async () => {
			const off = await app.request("PATCH", `${USERS}/${dave.user.id}`, { token: root.accessToken, body: { status: "disabled" } });
			expect(off.status).toBe(200);
			try {
				const disabled = await listAll("status=disabled");
				expect(disabled.map(r => r.id)).toEqual([dave.user.id]);
				expect(disabled[0].status).toBe("disabled");
				const active = await listAll("status=active");
				expect(active.map(r => r.id).sort()).toEqual(everyone.map(u => u.id).filter(id => id !== dave.user.id).sort());
				expect(active.every(r => r.status === "active")).toBe(true);
				const admins = await listAll("role=admin");
				expect(admins.map(r => r.id)).toEqual([root.user.id]);
				const users = await listAll("role=user");
				expect(users).toHaveLength(everyone.length);
				const combined = await listAll("status=disabled&search=DAVE");
				expect(combined.map(r => r.id)).toEqual([dave.user.id]);
				expect(await listAll("status=disabled&search=alice")).toEqual([]);
				const count = await list("status=active&pageSize=1");
				expect(count.body.total).toBe(everyone.length - 1);
				expect(count.body.totalPages).toBe(everyone.length - 1);
			} finally {
				const on = await app.request("PATCH", `${USERS}/${dave.user.id}`, { token: root.accessToken, body: { status: "active" } });
				expect(on.status).toBe(200);
			}
		});

		it.each([
			"status[$ne]=x",
			"status[$in][]=active&status[$in][]=disabled",
			"search[$regex]=.*",
			"search[$ne]=",
			"role[$in][]=admin",
			"role[$ne]=admin",
			"sort[$natural]=1",
			"page[$gt]=0",
			"pageSize[$gt]=0",
			"search[]=a&search[]=b",
			"status=active&status=disabled"
		])("operator injection ?%s is 422, not 500", async query => {
			const res = await list(query);
			expectError(res, 422, "VALIDATION_ERROR");
		});

		it("unknown query keys never become store filters", async () => {
			for (const query of ["emailKey=alice.smith%40example.com", "%24where=1", "roles=admin", "_id=x"]) {
				// Not a parameter of the list: ignored, never a filter, so everyone is listed.
				const res = await list(`pageSize=100&${query}`);
				expect(res.status).toBe(200);
				expect(res.body.total).toBe(everyone.length);
			}
		});
	});

	describe("access control", () => {
		const routes = (): Array<[string, string, unknown]> => [
			["GET", USERS, undefined],
			["GET", `${USERS}/${alice.user.id}`, undefined],
			["PATCH", `${USERS}/${alice.user.id}`, { displayName: "Hacked" }],
			["PATCH", `${USERS}/${bob.user.id}`, { roles: ["user", "admin"] }],
			["DELETE", `${USERS}/${alice.user.id}`, undefined]
		];

		it("a non-admin gets 403 FORBIDDEN on every admin route, including on themself", async () => {
			for (const [method, path, body] of routes()) {
				expectError(await app.request(method, path, { token: bob.accessToken, body }), 403, "FORBIDDEN");
			}
			const self = await app.request("PATCH", `${USERS}/${bob.user.id}`, { token: bob.accessToken, body: { displayName: "Self Promoted" } });
			expectError(self, 403, "FORBIDDEN");
			// Nothing happened.
			const a = await app.request("GET", `${USERS}/me`, { token: alice.accessToken });
			expect(a.status).toBe(200);
			expect(a.body.displayName).toBe("Alice Smith");
			const b = await app.request("GET", `${USERS}/me`, { token: bob.accessToken });
			expect(b.body.roles).toEqual(["user"]);
			expect(b.body.displayName).toBe("Quentin Blake");
		});

		it("no token is 401 UNAUTHORIZED and a bad token 401 on every admin route", async () => {
			for (const [method, path, body] of routes()) {
				expectError(await app.request(method, path, { body }), 401, "UNAUTHORIZED");
				expectError(await app.request(method, path, { body, token: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0." }), 401, "INVALID_TOKEN");
			}
			// A token with "roles":["admin"] but no valid signature.
			const [h, , s] = bob.accessToken.split(".");
			const forged = `${h}.${Buffer.from(JSON.stringify({ ...jwtPayload(bob.accessToken), roles: ["user", "admin"] })).toString("base64url")}.${s}`;
			expectError(await app.request("GET", USERS, { token: forged }), 401, "INVALID_TOKEN");
			expect((await app.request("GET", `${USERS}/${alice.user.id}`, { token: root.accessToken })).status).toBe(200);
		});
	});

	describe("GET /:id", () => {
		it("answers the exact user, the same the user sees", async () => {
			const res = await app.request("GET", `${USERS}/${alice.user.id}`, { token: root.accessToken });
			expect(res.status).toBe(200);
			expectUser(res.body);
			const own = await app.request("GET", `${USERS}/me`, { token: alice.accessToken });
			expect(res.body).toEqual(own.body);
		});

		it("is 404 NOT_FOUND for an unknown id", async () => {
			expectError(await app.request("GET", `${USERS}/00000000-0000-4000-8000-000000000000`, { token: root.accessToken }), 404, "NOT_FOUND");
			expectError(await app.request("GET", `${USERS}/nope`, { token: root.accessToken }), 404, "NOT_FOUND");
		});
	});

	describe("PATCH /:id", () => {
		it("changes the display name", async () => {
			const res = await app.request("PATCH", `${USERS}/${alice.user.id}`, { token: root.accessToken, body: { displayName: "Alice S." } });
			expect(res.status).toBe(200);
			expectUser(res.body);
			expect(res.body.displayName).toBe("Alice S.");
			expect(Date.parse(res.body.updatedAt)).toBeGreaterThan(Date.parse(alice.user.updatedAt));
			const own = await app.request("GET", `${USERS}/me`, { token: alice.accessToken });
			expect(own.body.displayName).toBe("Alice S.");
		});

		it.each([
			["email", "new@example.com"],
			["emailVerified", false],
			["password", "a brand new passphrase"],
			["bio", "set by admin"],
			["avatarUrl", null],
			["locale", "fr"],
			["createdAt", "2000-01-01T00:00:00.000Z"],
			["lastLoginAt", null]
		])("refuses the unknown field %s with 422 and changes nothing", async (field, value) => {
			const before = (await app.request("GET", `${USERS}/${alice.user.id}`, { token: root.accessToken })).body;
			const res = await app.request("PATCH", `${USERS}/${alice.user.id}`, { token: root.accessToken, body: { displayName: "Changed", [field]: value } });
			expectError(res, 422, "VALIDATION_ERROR");
			expect((await app.request("GET", `${USERS}/${alice.user.id}`, { token: root.accessToken })).body).toEqual(before);
		});

		it.each([
			["roles", ["superuser"]],
			["roles", []],
			["roles", "admin"],
			["roles", { $set: ["admin"] }],
			["status", "banned"],
			["status", { $ne: "active" }],
			["displayName", { $gt: "" }],
			["displayName", "x".repeat(101)],
			["displayName", null]
		])("refuses %s = %j with 422", async (field, value) => {
			const before = (await app.request("GET", `${USERS}/${alice.user.id}`, { token: root.accessToken })).body;
			const res = await app.request("PATCH", `${USERS}/${alice.user.id}`, { token: root.accessToken, body: { [field]: value } });
			expectError(res, 422, "VALIDATION_ERROR");
			expect((await app.request("GET", `${USERS}/${alice.user.id}`, { token: root.accessToken })).body).toEqual(before);
		});

		it("refuses other fields sent in the query string", async () => {
			const before = (await app.request("GET", `${USERS}/${alice.user.id}`, { token: root.accessToken })).body;
			for (const query of ["email=evil%40example.com", "emailVerified=false", "bio=x"]) {
				const res = await app.request("PATCH", `${USERS}/${alice.user.id}?${query}`, { token: root.accessToken, body: { displayName: "Query" } });
				expectError(res, 422, "VALIDATION_ERROR");
			}
			expect((await app.request("GET", `${USERS}/${alice.user.id}`, { token: root.accessToken })).body).toEqual(before);
		});

		it("the id in the path decides the target, never an id in the body", async () => {
			const bobBefore = (await app.request("GET", `${USERS}/${bob.user.id}`, { token: root.accessToken })).body;
			const res = await app.request("PATCH", `${USERS}/${alice.user.id}`, { token: root.accessToken, body: { id: bob.user.id, displayName: "Path Wins" } });
			expect(res.status).toBe(200);
			expect(res.body.id).toBe(alice.user.id);
			expect(res.body.displayName).toBe("Path Wins");
			expect((await app.request("GET", `${USERS}/${bob.user.id}`, { token: root.accessToken })).body).toEqual(bobBefore);
		});

		it("is 404 for an unknown id", async () => {
			const res = await app.request("PATCH", `${USERS}/00000000-0000-4000-8000-000000000000`, { token: root.accessToken, body: { displayName: "Ghost" } });
			expectError(res, 404, "NOT_FOUND");
		});
	});

	describe("disabling and re-enabling", () => {
		let second: { accessToken: string; refreshToken: string };

		it("disabling ends every session at once", async () => {
			second = await login(app, erin.email, erin.password);
			const res = await app.request("PATCH", `${USERS}/${erin.user.id}`, { token: root.accessToken, body: { status: "disabled" } });
			expect(res.status).toBe(200);
			expectUser(res.body);
			expect(res.body.status).toBe("disabled");

			// Immediately: both access tokens are refused.
			expectError(await app.request("GET", `${USERS}/me`, { token: erin.accessToken }), 401, "INVALID_TOKEN");
			expectError(await app.request("GET", `${USERS}/me`, { token: second.accessToken }), 401, "INVALID_TOKEN");
			expectError(await app.request("GET", "/api/v1/notifications", { token: second.accessToken }), 401, "INVALID_TOKEN");
			expectError(await app.request("POST", "/api/v1/auth/logout-all", { token: erin.accessToken }), 401, "INVALID_TOKEN");

			// No refresh token works either.
			for (const refreshToken of [erin.refreshToken, second.refreshToken]) {
				const refresh = await app.request("POST", "/api/v1/auth/refresh", { body: { refreshToken } });
				expectError(refresh, 401, "INVALID_TOKEN");
				expect(refresh.body.accessToken).toBeUndefined();
			}
		});

		it("a disabled account: ACCOUNT_DISABLED to the right password only", async () => {
			const wrong = await app.request("POST", "/api/v1/auth/login", { body: { email: erin.email, password: "not erin's password" } });
			expectError(wrong, 401, "INVALID_CREDENTIALS");
			const right = await app.request("POST", "/api/v1/auth/login", { body: { email: erin.email, password: erin.password } });
			expectError(right, 403, "ACCOUNT_DISABLED");
			expect(right.body.accessToken).toBeUndefined();
			const view = await app.request("GET", `${USERS}/${erin.user.id}`, { token: root.accessToken });
			expect(view.body.status).toBe("disabled");
		});

		it("re-enabling lets the user log in again, but the old tokens stay dead", async () => {
			const res = await app.request("PATCH", `${USERS}/${erin.user.id}`, { token: root.accessToken, body: { status: "active" } });
			expect(res.status).toBe(200);
			expect(res.body.status).toBe("active");
			const fresh = await login(app, erin.email, erin.password);
			const me = await app.request("GET", `${USERS}/me`, { token: fresh.accessToken });
			expect(me.status).toBe(200);
			expect(me.body.status).toBe("active");
			expectError(await app.request("GET", `${USERS}/me`, { token: erin.accessToken }), 401, "INVALID_TOKEN");
			const refresh = await app.request("POST", "/api/v1/auth/refresh", { body: { refreshToken: second.refreshToken } });
			expectError(refresh, 401, "INVALID_TOKEN");
		});
	});

	describe("DELETE /:id", () => {
		it("204, then 404; the account can no longer be used", async () => {
			const res = await app.request("DELETE", `${USERS}/${frank.user.id}`, { token: root.accessToken });
			expect(res.status).toBe(204);
			expect(res.text).toBe("");
			expectError(await app.request("GET", `${USERS}/${frank.user.id}`, { token: root.accessToken }), 404, "NOT_FOUND");
			expectError(await app.request("DELETE", `${USERS}/${frank.user.id}`, { token: root.accessToken }), 404, "NOT_FOUND");
			expectError(await app.request("PATCH", `${USERS}/${frank.user.id}`, { token: root.accessToken, body: { displayName: "Zombie" } }), 404, "NOT_FOUND");
			expectError(await app.request("GET", `${USERS}/me`, { token: frank.accessToken }), 401, "INVALID_TOKEN");
			const refresh = await app.request("POST", "/api/v1/auth/refresh", { body: { refreshToken: frank.refreshToken } });
			expectError(refresh, 401, "INVALID_TOKEN");
			const relogin = await app.request("POST", "/api/v1/auth/login", { body: { email: frank.email, password: frank.password } });
			expectError(relogin, 401, "INVALID_CREDENTIALS");
			const rows = await listAll();
			expect(rows.map(r => r.id)).not.toContain(frank.user.id);
			expect(rows).toHaveLength(everyone.length - 1);
		});

		it("is 404 for an unknown id", async () => {
			expectError(await app.request("DELETE", `${USERS}/00000000-0000-4000-8000-000000000000`, { token: root.accessToken }), 404, "NOT_FOUND");
		});
	});

	// Runs last: it moves the admin role around.
	describe("LAST_ADMIN", () => {
		it("the only active admin cannot demote themself", async () => {
			const res = await app.request("PATCH", `${USERS}/${root.user.id}`, { token: root.accessToken, body: { roles: ["user"] } });
			expectError(res, 409, "LAST_ADMIN");
			const me = await app.request("GET", `${USERS}/me`, { token: root.accessToken });
			expect(me.body.roles).toContain("admin");
			expect((await list()).status).toBe(200);
		});

		it("the only active admin cannot disable themself", async () => {
			const res = await app.request("PATCH", `${USERS}/${root.user.id}`, { token: root.accessToken, body: { status: "disabled" } });
			expectError(res, 409, "LAST_ADMIN");
			const me = await app.request("GET", `${USERS}/me`, { token: root.accessToken });
			expect(me.body.status).toBe("active");
		});

		it("the only active admin cannot delete themself via DELETE /:id", async () => {
			const res = await app.request("DELETE", `${USERS}/${root.user.id}`, { token: root.accessToken });
			expectError(res, 409, "LAST_ADMIN");
			expect((await app.request("GET", `${USERS}/${root.user.id}`, { token: root.accessToken })).status).toBe(200);
		});

		it("the only active admin cannot delete themself via DELETE /me", async () => {
			const res = await app.request("DELETE", `${USERS}/me`, { token: root.accessToken, body: { password: ADMIN_PASSWORD } });
			expectError(res, 409, "LAST_ADMIN");
			expect((await app.request("GET", `${USERS}/me`, { token: root.accessToken })).status).toBe(200);
			const again = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD);
			expect(again.user.roles).toContain("admin");
		});

		it("a change that keeps the admin an active admin is allowed", async () => {
			const res = await app.request("PATCH", `${USERS}/${root.user.id}`, {
				token: root.accessToken,
				body: { displayName: "Root", status: "active", roles: ["user", "admin"] }
			});
			expect(res.status).toBe(200);
			expect(res.body.displayName).toBe("Root");
			expect(res.body.roles).toContain("admin");
		});

		it("a disabled second admin does not count", async () => {
			const promote = await app.request("PATCH", `${USERS}/${gina.user.id}`, { token: root.accessToken, body: { roles: ["user", "admin"], status: "disabled" } });
			expect(promote.status).toBe(200);
			expect(promote.body.roles).toContain("admin");
			expect(promote.body.status).toBe("disabled");
			const res = await app.request("PATCH", `${USERS}/${root.user.id}`, { token: root.accessToken, body: { roles: ["user"] } });
			expectError(res, 409, "LAST_ADMIN");
			expectError(await app.request("DELETE", `${USERS}/${root.user.id}`, { token: root.accessToken }), 409, "LAST_ADMIN");
		});

		it("with a second active admin, demotion works and takes effect at once", async () => {
			const enable = await app.request("PATCH", `${USERS}/${gina.user.id}`, { token: root.accessToken, body: { status: "active" } });
			expect(enable.status).toBe(200);
			gina = { ...gina, ...(await login(app, gina.email, gina.password)) };
			expect(gina.user.roles).toContain("admin");
			expect((await list("", gina.accessToken)).status).toBe(200);

			const oldRootToken = root.accessToken;
			const demote = await app.request("PATCH", `${USERS}/${root.user.id}`, { token: root.accessToken, body: { roles: ["user"] } });
			expect(demote.status).toBe(200);
			expect(demote.body.roles).toEqual(["user"]);

			// The token that still says "admin" must not go on working as one.
			const stale = await list("", oldRootToken);
			// The role change ended the session that token belongs to.
			expectError(stale, 401, "INVALID_TOKEN");
			root = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD);
			expect(root.user.roles).toEqual(["user"]);
			expectError(await list("", root.accessToken), 403, "FORBIDDEN");
			const admins = await list("role=admin", gina.accessToken);
			expect(admins.body.rows.map((r: any) => r.id)).toEqual([gina.user.id]);
		});

		it("now the second admin is the last one", async () => {
			const asGina = (method: string, path: string, body?: unknown) => app.request(method, path, { token: gina.accessToken, body });
			expectError(await asGina("PATCH", `${USERS}/${gina.user.id}`, { roles: ["user"] }), 409, "LAST_ADMIN");
			expectError(await asGina("PATCH", `${USERS}/${gina.user.id}`, { status: "disabled" }), 409, "LAST_ADMIN");
			expectError(await asGina("DELETE", `${USERS}/${gina.user.id}`), 409, "LAST_ADMIN");
			expectError(await asGina("DELETE", `${USERS}/me`, { password: gina.password }), 409, "LAST_ADMIN");
			const admins = await app.request("GET", `${USERS}?role=admin`, { token: gina.accessToken });
			expect(admins.body.rows.map((r: any) => r.id)).toEqual([gina.user.id]);
		});

		it("once another admin exists, an admin may delete their own account", async () => {
			const promote = await app.request("PATCH", `${USERS}/${root.user.id}`, { token: gina.accessToken, body: { roles: ["user", "admin"] } });
			expect(promote.status).toBe(200);
			root = await login(app, ADMIN_EMAIL, ADMIN_PASSWORD);
			expect(root.user.roles).toContain("admin");
			const del = await app.request("DELETE", `${USERS}/me`, { token: gina.accessToken, body: { password: gina.password } });
			expect(del.status).toBe(204);
			expectError(await app.request("GET", `${USERS}/${gina.user.id}`, { token: root.accessToken }), 404, "NOT_FOUND");
			// And root is the last one again.
			expectError(await app.request("DELETE", `${USERS}/me`, { token: root.accessToken, body: { password: ADMIN_PASSWORD } }), 409, "LAST_ADMIN");
		});

		it("two admins demoting each other at the same moment never leave no active admin", async () => {
			const promote = await app.request("PATCH", `${USERS}/${alice.user.id}`, { token: root.accessToken, body: { roles: ["user", "admin"] } });
			expect(promote.status).toBe(200);
			alice = { ...alice, ...(await login(app, alice.email, alice.password)) };
			const [a, b] = await Promise.all([
				app.request("PATCH", `${USERS}/${alice.user.id}`, { token: root.accessToken, body: { roles: ["user"] } }),
				app.request("PATCH", `${USERS}/${root.user.id}`, { token: alice.accessToken, body: { roles: ["user"] } })
			]);
			const statuses = [a.status, b.status].sort();
			// One wins; the other, run after it under the admins lock, would remove the last admin.
			expect(statuses).toEqual([200, 409]);
			expectError([a, b].find(r => r.status === 409)!, 409, "LAST_ADMIN");
			const views = await Promise.all([root.user.id, alice.user.id].map(id => app.broker.call<any, { id: string }>("users.getById", { id })));
			const activeAdmins = views.filter(v => v && v.status === "active" && v.roles.includes("admin"));
			expect(activeAdmins).toHaveLength(1);
		});
	});
});
