import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config.js';

const load = (env: Record<string, string>) => loadConfig(env, { envFile: false, cwd: '/srv/app' });

describe('loadConfig(env)', () => {
  it('applies the documented defaults', () => {
    const c = load({});
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 3000);
    assert.equal(c.dataDir, '/srv/app/data');
    assert.deepEqual(c.botPlugins, ['auto-reply']);
    assert.equal(c.botPluginsSet, false);
    assert.equal(c.sendPacing, 'safe');
    assert.equal(c.sandboxPort, 5701);
    assert.equal(c.sandboxHost, '127.0.0.1', 'the demo sandbox listens on loopback unless told otherwise');
    assert.equal(c.trustProxy, false);
    assert.deepEqual(c.metrics, { host: '127.0.0.1', port: undefined });
    assert.equal(c.logLevel, 'info');
    assert.equal(c.wechatEndpoint, undefined);
    assert.equal(c.ilinkErrorPauseMs, 2_000);
    assert.equal(c.reloginDelayMs, 5_000);
  });

  it('ALLOW_PRIVATE_ORIGINS: comma-separated origins in normal form; a URL with a path is refused', () => {
    assert.deepEqual(load({}).allowPrivateOrigins, []);
    assert.deepEqual(load({ ALLOW_PRIVATE_ORIGINS: ' http://127.0.0.1:11434 , HTTP://LocalHost:8000/ ' }).allowPrivateOrigins, [
      'http://127.0.0.1:11434',
      'http://localhost:8000',
    ]);
    assert.throws(() => load({ ALLOW_PRIVATE_ORIGINS: 'http://127.0.0.1:11434/v1' }), /Invalid ALLOW_PRIVATE_ORIGINS=.*origins such as/);
    assert.throws(() => load({ ALLOW_PRIVATE_ORIGINS: 'ftp://x' }), ConfigError);
  });

  it('reads URLs with the one URL parser: white space around them is trimmed, other schemes refused', () => {
    assert.equal(load({ WEBHOOK_URL: ' http://Example.test:80/hook' }).webhookUrl, 'http://example.test/hook');
    assert.throws(() => load({ AI_BASE_URL: 'javascript:alert(1)' }), /Invalid AI_BASE_URL/);
  });

  it('parses every variable', () => {
    const c = load({
      HOST: '0.0.0.0',
      PORT: '8080',
      DATA_DIR: '/var/lib/weiroto',
      BOT_PLUGINS: 'echo, auto-reply',
      SEND_PACING: 'off',
      WECHAT_ENDPOINT: 'http://127.0.0.1:5701/',
      LOG_LEVEL: 'debug',
      SANDBOX_PORT: '6000',
      WEBHOOK_URL: 'https://example.test/hook',
      WEBHOOK_SECRET: 'whsec_0123456789abcdef',
      API_TOKEN: 'tok_0123456789abcdef',
      AI_BASE_URL: 'http://127.0.0.1:9000/v1',
      AI_API_KEY: 'k',
      AI_MODEL: 'm',
      SECRET_KEY: 'ab'.repeat(32),
      ADMIN_PASSWORD: 'correct horse',
      API_ALLOW_PRIVATE_URLS: 'true',
      API_RATE_BURST: '120',
      API_RATE_PER_SEC: '5',
      PLUGIN_DIR: 'my-plugins',
      TRUST_PROXY: 'yes',
      SANDBOX_HOST: '0.0.0.0',
      METRICS_HOST: '10.0.0.5',
      METRICS_PORT: '9464',
      ILINK_ERROR_PAUSE_MS: '20',
      RELOGIN_DELAY_MS: '100',
    });
    assert.equal(c.port, 8080);
    assert.equal(c.trustProxy, true);
    assert.equal(c.sandboxHost, '0.0.0.0');
    assert.deepEqual(c.metrics, { host: '10.0.0.5', port: 9464 });
    assert.deepEqual(c.botPlugins, ['echo', 'auto-reply']);
    assert.equal(c.botPluginsSet, true);
    assert.equal(c.sendPacing, 'off');
    assert.equal(c.wechatEndpoint, 'http://127.0.0.1:5701');
    assert.equal(c.ai.model, 'm');
    assert.equal(c.apiAllowPrivateUrls, true);
    assert.deepEqual(c.apiRateLimit, { burst: 120, perSec: 5 });
    assert.equal(c.pluginDir, '/srv/app/my-plugins');
    assert.equal(c.ilinkErrorPauseMs, 20);
    assert.equal(c.reloginDelayMs, 100);
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['PORT not a number', { PORT: 'abc' }, /^Invalid PORT="abc": expected a port number from 0 to 65535 \(0 picks a free port\)\.$/],
    ['PORT out of range', { PORT: '70000' }, /^Invalid PORT="70000": expected a port number/],
    ['PORT fraction', { PORT: '80.5' }, /^Invalid PORT="80.5"/],
    ['PORT in exponent notation', { PORT: '1e3' }, /^Invalid PORT="1e3": expected a port number from 0 to 65535 \(0 picks a free port\)\.$/],
    ['PORT in hexadecimal', { PORT: '0x10AB' }, /^Invalid PORT="0x10AB": expected a port number/],
    ['PORT with a leading space', { PORT: ' 4211' }, /^Invalid PORT=" 4211": expected a port number/],
    ['SANDBOX_PORT in hexadecimal', { SANDBOX_PORT: '0x10AB' }, /^Invalid SANDBOX_PORT="0x10AB"/],
    ['METRICS_PORT not a number', { METRICS_PORT: 'nine' }, /^Invalid METRICS_PORT="nine": expected a port number/],
    ['TRUST_PROXY not boolean', { TRUST_PROXY: 'nginx' }, /^Invalid TRUST_PROXY="nginx": expected true or false\.$/],
    ['SEND_PACING unknown', { SEND_PACING: 'fast' }, /^Invalid SEND_PACING="fast": expected "safe" or "off"\.$/],
    ['LOG_LEVEL unknown', { LOG_LEVEL: 'loud' }, /^Invalid LOG_LEVEL="loud": expected one of fatal/],
    ['WECHAT_ENDPOINT with a path', { WECHAT_ENDPOINT: 'http://127.0.0.1:5701/x' }, /^Invalid WECHAT_ENDPOINT=.*expected an origin/],
    ['WEBHOOK_URL not http', { WEBHOOK_URL: 'ftp://x' }, /^Invalid WEBHOOK_URL="ftp:\/\/x": expected an http/],
    ['BOT_PLUGINS with spaces in names', { BOT_PLUGINS: 'Auto Reply' }, /^Invalid BOT_PLUGINS=/],
    ['short ADMIN_PASSWORD (value hidden)', { ADMIN_PASSWORD: 'short' }, /^Invalid ADMIN_PASSWORD=\(hidden\): expected at least 8/],
    ['bad SECRET_KEY (value hidden)', { SECRET_KEY: 'nope' }, /^Invalid SECRET_KEY=\(hidden\)/],
    ['API_RATE_BURST zero', { API_RATE_BURST: '0' }, /^Invalid API_RATE_BURST="0": expected a whole number from 1 to 100000\.$/],
    ['API_RATE_PER_SEC not a number', { API_RATE_PER_SEC: 'lots' }, /^Invalid API_RATE_PER_SEC="lots": expected a whole number/],
    ['ILINK_ERROR_PAUSE_MS negative', { ILINK_ERROR_PAUSE_MS: '-1' }, /^Invalid ILINK_ERROR_PAUSE_MS="-1": expected at least 0 ms\.$/],
    ['RELOGIN_DELAY_MS below 100', { RELOGIN_DELAY_MS: '0' }, /^Invalid RELOGIN_DELAY_MS="0": expected at least 100 ms\.$/],
    ['API_ALLOW_PRIVATE_URLS not boolean', { API_ALLOW_PRIVATE_URLS: 'maybe' }, /^Invalid API_ALLOW_PRIVATE_URLS="maybe": expected true or false/],
  ];
  for (const [name, env, pattern] of bad) {
    it(`rejects ${name} with one clear line`, () => {
      assert.throws(
        () => load(env),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError);
          assert.match(e.message, pattern);
          assert.ok(!e.message.includes('\n'));
          return true;
        },
      );
    });
  }

  it('reads .env and lets the environment win', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weiroto-cfg-'));
    writeFileSync(join(dir, '.env'), 'PORT=4000\nLOG_LEVEL=warn\n');
    const c = loadConfig({ LOG_LEVEL: 'error' }, { cwd: dir });
    assert.equal(c.port, 4000);
    assert.equal(c.logLevel, 'error');
  });
});
