/**
 * The sandbox's control API refuses what a hostile web page could send: bodies that are not JSON,
 * requests a browser marks as cross-site or sends from another origin, and host names it was not
 * started with (DNS rebinding); in Chromium a page on another site cannot scan a QR code. Tests,
 * benchmarks and the phone page (same origin) keep working: they send JSON without Origin.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { chromium, type Browser } from 'playwright-core';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { RawClient } from './raw-client.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A POST with any headers (Host included, which fetch does not let a caller set). */
function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A sandbox with one QR code waiting for a scan, and a reader of that code's status. */
async function sandboxWithWaitingQr(): Promise<{ sb: RunningSandbox; uuid: string; status(): Promise<string | undefined> }> {
  const sb = await startSandbox({ holdMs: 300 });
  const c = new RawClient(sb.origin);
  await c.jslogin();
  return { sb, uuid: c.uuid, status: async () => (await sb.control.state()).qrcodes.find((q) => q.uuid === c.uuid)?.status };
}

describe('sandbox control API guard', () => {
  let sb: RunningSandbox;
  let uuid = '';
  let status: () => Promise<string | undefined>;

  before(async () => {
    ({ sb, uuid, status } = await sandboxWithWaitingQr());
  });
  after(async () => {
    await sb?.close();
  });

  it('listens on loopback unless told otherwise', () => {
    assert.match(sb.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuses text/plain and form bodies (what a cross-site form can send) with 415, and does nothing', async () => {
    const scan = `${sb.origin}/sandbox/api/qr/scan`;
    const body = JSON.stringify({ uuid });
    assert.equal((await post(scan, { 'content-type': 'text/plain' }, body)).status, 415);
    assert.equal((await post(scan, { 'content-type': 'application/x-www-form-urlencoded' }, `uuid=${uuid}`)).status, 415);
    assert.equal((await post(scan, {}, body)).status, 415, 'no content type at all');
    assert.equal(await status(), 'waiting');
  });

  it('refuses cross-site and other-origin requests, and host names it does not serve, with 403', async () => {
    const scan = `${sb.origin}/sandbox/api/qr/scan`;
    const json = { 'content-type': 'application/json' };
    const body = JSON.stringify({ uuid });
    assert.equal((await post(scan, { ...json, 'sec-fetch-site': 'cross-site' }, body)).status, 403);
    assert.equal((await post(scan, { ...json, 'sec-fetch-site': 'same-site' }, body)).status, 403);
    assert.equal((await post(scan, { ...json, origin: 'http://evil.example' }, body)).status, 403);
    assert.equal((await post(scan, { ...json, origin: 'null' }, body)).status, 403);
    const port = new URL(sb.origin).port;
    assert.equal((await post(scan, { ...json, host: `rebind.example:${port}` }, body)).status, 403);
    assert.equal(await status(), 'waiting');
    // What the control client, tests and benchmarks send: JSON, no Origin.
    assert.equal((await post(scan, { ...json, host: `localhost:${port}` }, body)).status, 200);
    assert.equal(await status(), 'scanned');
  });
});

describe('sandbox control API in Chromium', () => {
  let sb: RunningSandbox;
  let browser: Browser;
  let attacker: Server;
  let attackerPort = 0;
  let uuid = '';
  let status: () => Promise<string | undefined>;

  before(async () => {
    ({ sb, uuid, status } = await sandboxWithWaitingQr());
    attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>evil</title>'));
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
    attackerPort = (attacker.address() as { port: number }).port;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-background-networking',
        '--host-resolver-rules=MAP evil.example 127.0.0.1, MAP rebind.example 127.0.0.1',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await new Promise<void>((r) => (attacker ? attacker.close(() => r()) : r()));
    await sb?.close();
  });

  it('a page on another site cannot scan a QR: neither a no-cors fetch nor a text/plain form', async () => {
    const page = await browser.newPage();
    await page.goto(`http://evil.example:${attackerPort}/`);
    await page.evaluate(
      async ({ origin, uuid }) => {
        await fetch(`${origin}/sandbox/api/qr/scan`, {
          method: 'POST',
          mode: 'no-cors',
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({ uuid }),
        });
        await fetch(`${origin}/sandbox/api/qr/scan`, { method: 'POST', mode: 'no-cors' });
      },
      { origin: sb.origin, uuid },
    );
    await page.setContent(
      `<form method="post" enctype="text/plain" action="${sb.origin}/sandbox/api/qr/scan"><input name='{"uuid":"${uuid}","x":"' value='"}'><button id="go">go</button></form>`,
    );
    await Promise.all([page.waitForResponse((r) => r.url().includes('/sandbox/api/qr/scan')), page.click('#go')]);
    assert.equal(await status(), 'waiting', 'the QR was not scanned');
    await page.close();
  });

  it('a rebound name cannot drive it either, while the phone page on its own origin still can', async () => {
    const port = new URL(sb.origin).port;
    const rebound = await browser.newPage();
    await rebound.goto(`http://rebind.example:${port}/sandbox`);
    const answer = await rebound.evaluate(
      async (uuid) =>
        (await fetch('/sandbox/api/qr/scan', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uuid }) })).status,
      uuid,
    );
    assert.equal(answer, 403);
    assert.equal(await status(), 'waiting');

    const phone = await browser.newPage();
    await phone.goto(`${sb.origin}/sandbox`);
    const qr = phone.locator(`#qr-list li[data-uuid="${uuid}"]`);
    await qr.waitFor({ timeout: 10_000 });
    await qr.locator('button[data-act=scan]').click();
    await phone.locator(`#qr-list li[data-uuid="${uuid}"] button[data-act=confirm]:not([disabled])`).waitFor({ timeout: 10_000 });
    assert.equal(await status(), 'scanned');
  });
});
