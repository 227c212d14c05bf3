// @ts-check
import { $, api, onSubmit } from "./app.js";

onSubmit($("#forgot-form"), async values => {
	await api("POST", "/auth/password/forgot", { email: values.email }, { auth: false });
	return "If an account uses that address, a link to choose a new password is on its way. It works for 30 minutes.";
});
