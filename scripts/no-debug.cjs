// The `debug` package as the function bundles carry it: never enabled, whatever DEBUG says.
// httpx (pop-core's HTTP client) prints every request line and body under DEBUG=httpx:* straight to
// stderr, past the logger's redaction: the signed URL of a GET, and the Signature and SecurityToken
// of a POST body (node_modules/httpx/lib/index.js, debugHeader/debugBody). An environment variable
// set for some other reason must not be able to switch that on in production.
'use strict';

function createDebug() {
  const debug = () => undefined;
  debug.enabled = false;
  debug.extend = () => createDebug();
  return debug;
}
createDebug.enable = () => undefined;
createDebug.disable = () => '';
createDebug.enabled = () => false;

module.exports = createDebug;
module.exports.default = createDebug;
