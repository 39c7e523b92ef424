/**
 * How WeChat took an iLink verification code, read from what the login does next: the phone asks for
 * digits again (the code was wrong), a new QR replaces the one the code was for (it expired, or wrong
 * codes blocked it), or the login moves on (waiting for the confirm tap, online). The panel and the
 * API show the answer where the code was typed, on whichever node that was.
 */
import type { Bot } from '../bot/bot.js';
import type { Clock } from '../util/clock.js';

/** `expired`: the QR the code was for is gone (expired, blocked after wrong codes, or its login ended). `pending`: no answer within the wait; the login page follows it live. */
export type VerifyAnswer = 'accepted' | 'wrong' | 'expired' | 'pending';

export const VERIFY_ANSWERS: readonly VerifyAnswer[] = ['accepted', 'wrong', 'expired', 'pending'];

/** How long a submitted code waits for WeChat's answer before it is reported `pending`. */
export const VERIFY_ANSWER_WAIT_MS = 8000;

/**
 * Type the code into the account's login and resolve with WeChat's answer. Listens before the code
 * goes out, so an answer that comes at once is not missed; throws what the transport throws for a
 * code it cannot take (no login waiting for one).
 */
export function typeVerifyCode(bot: Bot, code: string, clock: Clock, waitMs = VERIFY_ANSWER_WAIT_MS): Promise<VerifyAnswer> {
  const qrBefore = bot.info().qr?.id;
  const waited = new AbortController();
  const offs: (() => void)[] = [];
  let settle!: (answer: VerifyAnswer) => void;
  const answer = new Promise<VerifyAnswer>((resolve) => {
    settle = (a) => {
      for (const off of offs.splice(0)) off();
      waited.abort();
      resolve(a);
    };
  });
  offs.push(
    // A fresh ask (`retry: false`) comes only with a new QR, which the 'qr' listener reports.
    bot.transport.on('verify-code', ({ retry }) => {
      if (retry) settle('wrong');
    }),
    bot.on('qr', (qr) => {
      if (qr.id !== qrBefore) settle('expired');
    }),
    bot.on('state', ({ state }) => {
      if (state === 'waiting-confirm' || state === 'online') settle('accepted');
      else if (state !== 'waiting-scan' && state !== 'starting') settle('expired');
    }),
  );
  try {
    bot.submitVerifyCode(code);
  } catch (e) {
    settle('pending');
    throw e;
  }
  clock.sleep(waitMs, waited.signal).then(
    () => settle('pending'),
    () => {},
  );
  return answer;
}
