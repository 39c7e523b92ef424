// A send's URL is built once per session and kept (WebApi.sessionUrl, issue 17): kept only while what
// it is made of holds. A new pass ticket or web host (a new login, a resumed session) is in the next URL.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TIMEOUTS, WebApi } from '../../src/protocol/api.js';
import { HttpSession } from '../../src/protocol/http.js';
import { hostsFor } from '../../src/protocol/hosts.js';
import type { SessionState } from '../../src/protocol/session.js';
import { systemClock } from '../../src/util/clock.js';

const state = (web: string, passTicket: string): SessionState => ({
  hosts: hostsFor(web),
  uin: '1',
  sid: 's',
  skey: '@k',
  passTicket,
  inviteStartCount: 0,
  loginAt: 0,
});

const query = (_endpoint: string, api: WebApi): Record<string, string> => ({ lang: api.opts.lang, pass_ticket: api.state.passTicket });

describe('WebApi.sessionUrl', () => {
  it('follows the pass ticket and the web host, and keeps each endpoint apart', () => {
    const api = new WebApi(new HttpSession(), state('wx2.qq.com', 'T1'), { lang: 'en_US', desktop: false, timeouts: DEFAULT_TIMEOUTS, clock: systemClock });
    const first = api.sessionUrl('webwxsendmsg', query);
    assert.equal(first, 'https://wx2.qq.com/cgi-bin/mmwebwx-bin/webwxsendmsg?lang=en_US&pass_ticket=T1');
    assert.equal(api.sessionUrl('webwxsendmsg', query), first, 'the same session: the same URL');
    assert.equal(api.sessionUrl('webwxsendemoticon', query), 'https://wx2.qq.com/cgi-bin/mmwebwx-bin/webwxsendemoticon?lang=en_US&pass_ticket=T1');
    api.state.passTicket = 'T2';
    assert.equal(api.sessionUrl('webwxsendmsg', query), 'https://wx2.qq.com/cgi-bin/mmwebwx-bin/webwxsendmsg?lang=en_US&pass_ticket=T2');
    api.state = state('wx.qq.com', 'T2');
    assert.equal(api.sessionUrl('webwxsendmsg', query), 'https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxsendmsg?lang=en_US&pass_ticket=T2');
  });
});
