// The API documentation page at /api/docs: Swagger UI over the server's own OpenAPI document,
// bundled from npm like the console (no CDN, no validator badge calling out).
import SwaggerUIBundle from 'swagger-ui-dist/swagger-ui-es-bundle.js'
import 'swagger-ui-dist/swagger-ui.css'

SwaggerUIBundle({
  url: '/api/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  // Requests from "Try it out" carry the console's session cookie, like the console's own.
  withCredentials: true,
  // Tags open one at a time: the whole document open at once (a hundred and more operations)
  // left Swagger UI rendering only its first tag.
  docExpansion: 'none',
})
