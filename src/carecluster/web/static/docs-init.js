// Starts Swagger UI on /docs from the packaged copy (a file, as the Content Security Policy allows
// no inline script). No validator badge: it would ask validator.swagger.io about the document.
const root = document.getElementById("swagger-ui");
window.SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  domNode: root,
  validatorUrl: null,
  deepLinking: true,
  presets: [window.SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
