// CloudFront Function (viewer request, default behaviour → webapp bucket).
// A path whose last segment has no dot is a client-side route: serve the SPA shell. Done here,
// not with distribution-wide 403/404 error responses, which would also rewrite the API's 404s.
// biome-ignore lint/correctness/noUnusedVariables: CloudFront calls handler by name
function handler(event) {
  var request = event.request;
  var lastSegment = request.uri.substring(request.uri.lastIndexOf("/") + 1);
  if (lastSegment.indexOf(".") === -1) {
    request.uri = "/index.html";
  }
  return request;
}
