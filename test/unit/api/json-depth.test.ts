import { MAX_JSON_DEPTH, jsonDepth } from "../../../services/api/json-depth";

describe("jsonDepth", () => {
	it("counts nesting of objects and arrays", () => {
		expect(jsonDepth("1")).toBe(0);
		expect(jsonDepth('{"a":1}')).toBe(1);
		expect(jsonDepth('{"a":[1,{"b":[]}]}')).toBe(4);
		expect(jsonDepth(Buffer.from("[[[]],[]]"))).toBe(3);
	});

	it("skips brackets inside strings, escaped quotes included", () => {
		expect(jsonDepth('{"a":"[[[{{{"}')).toBe(1);
		expect(jsonDepth('{"a":"\\"[[[","b":{}}')).toBe(2);
	});

	it("leaves room for every request of the API", () => {
		expect(MAX_JSON_DEPTH).toBeGreaterThanOrEqual(8);
	});
});
