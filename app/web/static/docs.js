// Starts Swagger UI on /docs. A file of its own: the page's CSP allows no inline script.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json", // relative: stays under a REST API stage prefix
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // no badge fetched from validator.swagger.io
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
  });
});
