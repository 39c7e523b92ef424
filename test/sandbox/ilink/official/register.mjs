// `node --import ./register.mjs`: install the resolve hook above.
import { register } from 'node:module';
register('./hooks.mjs', import.meta.url);
