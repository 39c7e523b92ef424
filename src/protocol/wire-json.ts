/** JSON from the wire lives in src/util (shared with the iLink client). */
export { decodeUtf8, parseWireJson, protectBigInts } from '../util/wire-json.js';
