import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from '../../src/util/token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst, then one token per interval (wait / take)', () => {
    const b = new TokenBucket(2, 1000, 0);
    assert.equal(b.wait(0), 0);
    b.take(0);
    b.take(0);
    assert.equal(b.wait(0), 1000);
    assert.equal(b.wait(250), 750);
    assert.equal(b.wait(1000), 0);
  });

  it('tryTake consumes only when a token is there', () => {
    const b = new TokenBucket(1, 100, 0);
    assert.equal(b.tryTake(0), 0);
    assert.equal(b.tryTake(0), 100);
    assert.equal(b.tryTake(40), 60, 'a refused take consumed nothing');
    assert.equal(b.tryTake(100), 0);
  });

  it('never holds more than the burst, and reports when it is full again', () => {
    const b = new TokenBucket(3, 10, 0);
    b.take(0);
    assert.equal(b.full(5), false);
    assert.equal(b.full(10), true);
    b.take(1_000_000);
    b.take(1_000_000);
    b.take(1_000_000);
    assert.equal(b.wait(1_000_000), 10, 'three tokens after a long idle, not more');
  });
});
