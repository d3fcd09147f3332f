// Records every attempt of this process to reach the network, loaded with `node --require` before the
// engine: sockets (net, tls, http, https, fetch all end in net.Socket.prototype.connect or
// tls.connect), DNS lookups and UDP sockets. Each attempt is appended to MAPORL_NET_LOG and then
// fails, as it would with no network. Plain CommonJS so that it loads without a TypeScript loader.
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const tls = require('node:tls');
const dns = require('node:dns');
const dgram = require('node:dgram');

const logFile = process.env.MAPORL_NET_LOG;
function attempt(what) {
  if (logFile) fs.appendFileSync(logFile, `${process.pid} ${what}\n`);
  const err = new Error(`network access in a test that forbids it: ${what}`);
  err.code = 'ENETUNREACH';
  return err;
}
const describe = (args) => JSON.stringify(args.filter((a) => typeof a !== 'function')).slice(0, 200);

net.Socket.prototype.connect = function connect(...args) {
  throw attempt(`net.Socket.connect ${describe(args)}`);
};
tls.connect = (...args) => {
  throw attempt(`tls.connect ${describe(args)}`);
};
for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'lookupService']) {
  dns[name] = (...args) => {
    throw attempt(`dns.${name} ${describe(args)}`);
  };
  if (dns.promises[name])
    dns.promises[name] = async (...args) => {
      throw attempt(`dns.promises.${name} ${describe(args)}`);
    };
}
dgram.createSocket = (...args) => {
  throw attempt(`dgram.createSocket ${describe(args)}`);
};
if (typeof globalThis.fetch === 'function')
  globalThis.fetch = async (...args) => {
    throw attempt(`fetch ${describe(args.map(String))}`);
  };
