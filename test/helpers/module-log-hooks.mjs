// Loader hooks of module-log.mjs (they run on Node's loader thread).
import { appendFileSync } from 'node:fs';

let file;
export function initialize(data) {
  file = data.file;
}
export async function load(url, context, nextLoad) {
  appendFileSync(file, `import ${url}\n`);
  return nextLoad(url, context);
}
