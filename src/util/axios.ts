/**
 * axios, loaded on first use. It weighs about 20 MiB of RSS once imported (its node adapter pulls in
 * http2, form-data, follow-redirects…), and a running bot needs it only for media transfers and for
 * plugins that call `api.http`. Loaded through `require` (its CommonJS build) so that the one
 * synchronous caller, the plugins' `api.http` getter, can have it too: every caller shares one copy.
 */
import type { AxiosStatic } from 'axios';
import { requireLater } from './require-later.js';

/**
 * @example const client = loadAxios().create({ timeout: 30_000, proxy: false });
 */
export const loadAxios = requireLater<AxiosStatic>('axios');
