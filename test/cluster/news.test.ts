import { it } from 'node:test';
import assert from 'node:assert/strict';
import { othersNews } from '../../src/cluster/news.js';

it("othersNews keeps another node's message and drops damaged ones and this node's own", () => {
  assert.deepEqual(othersNews('{"node":"b","account":"x"}', 'a'), { node: 'b', account: 'x' });
  assert.equal(othersNews('{"node":"a","account":"x"}', 'a'), undefined, 'its own');
  assert.equal(othersNews('{"node":"b",', 'a'), undefined, 'not JSON');
  // A valid JSON value that is no object (a hand-typed PUBLISH) must not throw in the subscriber.
  assert.equal(othersNews('null', 'a'), undefined);
  assert.equal(othersNews('42', 'a'), undefined);
});
