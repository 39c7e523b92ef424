// Stand-ins for the few OpenClaw host functions the plugin's api/auth/messaging modules import.
// Our own minimal versions (the host is not installed): enough for login, receive and reply.
import os from 'node:os';

export function resolvePreferredOpenClawTmpDir() {
  return os.tmpdir();
}
export function normalizeAccountId(id) {
  return String(id ?? '').trim();
}
export async function withFileLock(_path, _opts, fn) {
  return (typeof _opts === 'function' ? _opts : fn)();
}
export function loadConfig() {
  return {};
}
export async function writeConfigFile() {}
