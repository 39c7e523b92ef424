/**
 * attemptAction(bot, action, context, call): why a contact or group action was not done, for each way it
 * can fail, in the user's language and never with the transport's own (English, wire-worded) message.
 * The browser test (directory-actions) drives the main ones through the sandbox; this table covers them all.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { attemptAction, GoneError, type DirectoryAction } from '../../src/admin/directory-failure.js';
import type { AdminBot } from '../../src/admin/deps.js';
import { translator, type Locale } from '../../src/admin/i18n.js';
import { wechatCodeMeaning } from '../../src/admin/wechat-codes.js';
import { ILINK_CAPABILITIES, WEB_CAPABILITIES, type TransportCapabilities } from '../../src/transport/capabilities.js';
import { TransportError } from '../../src/transport/errors.js';
import type { AccountState } from '../../src/bot/types.js';

/** Only what attemptAction reads of an account. */
function account(capabilities: TransportCapabilities, state: AccountState = 'online'): AdminBot {
  return { capabilities, info: () => ({ id: 'shop', name: 'shop', enabled: true, state }) } as unknown as AdminBot;
}

const WIRE = 'webwxupdatechatroom modtopic: WeChat answered Ret';

describe('attemptAction(bot, action, context, call)', () => {
  for (const locale of ['en', 'zh-CN'] as const satisfies readonly Locale[]) {
    const t = translator(locale);
    const c = { t, locale, params: { name: 'Olivia' } };
    const refused = (action: DirectoryAction, why: string): string => t('op.refused', { what: t(`op.${action}`, c.params), why });
    const cases: { name: string; action: DirectoryAction; thrown: unknown; status: number; text: string }[] = [
      {
        name: 'a frequency limit (1205)',
        action: 'rename',
        thrown: new TransportError('rate-limited', `${WIRE} 1205`, 1205),
        status: 502,
        text: refused('rename', wechatCodeMeaning('web', 1205, locale)!),
      },
      {
        name: 'a group that is gone (1201)',
        action: 'invite',
        thrown: new TransportError('rejected', `${WIRE} 1201`, 1201),
        status: 502,
        text: refused('invite', wechatCodeMeaning('web', 1201, locale)!),
      },
      {
        name: 'removing members of a group not owned (-2)',
        action: 'remove',
        thrown: new TransportError('server', `${WIRE} -2`, -2),
        status: 502,
        text: refused('remove', t('op.why.notOwner')),
      },
      {
        name: 'a code nobody knows',
        action: 'remark',
        thrown: new TransportError('server', `${WIRE} 4711`, 4711),
        status: 502,
        text: refused('remark', t('op.why.unknownCode', { code: 4711 })),
      },
      {
        name: 'the session ended',
        action: 'accept',
        thrown: new TransportError('logged-out', `${WIRE} 1101`, 1101),
        status: 502,
        text: refused('accept', t('op.why.loggedOut')),
      },
      {
        name: 'WeChat unreachable',
        action: 'rename',
        thrown: new TransportError('network', 'POST /cgi-bin/mmwebwx-bin/webwxupdatechatroom ECONNREFUSED'),
        status: 502,
        text: t('op.unreachable', { what: t('op.rename') }),
      },
      { name: 'the contact is gone', action: 'remark', thrown: new GoneError(t('op.noContact')), status: 404, text: t('op.noContact') },
      {
        name: 'a fault of weiroto',
        action: 'remark',
        thrown: new TypeError(`${WIRE}: cannot read RemarkName`),
        status: 500,
        text: t('op.unexpected', { what: t('op.remark', c.params) }),
      },
    ];
    for (const k of cases) {
      it(`${k.name} (${locale}): ${k.status}, said in the page's language without the transport's words`, async () => {
        const failure = await attemptAction(account(WEB_CAPABILITIES), k.action, c, () => Promise.reject(k.thrown));
        assert.equal(failure?.status, k.status);
        assert.equal(failure.text, k.text);
        assert.ok(!failure.text.includes('webwx') && !failure.text.includes('Ret'), failure.text);
        assert.equal(failure.cause, k.status === 500 ? k.thrown : undefined, 'only a fault of weiroto goes to the log');
      });
    }

    it(`an account whose transport cannot do it (${locale}): 422 with what it lacks, and WeChat is not asked`, async () => {
      let asked = false;
      const failure = await attemptAction(account(ILINK_CAPABILITIES), 'rename', c, async () => {
        asked = true;
      });
      assert.deepEqual(failure, { status: 422, text: t('op.unsupported', { what: t('op.rename'), why: t('cap.rooms') }) });
      assert.equal(asked, false);
    });

    it(`an account that is not online (${locale}): 409 naming its state, and WeChat is not asked`, async () => {
      let asked = false;
      const failure = await attemptAction(account(WEB_CAPABILITIES, 'logged-out'), 'remark', c, async () => {
        asked = true;
      });
      assert.deepEqual(failure, { status: 409, text: t('op.offline', { what: t('op.remark', c.params), state: t('state.logged-out') }) });
      assert.equal(asked, false);
    });

    it(`a done action (${locale}): undefined`, async () => {
      assert.equal(await attemptAction(account(WEB_CAPABILITIES), 'invite', c, async () => {}), undefined);
    });
  }
});
