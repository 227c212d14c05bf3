// @ts-check
import { $, api, onSubmit, reveal } from "./app.js";

onSubmit($("#register-form"), async (values, form) => {
	const user = await api("POST", "/auth/register", values, { auth: false });
	form.hidden = true;
	$("#register-done [data-field=email]").textContent = user?.email ?? values.email;
	reveal($("#register-done"));
});
