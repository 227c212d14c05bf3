import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
	{ ignores: ["node_modules/", "dist/", "data/", "coverage/"] },
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		languageOptions: { globals: { ...globals.node, ...globals.jest } },
		rules: {
			"@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
			"@typescript-eslint/no-explicit-any": "error"
		}
	},
	// Tests read response bodies loosely; production code may not.
	{ files: ["test/**/*.ts"], rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-non-null-assertion": "off" } },
	{ files: ["**/*.js", "**/*.cjs"], rules: { "@typescript-eslint/no-require-imports": "off" } },
	// The hosted pages' modules run in the browser.
	{ files: ["web/assets/**/*.js"], languageOptions: { sourceType: "module", globals: { ...globals.browser } } }
);
