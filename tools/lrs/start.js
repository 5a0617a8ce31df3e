// Starts Learning Locker's xAPI statements service bound to 127.0.0.1 only.
// The service calls app.listen(port) with no host, which binds every interface; this wrapper
// supplies the loopback host so the LRS is never reachable from outside the machine.
const http = require('http');
const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (port, ...rest) {
  if (rest.length === 0 || typeof rest[0] === 'function') {
    return listen.call(this, port, process.env.LRS_HOST || '127.0.0.1', ...rest);
  }
  return listen.apply(this, [port, ...rest]);
};
require('xapi-statements/dist/server.js');
