// Fault injection for child processes of the fault tests, loaded with `node --require` before the
// engine: it wraps the synchronous `fs` calls the engine writes with (the bundle reads them off the
// module object at each call, so the wrappers see every one) and counts those whose path contains
// MAPORL_FAULT_MATCH (default "/checkpoints/": the checkpoint writers, from the temporary directory
// to the rename). Plain CommonJS so that it loads without a TypeScript loader.
//
//   MAPORL_FAULT_KILL_AT=N      SIGKILL this process just before the N-th matching call
//   MAPORL_FAULT_COUNT_FILE=F   write the number of matching calls to F at exit (a baseline run)
//   MAPORL_FAULT_ENOSPC_AFTER=B matching writes fail with ENOSPC once B bytes were written (disk full)
//   MAPORL_FAULT_EROFS=1        matching calls that create or change files fail with EROFS
'use strict';
const fs = require('node:fs');

const env = process.env;
const match = env.MAPORL_FAULT_MATCH || '/checkpoints/';
const killAt = Number(env.MAPORL_FAULT_KILL_AT || 0);
const enospcAfter = env.MAPORL_FAULT_ENOSPC_AFTER === undefined ? Infinity : Number(env.MAPORL_FAULT_ENOSPC_AFTER);
const erofs = env.MAPORL_FAULT_EROFS === '1';
const fdPaths = new Map();
let count = 0;
let written = 0;

function fail(code, syscall, p) {
  const err = new Error(`${code}: ${code === 'ENOSPC' ? 'no space left on device' : 'read-only file system'}, ${syscall} '${p}'`);
  err.code = code;
  err.syscall = syscall;
  err.path = p;
  return err;
}

const pathOf = (x) =>
  typeof x === 'number'
    ? fdPaths.get(x)
    : typeof x === 'string'
      ? x
      : x instanceof URL
        ? x.pathname
        : Buffer.isBuffer(x)
          ? x.toString()
          : undefined;
const byteLength = (data) =>
  typeof data === 'string' ? Buffer.byteLength(data) : data && data.byteLength !== undefined ? data.byteLength : 0;

/** Wraps fs[name]: `writes` says whether the call creates or changes a file, `bytes` how many bytes it writes. */
function wrap(name, { writes, bytes }) {
  const original = fs[name];
  fs[name] = function wrapped(...args) {
    const p = [pathOf(args[0]), name === 'renameSync' ? pathOf(args[1]) : undefined].filter(Boolean).join(' -> ');
    if (p && p.includes(match)) {
      count++;
      if (killAt && count === killAt) process.kill(process.pid, 'SIGKILL');
      if (writes && erofs) throw fail('EROFS', name.replace(/Sync$/, ''), p);
      if (bytes) {
        const n = bytes(args);
        if (written + n > enospcAfter) throw fail('ENOSPC', 'write', p);
        written += n;
      }
    }
    const result = original.apply(this, args);
    if (name === 'openSync' && typeof result === 'number' && typeof p === 'string') fdPaths.set(result, p);
    if (name === 'closeSync') fdPaths.delete(args[0]);
    return result;
  };
}

const openWrites = (args) => typeof args[1] === 'string' && /[wa+]/.test(args[1]);
wrap('openSync', { writes: false });
wrap('closeSync', { writes: false });
wrap('fsyncSync', { writes: false });
wrap('writeSync', { writes: true, bytes: (args) => byteLength(args[1]) });
wrap('writeFileSync', { writes: true, bytes: (args) => byteLength(args[1]) });
wrap('appendFileSync', { writes: true, bytes: (args) => byteLength(args[1]) });
wrap('mkdirSync', { writes: true });
wrap('renameSync', { writes: true });
wrap('rmSync', { writes: true });
wrap('truncateSync', { writes: true });
wrap('copyFileSync', { writes: true });
// An open for writing on a read-only file system fails at the open.
const open = fs.openSync;
fs.openSync = function openChecked(...args) {
  const p = pathOf(args[0]);
  if (erofs && p && p.includes(match) && openWrites(args)) throw fail('EROFS', 'open', p);
  return open.apply(this, args);
};

if (env.MAPORL_FAULT_COUNT_FILE) process.on('exit', () => fs.writeFileSync(env.MAPORL_FAULT_COUNT_FILE, String(count)));
