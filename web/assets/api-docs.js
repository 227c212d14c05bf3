// @ts-check
/**
 * Starts Swagger UI (from the installed swagger-ui-dist package, loaded before this file) on /api/docs:
 * the document from /api/openapi.json, "try it" against this same origin. No validator badge: it would
 * send the document to an outside service.
 */
const ui = /** @type {any} */ (window).SwaggerUIBundle;
if (typeof ui === "function") {
	ui({
		url: "/api/openapi.json",
		dom_id: "#swagger-ui",
		deepLinking: true,
		validatorUrl: null,
		tryItOutEnabled: true,
		presets: [ui.presets.apis],
		layout: "BaseLayout"
	});
}
