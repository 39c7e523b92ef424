// The three-node examples in deploy/cluster are read and put through weiroto's own configuration
// check, so they cannot drift from the code: every node's settings load as a cluster node, the
// nodes share what they must (database, Redis, secret key) and differ where they must (NODE_ID,
// media volume), and the load balancer points at exactly the nodes, on the port they listen on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { loadConfig, type Config } from '../../src/config.js';
import { parseIni } from '../helpers/ini.js';

const dir = resolve(import.meta.dirname, '../../deploy/cluster');
const read = (name: string): string => readFileSync(join(dir, name), 'utf8');

/** Lines of KEY=value (comments and blank lines skipped), as an env file is read. */
function envFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** Compose's `${NAME:?message}` and `${NAME:-default}` with the values an operator would export. */
function interpolate(value: string, exported: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_, name: string, op?: string, rest?: string) => {
    const v = exported[name];
    if (v !== undefined && v !== '') return v;
    assert.notEqual(op, '?', `${name} must be exported: ${rest}`);
    return op === '-' ? (rest ?? '') : '';
  });
}

const EXPORTED = { POSTGRES_PASSWORD: 'pw', SECRET_KEY: 'ab'.repeat(32), PUBLIC_URL: 'https://bot.example.com' };
const nodeNames = ['node1', 'node2', 'node3'];

/** The upstream servers nginx.conf balances over, as host:port. */
const upstreams = [...read('nginx.conf').matchAll(/^\s*server\s+([\w.-]+:\d+)\b/gm)].map((m) => m[1]!);

describe('deploy/cluster/weiroto@.service', () => {
  const unit = parseIni(read('weiroto@.service'));
  const service = unit.get('Service')!;
  const env = (name: string): string | undefined =>
    service
      .get('Environment')!
      .map((e) => new RegExp(`^${name}=(.+)$`).exec(e)?.[1])
      .find(Boolean);

  it('runs weiroto start as the node named by the instance, with its own media directory', () => {
    assert.match(service.get('ExecStart')![0]!, /^\/usr\/bin\/node \S+\/bin\/weiroto\.js start$/);
    assert.equal(env('NODE_ID'), '%i');
    assert.equal(env('DATA_DIR'), '/var/lib/weiroto/%i');
    assert.equal(service.get('StateDirectory')![0], 'weiroto/%i');
  });

  it('requires the shared settings file and reads the node’s own when present', () => {
    assert.deepEqual(service.get('EnvironmentFile'), ['/etc/weiroto/cluster.env', '-/etc/weiroto/%i.env']);
  });

  it('stops with SIGTERM and waits longer than the 10 s a node takes to hand its accounts over', () => {
    assert.equal(service.get('KillSignal')![0], 'SIGTERM');
    assert.ok(Number(service.get('TimeoutStopSec')![0]) > 10);
    assert.equal(service.get('Restart')![0], 'on-failure');
  });

  it('passes systemd-analyze verify as an instance when the tool is present', (t) => {
    if (spawnSync('systemd-analyze', ['--version']).error) return t.skip('systemd-analyze is not installed here');
    const copy = join(mkdtempSync(join(tmpdir(), 'weiroto-unit-')), 'weiroto@node1.service');
    writeFileSync(copy, read('weiroto@.service'));
    const r = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    assert.doesNotMatch(r.stderr, /Unknown (key|section)|Invalid|Failed to parse/i, r.stderr);
  });

  it('with cluster.env.example and node.env.example, a node loads as a cluster node on PostgreSQL', () => {
    const config = loadConfig({ ...envFile(read('node.env.example')), NODE_ID: 'node1' }, { envFile: join(dir, 'cluster.env.example') });
    assert.match(config.databaseUrl ?? '', /^postgres:\/\//);
    assert.equal(config.cluster?.nodeId, 'node1');
    assert.equal(config.trustProxy, true, 'behind nginx, the forwarded client address is trusted');
    assert.equal(config.port, 3000);
    assert.ok(
      upstreams.every((u) => u.endsWith(`:${config.port}`)),
      `nginx reaches the nodes on ${config.port}: ${upstreams.join(', ')}`,
    );
  });
});

describe('deploy/cluster/compose.yaml', () => {
  interface Service {
    image?: string;
    environment?: Record<string, string>;
    volumes?: string[];
    stop_grace_period?: string;
    depends_on?: Record<string, { condition: string }> | string[];
    command?: string[];
  }
  const compose = load(read('compose.yaml')) as { services: Record<string, Service> };
  const services = compose.services;
  const dockerfile = read('Dockerfile');
  const imageEnv = envFile(/^ENV (.+)$/m.exec(dockerfile)![1]!.replace(/ /g, '\n'));
  const nodeConfig = (name: string): Config => {
    const env = Object.fromEntries(Object.entries(services[name]!.environment!).map(([k, v]) => [k, interpolate(String(v), EXPORTED)]));
    return loadConfig({ ...imageEnv, ...env }, { envFile: false });
  };

  it('has PostgreSQL, Redis, nginx and three nodes', () => {
    assert.deepEqual(Object.keys(services).sort(), ['nginx', 'node1', 'node2', 'node3', 'postgres', 'redis']);
  });

  it('refuses to start without the password and the secret key (no default secret)', () => {
    assert.throws(() => interpolate(String(services.node1!.environment!.SECRET_KEY), {}), /SECRET_KEY must be exported/);
    assert.throws(() => interpolate(String(services.postgres!.environment!.POSTGRES_PASSWORD), {}), /POSTGRES_PASSWORD must be exported/);
  });

  it('every node loads as a cluster node named after its service, sharing the database, Redis and key', () => {
    const configs = nodeNames.map(nodeConfig);
    configs.forEach((c, i) => assert.equal(c.cluster?.nodeId, nodeNames[i]));
    for (const key of ['databaseUrl', 'secretKey'] as const) assert.equal(new Set(configs.map((c) => c[key])).size, 1, key);
    assert.equal(new Set(configs.map((c) => c.cluster?.redisUrl)).size, 1);
    assert.equal(configs[0]!.host, '0.0.0.0', 'a node listens beyond its container’s loopback');
  });

  it('the database and Redis URLs name the services and the user compose creates', () => {
    const c = nodeConfig('node1');
    const db = new URL(c.databaseUrl!);
    const pg = services.postgres!.environment!;
    assert.equal(db.hostname, 'postgres');
    assert.equal(db.username, pg.POSTGRES_USER);
    assert.equal(db.pathname, `/${pg.POSTGRES_DB}`);
    assert.equal(decodeURIComponent(db.password), interpolate(String(pg.POSTGRES_PASSWORD), EXPORTED));
    assert.equal(new URL(c.cluster!.redisUrl).hostname, 'redis');
    assert.ok(services.redis!.command!.includes('--appendonly'), 'fencing counters survive a Redis restart');
  });

  it('each node has its own media volume and time to hand over on stop; nodes wait for healthy stores', () => {
    const volumes = nodeNames.map((n) => services[n]!.volumes![0]!.split(':')[0]);
    assert.equal(new Set(volumes).size, nodeNames.length);
    for (const n of nodeNames) {
      assert.ok(Number.parseInt(services[n]!.stop_grace_period!, 10) > 10, n);
      assert.deepEqual(services[n]!.depends_on, { postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    }
  });

  it('nginx balances over exactly the three nodes on the port the image listens on', () => {
    assert.deepEqual(
      upstreams,
      nodeNames.map((n) => `${n}:${imageEnv.PORT}`),
    );
    assert.match(services.nginx!.volumes![0]!, /^\.\/nginx\.conf:/);
  });

  it('the image runs weiroto start', () => {
    assert.match(dockerfile, /^CMD \["node", "bin\/weiroto\.js", "start"\]$/m);
    assert.match(dockerfile, /^STOPSIGNAL SIGTERM$/m);
  });
});
