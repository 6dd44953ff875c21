// Starts Swagger UI on /api.html; a file of its own because the CSP allows no inline
// script. The document URL is relative, so the page works under any base URL; the
// validator badge is off, as it would call an outside service.
window.SwaggerUIBundle({
  url: "api",
  dom_id: "#swagger-ui",
  validatorUrl: null,
  deepLinking: true,
});
