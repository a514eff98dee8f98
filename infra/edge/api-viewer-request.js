// CloudFront Function (viewer request, /api/* and /l/* → Lambda function URL with OAC).
// 1. The function URL sees its own host name, so the viewer's Host travels as X-Forwarded-Host;
//    it is always overwritten here, so the app may trust it to build absolute URLs.
// 2. OAC signs the origin request and overwrites Authorization, so the viewer's credential is
//    copied to x-evergate-authorization first (and a viewer-sent copy never survives alone).
// 3. Lambda behind OAC needs the body's SHA-256 on POST. The link confirm page is a plain HTML
//    form with an empty body that cannot add headers, so a POST to /l/* without a hash gets the
//    empty body's; a POST that does carry a body then fails the signature check, as it should.
var EMPTY_BODY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
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
  if (request.method === "POST" && request.uri.indexOf("/l/") === 0 && !headers["x-amz-content-sha256"]) {
    headers["x-amz-content-sha256"] = { value: EMPTY_BODY_SHA256 };
  }
  return request;
}
