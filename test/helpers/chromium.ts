/**
 * Chromium for the browser suites: where it is, how it is launched (nothing downloads a browser), and
 * `describeBrowser`, which skips with a printed reason locally and fails under CI=true when it is missing.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";

const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

export function launchChromium(): Promise<Browser> {
	return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** `describe` when Chromium is here; otherwise a skip with the reason (locally) or a failure (CI). */
export function describeBrowser(name: string, suite: () => void): void {
	if (existsSync(CHROMIUM)) return describe(name, suite);
	if (process.env.CI === "true") throw new Error(`"${name}" needs Chromium at ${CHROMIUM} (apt-get install chromium)`);
	console.warn(`Skipping "${name}": no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_BIN).`);
	describe.skip(name, suite);
}

/** Fills and sends the hosted login page's password form (the page has a magic-link form too). */
export async function signInOnHostedLogin(page: Page, email: string, password: string): Promise<void> {
	await page.locator("#login-email").fill(email);
	await page.locator("#login-password").fill(password);
	await page.locator("#login-form button[type=submit]").click();
}
