/** A storage problem phrased for the operator (printed as one line at start). */
export class StoreError extends Error {
  override readonly name = 'StoreError';
}
