/**
 * The relying-party side of the OpenID tests: a backend on a known port (the issuer must be the URL the
 * client reaches), a cookie jar, and a browser walk through the interaction pages with plain HTTP.
 */
import net from "node:net";
import { startApp, type TestApp } from "./app";
import type { TestClock } from "./clock";

export async function freePort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as net.AddressInfo;
	await new Promise(resolve => server.close(resolve));
	return port;
}

/** A backend whose APP_URL (and so its issuer, `${APP_URL}/oidc`) is where the tests reach it. */
export async function startOidcApp(env: Record<string, string> = {}, clock?: TestClock): Promise<TestApp & { issuer: string }> {
	const port = await freePort();
	const appUrl = `http://127.0.0.1:${port}`;
	const app = await startApp({ port, adminEmail: "root@example.com", adminPassword: "root operator passphrase 9" }, { APP_URL: appUrl, ...env }, clock ? { clock } : {});
	return Object.assign(app, { issuer: `${appUrl}/oidc` });
}

export const ADMIN = { email: "root@example.com", password: "root operator passphrase 9" };

/** A browser's cookies, by name (enough for one host). */
export class Browser {
	private readonly cookies = new Map<string, string>();

	constructor(private readonly origin: string) {}

	async fetch(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
		const target = new URL(url, this.origin);
		const headers: Record<string, string> = { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") };
		let body: string | undefined;
		if (init.form) {
			headers["content-type"] = "application/x-www-form-urlencoded";
			body = new URLSearchParams(init.form).toString();
		}
		const res = await fetch(target, { method: init.method ?? (init.form ? "POST" : "GET"), headers, body, redirect: "manual" });
		for (const line of res.headers.getSetCookie()) {
			const [pair, ...attrs] = line.split(";");
			const eq = pair.indexOf("=");
			const name = pair.slice(0, eq).trim();
			const value = pair.slice(eq + 1).trim();
			const expired = attrs.some(a => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0/i.test(a));
			if (expired || value === "") this.cookies.delete(name);
			else this.cookies.set(name, value);
		}
		return res;
	}

	/** Follows redirects within the backend; stops at the first one elsewhere (the client's redirect_uri) or at a page. */
	async follow(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ res: Response; url: string }> {
		let res = await this.fetch(url, init);
		let current = new URL(url, this.origin).href;
		for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
			const next = new URL(res.headers.get("location")!, current).href;
			if (!next.startsWith(this.origin)) return { res, url: next };
			current = next;
			res = await this.fetch(next);
		}
		return { res, url: current };
	}
}

/** Signs in on the interaction page and allows access: answers the URL the backend sent the browser back to. */
export async function authorize(browser: Browser, authorizationUrl: string, email: string, password: string): Promise<string> {
	let step = await browser.follow(authorizationUrl);
	for (let pages = 0; pages < 4; pages++) {
		if (!step.url.startsWith(browser["origin"])) return step.url;
		const html = await step.res.text();
		if (step.res.status !== 200) throw new Error(`${step.url}: ${step.res.status} ${html.slice(0, 500)}`);
		const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, "&");
		if (!action) throw new Error(`no form on ${step.url}: ${html.slice(0, 500)}`);
		step = action.endsWith("/login") ? await browser.follow(action, { form: { email, password } }) : await browser.follow(action, { form: {} });
	}
	throw new Error(`the authorization did not finish: ${step.url}`);
}
