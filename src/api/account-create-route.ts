/**
 * Adding an account over the API: `POST /accounts {name?, transport?}` — `web` (the web protocol,
 * the default) or `ilink` (WeChat's official bot API). Answers 201 with the account, which starts
 * at once and shows its QR in `qr`; an iLink login that asks for the phone's digits takes them at
 * `POST /accounts/{id}/verify-code {code}`.
 */
import type Router from '@koa/router';
import { z } from 'zod';
import { isTransportError } from '../transport/errors.js';
import { ApiError } from './errors.js';
import { invalid } from './accounts-routes.js';
import type { ApiDeps } from './types.js';
import type { VerifyAnswer } from '../accounts/index.js';

const createBody = z.strictObject({
  name: z.string().trim().max(64).optional(),
  transport: z.enum(['web', 'ilink'], { message: '"web" or "ilink"' }).optional(),
});

const verifyBody = z.strictObject({
  code: z
    .string()
    .trim()
    .regex(/^\d{1,12}$/, 'the digits the phone shows'),
});

export function accountCreateRoutes(router: Router, deps: ApiDeps): void {
  router.post('/accounts', async (ctx) => {
    const add = deps.manager.add;
    if (!add) throw new ApiError(404, 'not_found', 'Accounts cannot be added here.');
    const body = createBody.safeParse(ctx.request.body ?? {});
    if (!body.success) throw invalid(body.error, 'Invalid account');
    const b = await add.call(deps.manager, body.data.name || undefined, { transport: body.data.transport ?? 'web' });
    ctx.status = 201;
    ctx.body = b.info();
  });

  // Answers once WeChat took the code (`verifyAnswer`: accepted, wrong, expired; pending when it has not
  // answered within a few seconds), typed in by whichever node runs the account.
  router.post('/accounts/:id/verify-code', async (ctx) => {
    const id = String(ctx.params.id);
    const b = deps.manager.get(id);
    const submit = deps.manager.submitVerifyCode;
    if (!b || !submit) throw new ApiError(404, 'not_found', `No account ${id}.`);
    const body = verifyBody.safeParse(ctx.request.body ?? {});
    if (!body.success) throw invalid(body.error, 'Invalid verification code');
    if (!b.info().verifyCode) throw new ApiError(409, 'conflict', 'This account is not waiting for a verification code.');
    let answer: VerifyAnswer;
    try {
      answer = await submit.call(deps.manager, id, body.data.code);
    } catch (e) {
      if (isTransportError(e)) throw new ApiError(409, 'conflict', e.message);
      throw e;
    }
    ctx.body = { ...b.info(), verifyAnswer: answer };
  });
}
