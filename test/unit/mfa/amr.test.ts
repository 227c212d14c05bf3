import { amrFor } from "../../../services/auth/mfa/amr";

describe("amrFor (RFC 8176)", () => {
	it("a password alone is pwd", () => expect(amrFor(["password"])).toEqual(["pwd"]));
	it("a password and a TOTP code are pwd, otp and mfa", () => expect(amrFor(["password", "totp"])).toEqual(["pwd", "otp", "mfa"]));
	it("a recovery code counts as a one-time password", () => expect(amrFor(["password", "recovery-code"])).toEqual(["pwd", "otp", "mfa"]));
	it("a passkey alone is two factors: hwk and mfa", () => expect(amrFor(["passkey"])).toEqual(["hwk", "mfa"]));
	it("a password then a passkey are pwd, hwk and mfa", () => expect(amrFor(["password", "passkey"])).toEqual(["pwd", "hwk", "mfa"]));
	it("names each value once", () => expect(amrFor(["password", "password"])).toEqual(["pwd"]));
});
