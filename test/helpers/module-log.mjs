// Preload (`node --import`) for process tests: appends the URL of every ES module the process loads,
// and the id of every CommonJS `require`, one per line, to the file named by WEIROTO_MODULE_LOG. A
// test reads it to see what a running server has loaded so far (lazy loading).
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const file = process.env.WEIROTO_MODULE_LOG;
if (!file) throw new Error('module-log.mjs needs WEIROTO_MODULE_LOG');
register('./module-log-hooks.mjs', import.meta.url, { data: { file } });
const load = Module._load;
Module._load = function (request, parent, isMain) {
  appendFileSync(file, `require ${request}\n`);
  return load.call(this, request, parent, isMain);
};
