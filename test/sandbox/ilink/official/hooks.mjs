// ESM resolve hook for the official-client check: the plugin's dist imports a few helpers of its
// host (`openclaw/plugin-sdk/*`, a peer dependency we do not install); map them to our small stand-in.
const STUB = new URL('./openclaw-host-stub.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier.startsWith('openclaw/plugin-sdk/')) return { url: STUB, shortCircuit: true };
  return next(specifier, context);
}
