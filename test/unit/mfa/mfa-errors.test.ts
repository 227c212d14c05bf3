import { apiError, invalidMfaCode } from "../../../lib/errors";

describe("second-factor error types (CONTRACT §4)", () => {
	it("INVALID_MFA_CODE is 401 while finishing a login", () => expect(invalidMfaCode(true)).toMatchObject({ type: "INVALID_MFA_CODE", code: 401, name: "InvalidMfaCodeError" }));
	it("INVALID_MFA_CODE is 422 elsewhere", () => expect(invalidMfaCode(false)).toMatchObject({ type: "INVALID_MFA_CODE", code: 422 }));
	it("MFA_REQUIRED is 403", () => expect(apiError("MFA_REQUIRED")).toMatchObject({ type: "MFA_REQUIRED", code: 403, name: "MfaRequiredError" }));
});
