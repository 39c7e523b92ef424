import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scrubSecrets } from '../src/logger.js';
import { captureLog } from './helpers/log-capture.js';

const capture = (): { lines: string[]; log: ReturnType<typeof captureLog>['log'] } => captureLog('trace');

const SECRETS = ['@crypt_8e4ad7fa_2703a47a0123', 'PsWd4FvKROR5EVcG', 'VgRra8tyX1PB9w9w%3D', 'gSeBbuhX+0kFdkXbgeQwr6Ck', 'tok_supersecret123', 'hunter2hunter2'];

describe('createLogger() redaction', () => {
  it('never writes skey, sid, pass_ticket, cookies, tokens or passwords', () => {
    const { lines, log } = capture();
    const child = log.child({ account: 'a1' }).child({ plugin: 'ai' });
    child.info({ skey: SECRETS[0], sid: SECRETS[1], pass_ticket: SECRETS[2] }, 'login ok');
    child.info({ session: { cookies: { webwx_data_ticket: SECRETS[3] } } }, 'saved');
    child.info({ req: { headers: { authorization: `Bearer ${SECRETS[4]}`, cookie: `wxsid=${SECRETS[1]}` } } }, 'request');
    child.info({ user: { password: SECRETS[5] } }, 'user');
    child.info({ BaseRequest: { Uin: 1, Sid: SECRETS[1], Skey: SECRETS[0] } }, 'raw');
    child.warn(`GET https://wx2.qq.com/cgi-bin/mmwebwx-bin/webwxsync?sid=${SECRETS[1]}&skey=${SECRETS[0]}&pass_ticket=${SECRETS[2]}`);
    child.error({ err: new Error(`failed with skey=${SECRETS[0]} and Bearer ${SECRETS[4]}`) }, 'boom');
    assert.equal(lines.length, 7);
    const all = lines.join('\n');
    for (const s of SECRETS) assert.ok(!all.includes(s), `leaked ${s}: ${all}`);
    assert.ok(all.includes('[redacted]'));
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(first.account, 'a1');
    assert.equal(first.plugin, 'ai');
    assert.equal(first.msg, 'login ok');
  });

  it('keeps ordinary fields', () => {
    const { lines, log } = capture();
    log.info({ chat: '@@room', count: 3 }, 'synced');
    const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(rec.chat, '@@room');
    assert.equal(rec.count, 3);
  });
});

describe('scrubSecrets(text)', () => {
  it('scrubs query parameters, crypt values and bearer tokens', () => {
    assert.equal(scrubSecrets('a?skey=@crypt_ab_cd&x=1'), 'a?skey=[redacted]&x=1');
    assert.equal(scrubSecrets('wxsid=abc; webwx_data_ticket=zzz'), 'wxsid=[redacted]; webwx_data_ticket=[redacted]');
    assert.equal(scrubSecrets('Authorization: Bearer abc.def'), 'Authorization: Bearer [redacted]');
    assert.equal(scrubSecrets('key @crypt_deadbeef_0011 here'), 'key @crypt_[redacted] here');
  });
});
