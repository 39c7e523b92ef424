/** A real pino logger (src/logger.ts, with its redaction) whose JSON lines a test can read back. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.js';

export interface CapturedLog {
  log: Logger;
  /** Every line written so far, as written. */
  lines: string[];
  /** The lines parsed (pino levels: 20 debug, 30 info, 40 warn, 50 error). */
  records(): { level: number; msg: string; [key: string]: unknown }[];
}

export function captureLog(level = 'trace'): CapturedLog {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  return {
    log: createLogger({ level, destination }),
    lines,
    records: () => lines.map((l) => JSON.parse(l) as { level: number; msg: string }),
  };
}
