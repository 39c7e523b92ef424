// A node's account lines keep a place only for the accounts it still serves: ids of removed accounts are forgotten,
// and their places on the lines go to the accounts that come next.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AccountLines } from '../../../src/store/sql/account-lines.js';

describe('AccountLines.forget(account)', () => {
  it('keeps nothing of accounts added and removed, and gives their places back to the lines', () => {
    const lines = new AccountLines(3);
    const stays = lines.of('stays');
    for (let i = 0; i < 1000; i++) {
      lines.of(`passing ${i}`);
      lines.forget(`passing ${i}`);
    }
    assert.equal(lines.size, 1, 'only the account still here has a line');
    assert.equal(lines.of('stays'), stays, 'the same line as before');
    const next = [lines.of('b'), lines.of('c')];
    assert.equal(new Set([stays, ...next]).size, 3, 'the next two accounts go to the two free lines');
  });

  it('forgets an account it never placed without touching the others', () => {
    const lines = new AccountLines(2);
    const a = lines.of('a');
    lines.forget('never placed');
    assert.notEqual(lines.of('b'), a, 'b goes to the free line');
    assert.equal(lines.size, 2);
  });
});
