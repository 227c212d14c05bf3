/**
 * The relying-party side of the OpenID tests: a backend on a known port (the issuer must be the URL the
 * client reaches), a cookie jar, and a walk through an interaction with plain HTTP doing what its hosted
 * page (web/assets/authorize.js) does with a signed-in session's access token.
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

	async fetch(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Response> {
		const target = new URL(url, this.origin);
		const headers: Record<string, string> = { ...init.headers, cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") };
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

/** An interaction's step as its page sends it: same origin, the session's access token. */
export async function interactionStep(browser: Browser, pageUrl: string, step: "session" | "consent" | "abort", accessToken?: string): Promise<Response> {
	const headers: Record<string, string> = { origin: browser["origin"], accept: "application/json" };
	if (accessToken) headers.authorization = `Bearer ${accessToken}`;
	return browser.fetch(`${pageUrl}/${step}`, { method: "POST", headers });
}

/**
 * Goes through the interaction as its page does for a signed-in user (`accessToken`): Continue, then Allow.
 * Answers the URL the backend sent the browser back to (the client's redirect_uri).
 */
export async function authorize(browser: Browser, authorizationUrl: string, accessToken: string): Promise<string> {
	let step = await browser.follow(authorizationUrl);
	for (let pages = 0; pages < 4; pages++) {
		if (!step.url.startsWith(browser["origin"])) return step.url;
		if (step.res.status !== 200 || !/\/interaction\/[^/]+$/.test(new URL(step.url).pathname)) throw new Error(`${step.url}: ${step.res.status} ${(await step.res.text()).slice(0, 500)}`);
		const details = (await (await browser.fetch(`${step.url}/details`)).json()) as { prompt: string };
		const answer = await interactionStep(browser, step.url, details.prompt === "login" ? "session" : "consent", accessToken);
		const body = (await answer.json()) as { location?: string };
		if (answer.status !== 200 || !body.location) throw new Error(`${step.url}: ${answer.status} ${JSON.stringify(body)}`);
		step = await browser.follow(body.location);
	}
	throw new Error(`the authorization did not finish: ${step.url}`);
}
