// CloudFront Function (viewer request, /api/* and /l/* → Lambda function URL with OAC).
// 1. The function URL sees its own host name, so the viewer's Host travels as X-Forwarded-Host;
//    it is always overwritten here, so the app may trust it to build absolute URLs.
// 2. OAC signs the origin request and overwrites Authorization, so the viewer's credential is
//    copied to x-evergate-authorization first (and a viewer-sent copy never survives alone).
// biome-ignore lint/correctness/noUnusedVariables: CloudFront calls handler by name
function handler(event) {
  var request = event.request;
  var headers = request.headers;
  headers["x-forwarded-host"] = { value: headers.host.value };
  if (headers.authorization) {
    headers["x-evergate-authorization"] = { value: headers.authorization.value };
  } else {
    delete headers["x-evergate-authorization"];
  }
  return request;
}
