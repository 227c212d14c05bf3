import { emailKey } from "../../lib/email";

describe("emailKey", () => {
	it("trims and lower-cases the whole address", () => {
		expect(emailKey("  Alice.Smith@Example.COM \n")).toBe("alice.smith@example.com");
		expect(emailKey("\tbob@example.org\t")).toBe("bob@example.org");
	});

	it("makes addresses differing only in case or surrounding spaces compare equal", () => {
		expect(emailKey("BOB@example.com")).toBe(emailKey(" bob@EXAMPLE.com"));
		expect(emailKey("Bob@Example.com ")).toBe(emailKey("bob@example.com"));
	});

	it("keeps different addresses different", () => {
		expect(emailKey("bob@example.com")).not.toBe(emailKey("bob2@example.com"));
		expect(emailKey("bob+tag@example.com")).not.toBe(emailKey("bob@example.com"));
		expect(emailKey("b ob@example.com")).not.toBe(emailKey("bob@example.com"));
	});

	it("is idempotent", () => {
		const once = emailKey("  MiXeD@Case.IO ");
		expect(emailKey(once)).toBe(once);
	});
});
