import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsLogin, parseLoginPage, parseLoginPoll, parseSyncCheck } from '../../src/protocol/bodies.js';

describe('parseJsLogin(body)', () => {
  it('reads the real body', () =>
    assert.deepEqual(parseJsLogin('window.QRLogin.code = 200; window.QRLogin.uuid = "4dcaWx3uBw==";'), { code: 200, uuid: '4dcaWx3uBw==' }));
  it('tolerates no spaces', () => assert.deepEqual(parseJsLogin('window.QRLogin.code=200;window.QRLogin.uuid="abc==";'), { code: 200, uuid: 'abc==' }));
  it('error code without uuid', () => assert.deepEqual(parseJsLogin('window.QRLogin.code = 400;'), { code: 400 }));
  it('garbage', () => assert.equal(parseJsLogin('<html>'), undefined));
});

describe('parseLoginPoll(body)', () => {
  const cases: [string, string, unknown][] = [
    ['408', 'window.code=408;', { code: 408 }],
    ['201 with avatar', "window.code=201;window.userAvatar = 'data:img/jpg;base64,/9j/AA==';", { code: 201, avatar: 'data:img/jpg;base64,/9j/AA==' }],
    [
      '200 with redirect',
      'window.code=200;\nwindow.redirect_uri="https://wx2.qq.com/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=A6NZ@qrticket_0&uuid=4dcaWx3uBw==&lang=zh_CN&scan=1463755895";',
      {
        code: 200,
        redirectUri: 'https://wx2.qq.com/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=A6NZ@qrticket_0&uuid=4dcaWx3uBw==&lang=zh_CN&scan=1463755895',
      },
    ],
    ['spaces', 'window.code = 202 ;', { code: 202 }],
    ['garbage', 'xx', undefined],
  ];
  for (const [name, body, want] of cases) it(name, () => assert.deepEqual(parseLoginPoll(body), want));
});

describe('parseSyncCheck(body)', () => {
  const cases: [string, unknown][] = [
    ['window.synccheck={retcode:"0",selector:"2"}', { retcode: 0, selector: 2 }],
    ['window.synccheck={retcode:"1101",selector:"0"}', { retcode: 1101, selector: 0 }],
    ['window.synccheck = { retcode : "0" , selector : "7" };', { retcode: 0, selector: 7 }],
    ['garbage!', undefined],
    ['', undefined],
  ];
  for (const [body, want] of cases) it(JSON.stringify(body), () => assert.deepEqual(parseSyncCheck(body), want));
});

describe('parseLoginPage(body)', () => {
  it('success XML', async () => {
    const p = await parseLoginPage(
      '<error><ret>0</ret><message></message><skey>@crypt_8e4ad7fa_2703</skey><wxsid>PsWd4FvKROR5EVcG</wxsid><wxuin>155217200</wxuin><pass_ticket>VgRra8ty%2BX1PB9w9w%3D</pass_ticket><isgrayscale>1</isgrayscale></error>',
    );
    assert.deepEqual(p, {
      ret: 0,
      message: '',
      skey: '@crypt_8e4ad7fa_2703',
      wxsid: 'PsWd4FvKROR5EVcG',
      wxuin: '155217200',
      pass_ticket: 'VgRra8ty%2BX1PB9w9w%3D',
      isgrayscale: '1',
    });
  });
  it('1203 refusal keeps the message', async () => {
    const p = await parseLoginPage('<error><ret>1203</ret><message>当前登录环境异常。为了你的帐号安全，暂时不能登录web微信。</message></error>');
    assert.equal(p?.ret, 1203);
    assert.match(p?.message ?? '', /当前登录环境异常/);
    assert.equal(p?.skey, undefined);
  });
  it('HTML page is not the XML', async () => assert.equal(await parseLoginPage('<html><head></head></html>'), undefined));
});
