/** A transaction held open until the test ends it: on PostgreSQL it holds its line (the calls queued behind it wait). */
import type { Store } from '../../src/store/index.js';

export interface HeldTransaction {
  /** Let it commit; resolves once it has. */
  end(): Promise<void>;
}

/**
 * Open a transaction on `store` and keep it open; resolves once it is open.
 *
 * @example const held = await holdTransaction(store); … await held.end();
 */
export async function holdTransaction(store: Pick<Store, 'transaction'>): Promise<HeldTransaction> {
  let release!: () => void;
  let entered!: () => void;
  const inside = new Promise<void>((r) => (entered = r));
  const holding = store.transaction(
    () =>
      new Promise<void>((r) => {
        release = r;
        entered();
      }),
  );
  await inside;
  return {
    end: () => {
      release();
      return holding;
    },
  };
}
