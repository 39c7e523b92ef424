/**
 * The OpenAPI 3.1 document of `/api/v1`, written by hand next to the routes; a test checks that
 * every registered route is documented and every documented operation is registered.
 */

import { WEBHOOK_EVENT_TYPES } from '../bot/event-vocabulary.js';
import { VERIFY_ANSWERS } from '../accounts/verify-answer.js';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json): Json => ({ 'application/json': { schema } });
const ok = (description: string, schema?: Json): Json => ({ description, ...(schema && { content: json(schema) }) });
const err = (description: string): Json => ({ description, content: json(ref('Error')) });
const page = (item: string): Json => ({
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', items: ref(item) }, next: { type: 'string', description: 'cursor for the next page' } },
});
/** A plugin list with the plugins found but not loaded beside it. */
const pluginPage = (item: string): Json => {
  const p = page(item) as { properties: Record<string, Json> };
  return { ...p, properties: { ...p.properties, notLoaded: { type: 'array', items: ref('PluginNotLoaded') } } };
};
const pathParam = (name: string, description: string): Json => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const query = (name: string, description: string, schema: Json = { type: 'string' }): Json => ({ name, in: 'query', required: false, description, schema });
const account = pathParam('id', 'account id');
const endpoint = pathParam('id', 'webhook endpoint id');
const delivery = pathParam('deliveryId', 'delivery id');
const paging = [query('limit', '1–200, default 50', { type: 'integer', minimum: 1, maximum: 200 }), query('cursor', 'from the previous page')];
const idemHeader: Json = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'same key + same token → same answer, one effect (24 h)',
  schema: { type: 'string', maxLength: 255 },
};
const common = { '401': err('missing, unknown or revoked token'), '429': err('rate limited (see Retry-After)') };
const write = { ...common, '403': err('read-only token') };

function op(summary: string, responses: Json, extra: Json = {}): Json {
  return { summary, responses: { ...responses }, ...extra };
}

const endpointFields: Json = {
  url: { type: 'string', format: 'uri' },
  description: { type: 'string' },
  eventTypes: { type: 'array', items: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES, 'webhook.test'] }, description: 'empty = all' },
  accounts: { type: 'array', items: { type: 'string' } },
  chats: { type: 'array', items: { type: 'string' }, description: 'Chats by name (group topic, remark or nickname), stable id or session id' },
  keywords: { type: 'array', items: { type: 'string' } },
  includeSelf: { type: 'boolean' },
  enabled: { type: 'boolean' },
  format: {
    type: 'string',
    enum: ['standard', 'wechatbot-webhook'],
    description: 'standard = Standard Webhooks JSON; wechatbot-webhook = its multipart callback',
  },
};

export function openApiDocument(): Json {
  return {
    openapi: '3.1.0',
    info: { title: 'weiroto HTTP API', version: '1', description: 'Send and query WeChat accounts served by weiroto. Errors are `{error: {code, message}}`.' },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }],
    paths: {
      '/openapi.json': { get: op('This document', { '200': ok('OpenAPI 3.1 document', { type: 'object' }) }, { security: [] }) },
      '/events': {
        get: op(
          'Account events as server-sent events (id = event id, event = type, data = the webhook body); resumable with Last-Event-ID',
          {
            '200': { description: 'an endless text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
            '400': err('bad Last-Event-ID'),
            '422': err('unknown event type'),
            ...common,
          },
          {
            // A browser EventSource cannot set headers: this route (only) also takes the token in the query.
            security: [{ bearer: [] }, { accessToken: [] }],
            parameters: [
              query('account', 'only these accounts (repeat or comma-separate)'),
              query('type', 'only these event types (repeat or comma-separate)', { type: 'array', items: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] } }),
              query('after', 'start after this event id (as Last-Event-ID); default: from now'),
              { name: 'Last-Event-ID', in: 'header', required: false, description: 'resume after this event id', schema: { type: 'string' } },
            ],
          },
        ),
      },
      '/accounts': {
        get: op('List accounts with their state', { '200': ok('accounts', page('Account')), ...common }),
        post: op(
          'Add an account (web protocol or iLink) and start it; its QR follows in `qr`',
          { '201': ok('the account', ref('Account')), '422': err('invalid body'), ...common },
          {
            requestBody: {
              content: json({
                type: 'object',
                properties: { name: { type: 'string', maxLength: 64 }, transport: { type: 'string', enum: ['web', 'ilink'], default: 'web' } },
                additionalProperties: false,
              }),
            },
          },
        ),
      },
      '/accounts/{id}/verify-code': {
        post: op(
          'iLink: the digits the phone shows after a scan (while the account shows `verifyCode`); answers once WeChat took them, on whichever node runs the account',
          {
            '200': ok('the account, and how WeChat took the code', {
              allOf: [
                ref('Account'),
                {
                  type: 'object',
                  required: ['verifyAnswer'],
                  properties: {
                    verifyAnswer: {
                      type: 'string',
                      enum: VERIFY_ANSWERS,
                      description:
                        'accepted (confirm on the phone), wrong (type the new code the phone shows), expired (a new QR replaced it, or the login ended), pending (no answer within a few seconds: follow the account)',
                    },
                  },
                },
              ],
            }),
            '409': err('not waiting for a code'),
            '422': err('not digits'),
            '503': err('cluster: the node running the account did not take the code up; nothing was done'),
            '504': err('cluster: the node running the account took the code up but gave no answer in time'),
            ...common,
          },
          {
            parameters: [account],
            requestBody: { required: true, content: json({ type: 'object', required: ['code'], properties: { code: { type: 'string' } } }) },
          },
        ),
      },
      '/accounts/{id}': {
        get: op('One account', { '200': ok('account', ref('Account')), '404': err('no such account'), ...common }, { parameters: [account] }),
      },
      '/accounts/{id}/timeline': {
        get: op(
          "The account's timeline: its state changes with reasons (login, logout with WeChat's code and meaning, failed logins with the next attempt), newest first",
          {
            '200': ok('entries', { type: 'object', properties: { items: { type: 'array', items: ref('TimelineEntry') } } }),
            '404': err('no such account'),
            ...common,
          },
          { parameters: [account, query('limit', '1–200, default 50', { type: 'integer', minimum: 1, maximum: 200 })] },
        ),
      },
      '/accounts/{id}/contacts': {
        get: op(
          'Contacts (paged, by name)',
          { '200': ok('contacts', page('Contact')), '404': err('no such account'), ...common },
          { parameters: [account, query('q', 'substring of name, remark, alias or id'), ...paging] },
        ),
      },
      '/accounts/{id}/rooms': {
        get: op(
          'Rooms (paged, by topic)',
          { '200': ok('rooms', page('Room')), '404': err('no such account'), ...common },
          { parameters: [account, query('q', 'substring of topic or id'), ...paging] },
        ),
      },
      '/accounts/{id}/messages': {
        get: op(
          'Stored messages, newest first (paged)',
          { '200': ok('messages', page('Message')), '404': err('no such account'), ...common },
          {
            parameters: [account, query('chatId', 'only this chat'), query('q', 'text contains'), ...paging],
          },
        ),
        post: op(
          'Send a text or a file',
          {
            '200': ok('sent (with ?wait)', ref('Outbound')),
            '202': ok('queued', ref('Outbound')),
            '400': err('malformed request'),
            '404': err('no such account'),
            '413': err('file too large'),
            '415': err('not JSON or multipart'),
            '422': err('invalid body, unknown target, or refused URL'),
            '502': err('failed (with ?wait)'),
            ...write,
          },
          {
            parameters: [account, idemHeader, query('wait', 'true or milliseconds: answer once sent or failed')],
            requestBody: {
              required: true,
              content: {
                'application/json': { schema: { oneOf: [ref('SendText'), ref('SendUrl')] } },
                'multipart/form-data': {
                  schema: {
                    type: 'object',
                    required: ['file'],
                    properties: {
                      to: { type: 'string', description: 'JSON {id}|{name}|{room}; or use to.id / to.name / to.room fields' },
                      type: { type: 'string', enum: ['image', 'video', 'file'] },
                      name: { type: 'string' },
                      file: { type: 'string', contentMediaType: 'application/octet-stream' },
                    },
                  },
                },
              },
            },
          },
        ),
      },
      '/accounts/{id}/outbound': {
        get: op(
          "The account's outgoing messages, newest first (status=waiting-for-user: what waits for the user, and why)",
          { '200': ok('records', page('Outbound')), '404': err('no such account'), ...common },
          {
            parameters: [
              account,
              query('status', 'queued, sent, failed or waiting-for-user', { type: 'string', enum: ['queued', 'sent', 'failed', 'waiting-for-user'] }),
              query('limit', '1–500, default 50', { type: 'integer', minimum: 1, maximum: 500 }),
            ],
          },
        ),
      },
      '/accounts/{id}/outbound/{outboundId}': {
        get: op(
          'State of a sent message',
          { '200': ok('record', ref('Outbound')), '404': err('unknown'), ...common },
          { parameters: [account, pathParam('outboundId', 'id from the send answer')] },
        ),
      },
      '/accounts/{id}/plugins': {
        get: op(
          "The account's plugins in chain order",
          { '200': ok('plugins', pluginPage('PluginState')), '404': err('no such account'), ...common },
          { parameters: [account] },
        ),
      },
      '/accounts/{id}/plugins/{name}': {
        put: op(
          'Switch a plugin on/off and set its config',
          {
            '200': ok('the plugin state', ref('PluginState')),
            '404': err('no such account or plugin'),
            '422': err("config does not fit the plugin's schema (details lists the messages)"),
            ...write,
          },
          {
            parameters: [account, pathParam('name', 'plugin name'), idemHeader],
            requestBody: {
              required: true,
              content: json({ type: 'object', properties: { enabled: { type: 'boolean' }, config: { type: 'object' } }, additionalProperties: false }),
            },
          },
        ),
      },
      '/accounts/{id}/plugins/order': {
        put: op(
          "Set the plugins' chain order: the named plugins run first, in this order; the others follow in their current order",
          {
            '200': ok("the account's plugins in the new chain order", page('PluginState')),
            '404': err('no such account'),
            '422': err('an unknown or repeated plugin name (details names it)'),
            ...write,
          },
          {
            parameters: [account, idemHeader],
            requestBody: {
              required: true,
              content: json({
                type: 'object',
                required: ['order'],
                properties: { order: { type: 'array', items: { type: 'string' }, minItems: 1 } },
                additionalProperties: false,
              }),
            },
          },
        ),
      },
      '/plugins': { get: op('Installed plugins with their config JSON Schema', { '200': ok('plugins', pluginPage('Plugin')), ...common }) },
      '/nodes': {
        get: op('Cluster (REDIS_URL): every node seen in the last day, its status, last heartbeat and the accounts it runs', {
          '200': ok('nodes', { type: 'object', properties: { items: { type: 'array', items: ref('Node') } } }),
          '404': err('not a cluster (REDIS_URL is not set)'),
          ...common,
        }),
      },
      '/webhooks': {
        get: op('Webhook endpoints', { '200': ok('endpoints', page('Endpoint')), ...common }),
        post: op(
          'Create an endpoint (the secret is in this answer only)',
          { '201': ok('created', ref('EndpointWithSecret')), '422': err('invalid, or the URL is private'), ...write },
          {
            parameters: [idemHeader],
            requestBody: { required: true, content: json({ type: 'object', required: ['url'], properties: endpointFields, additionalProperties: false }) },
          },
        ),
      },
      '/webhooks/{id}': {
        get: op(
          'One endpoint with delivery counts and breaker state',
          { '200': ok('endpoint', ref('Endpoint')), '404': err('unknown'), ...common },
          { parameters: [endpoint] },
        ),
        patch: op(
          'Change an endpoint',
          { '200': ok('endpoint', ref('Endpoint')), '404': err('unknown'), '422': err('invalid'), ...write },
          {
            parameters: [endpoint, idemHeader],
            requestBody: { required: true, content: json({ type: 'object', properties: endpointFields, additionalProperties: false }) },
          },
        ),
        delete: op('Delete an endpoint and its deliveries', { '204': ok('deleted'), '404': err('unknown'), ...write }, { parameters: [endpoint, idemHeader] }),
      },
      '/webhooks/{id}/rotate': {
        post: op(
          'New secret; the old one keeps signing for overlapSeconds (default 24 h)',
          {
            '200': ok('the new secret (shown once)', { type: 'object', properties: { secret: { type: 'string' }, oldSecretUntil: { type: 'integer' } } }),
            '404': err('unknown'),
            '422': err('invalid'),
            ...write,
          },
          {
            parameters: [endpoint, idemHeader],
            requestBody: { required: false, content: json({ type: 'object', properties: { overlapSeconds: { type: 'integer', minimum: 0 } } }) },
          },
        ),
      },
      '/webhooks/{id}/test': {
        post: op(
          'Queue a webhook.test event',
          { '202': ok('the delivery', ref('Delivery')), '404': err('unknown'), ...write },
          { parameters: [endpoint, idemHeader] },
        ),
      },
      '/webhooks/{id}/deliveries': {
        get: op(
          'Delivery log, newest first',
          { '200': ok('deliveries', page('Delivery')), '404': err('unknown'), ...common },
          {
            parameters: [
              endpoint,
              query('status', 'pending, delivering, delivered or dead', { type: 'string', enum: ['pending', 'delivering', 'delivered', 'dead'] }),
              ...paging,
            ],
          },
        ),
      },
      '/webhooks/{id}/deliveries/{deliveryId}': {
        get: op(
          'A delivery with its body and every attempt',
          { '200': ok('delivery', ref('Delivery')), '404': err('unknown'), ...common },
          { parameters: [endpoint, delivery] },
        ),
      },
      '/webhooks/{id}/deliveries/{deliveryId}/redeliver': {
        post: op(
          'Send a dead or delivered delivery again (same webhook-id)',
          { '202': ok('queued', ref('Delivery')), '404': err('unknown'), '409': err('still pending'), ...write },
          { parameters: [endpoint, delivery, idemHeader] },
        ),
      },
      '/webhooks/{id}/redeliver-dead': {
        post: op(
          'Queue every dead delivery of the endpoint again',
          { '202': ok('how many', { type: 'object', properties: { queued: { type: 'integer' } } }), '404': err('unknown'), ...write },
          { parameters: [endpoint, idemHeader] },
        ),
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        accessToken: {
          type: 'apiKey',
          in: 'query',
          name: 'access_token',
          description: 'The API token in the URL, for a browser EventSource; accepted on GET /events only; prefer a read-only token',
        },
      },
      schemas: {
        Node: {
          type: 'object',
          properties: {
            node: { type: 'string', description: 'its NODE_ID' },
            status: {
              type: 'string',
              enum: ['alive', 'late', 'gone'],
              description: 'late: it missed a heartbeat (two thirds of LEASE_TTL_MS without one); gone: it left, or its heartbeat ran out',
            },
            startedAt: { type: 'integer' },
            lastHeartbeatAt: { type: 'integer' },
            leftAt: { type: 'integer', description: 'when it said it was leaving (SIGTERM)' },
            accounts: {
              type: 'array',
              description: 'the accounts whose lease it holds',
              items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, state: { type: 'string' } } },
            },
          },
        },
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                details: {},
                capability: { type: 'string', description: "with code 'unsupported': what the account's transport cannot do" },
              },
            },
          },
        },
        Target: {
          oneOf: [
            { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
            { type: 'object', required: ['name'], properties: { name: { type: 'string', description: 'nickname, remark or alias' } } },
            { type: 'object', required: ['room'], properties: { room: { type: 'string', description: 'room topic or id' } } },
          ],
        },
        SendText: {
          type: 'object',
          required: ['to', 'text'],
          properties: { to: ref('Target'), type: { const: 'text' }, text: { type: 'string', maxLength: 8000 } },
        },
        SendUrl: {
          type: 'object',
          required: ['to', 'url'],
          properties: {
            to: ref('Target'),
            type: { type: 'string', enum: ['image', 'video', 'file'] },
            url: { type: 'string', format: 'uri', description: 'fetched by weiroto; private addresses refused' },
            name: { type: 'string' },
          },
        },
        Outbound: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            account: { type: 'string' },
            chatId: { type: 'string' },
            type: { type: 'string' },
            text: { type: 'string' },
            fileName: { type: 'string' },
            status: {
              type: 'string',
              enum: ['queued', 'sending', 'sent', 'failed', 'waiting-for-user'],
              description: 'waiting-for-user: iLink may send only after the user writes (reply window or quota); `error.message` says why',
            },
            wechatId: { type: 'string' },
            error: { type: 'object' },
            source: { type: 'string' },
            createdAt: { type: 'integer' },
            sentAt: { type: 'integer' },
            heldAt: { type: 'integer', description: 'since when it waits for the user' },
          },
        },
        Account: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            enabled: { type: 'boolean' },
            transport: { type: 'string', enum: ['web', 'ilink'], description: 'the transport chosen when the account was added' },
            owner: { ...ref('Contact'), description: 'iLink: the WeChat user the bot is bound to' },
            replyWindow: {
              type: 'object',
              description: 'iLink: whether the bot may write to its owner now, until when, and the sends left of the quota',
              properties: {
                user: { type: 'string' },
                open: { type: 'boolean' },
                closesAt: { type: 'integer' },
                remainingMs: { type: 'integer' },
                quotaLeft: { type: 'integer' },
                quota: { type: 'integer' },
                closedBecause: { type: 'string', enum: ['not-yet', 'expired', 'refused', 'quota'] },
              },
            },
            verifyCode: { type: 'object', description: 'iLink: the login waits for the digits the phone shows', properties: { retry: { type: 'boolean' } } },
            state: { type: 'string' },
            detail: { type: 'string' },
            self: ref('Contact'),
            qr: { type: 'object' },
            onlineSince: { type: 'integer' },
            lastSyncAt: { type: 'integer' },
            node: {
              type: 'string',
              description: 'cluster (REDIS_URL): the node that runs the account (absent: no node runs it); its state is as that node published it',
            },
            loginRetry: {
              type: 'object',
              description: 'the last login failed; the next attempt starts at `at` by itself (back-off: 5 s doubling up to LOGIN_RETRY_MAX_SECONDS)',
              properties: {
                at: { type: 'integer' },
                attempt: { type: 'integer', description: 'failed attempts in a row' },
                problem: {
                  type: 'object',
                  properties: {
                    kind: { type: 'string', enum: ['dns', 'proxy', 'tls', 'refused', 'timeout', 'network'] },
                    host: { type: 'string' },
                    code: { type: 'string', description: 'the system error code, e.g. ENOTFOUND' },
                  },
                },
              },
            },
          },
        },
        TimelineEntry: {
          type: 'object',
          required: ['id', 'account', 'at', 'kind'],
          properties: {
            id: { type: 'integer' },
            account: { type: 'string' },
            at: { type: 'integer' },
            kind: {
              type: 'string',
              enum: ['online', 'waiting-scan', 'logout', 'login-failed', 'relogin', 'retry-now', 'started', 'stopped', 'ladder-stopped'],
            },
            self: { type: 'string', description: 'online: the account’s own name' },
            reason: { type: 'string', description: 'logout: phone-logout, kicked, requested, expired, token-expired …' },
            code: { type: 'integer', description: "logout: WeChat's code (1100, 1101, 1102, -14 …)" },
            meaning: { type: 'string', description: "logout: what WeChat's code means" },
            message: { type: 'string', description: 'logout, login-failed, ladder-stopped: the words of WeChat or of the system' },
            attempt: { type: 'integer', description: 'login-failed: failed attempts in a row' },
            problem: {
              type: 'string',
              enum: ['dns', 'proxy', 'tls', 'refused', 'timeout', 'network'],
              description: 'login-failed: the kind of network failure',
            },
            host: { type: 'string' },
            retryInMs: { type: 'integer', description: 'login-failed: the pause before the next attempt' },
            delayMs: { type: 'integer', description: 'relogin: the pause before logging in again' },
          },
        },
        Contact: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            stableId: { type: 'string' },
            name: { type: 'string' },
            remark: { type: 'string' },
            alias: { type: 'string' },
            kind: { type: 'string' },
          },
        },
        Room: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            stableId: { type: 'string' },
            topic: { type: 'string' },
            memberCount: { type: 'integer' },
            members: { type: 'array', items: { type: 'object' } },
          },
        },
        Message: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            type: { type: 'string' },
            chatId: { type: 'string' },
            roomId: { type: 'string' },
            senderId: { type: 'string' },
            senderName: { type: 'string' },
            isSelf: { type: 'boolean' },
            text: { type: 'string' },
            createdAt: { type: 'integer' },
            recalled: { type: 'boolean' },
          },
        },
        Plugin: {
          type: 'object',
          properties: { name: { type: 'string' }, description: { type: 'string' }, schema: { type: 'object', description: 'JSON Schema of the config' } },
        },
        PluginState: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            description: { type: 'string' },
            enabled: { type: 'boolean' },
            order: { type: 'integer' },
            config: { type: 'object' },
            errors: { type: 'integer' },
            lastError: { type: 'string' },
            unsupported: {
              type: 'array',
              items: { type: 'string' },
              description: "capabilities the plugin needs that the account's transport lacks (it cannot apply here)",
            },
            failed: {
              type: 'object',
              description: 'switched on, but its setup failed: it does not run until set up again',
              properties: { error: { type: 'string' }, phrase: { type: 'object' } },
            },
          },
        },
        PluginNotLoaded: {
          type: 'object',
          description: 'a plugin found (PLUGIN_DIR, npm) but not loaded: it never runs, the others do',
          properties: { name: { type: 'string', description: 'its folder or package name' }, path: { type: 'string' }, error: { type: 'string' } },
        },
        Endpoint: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            ...endpointFields,
            source: { type: 'string' },
            breaker: { type: 'string', enum: ['closed', 'open', 'half-open'] },
            counts: { type: 'object' },
            oldSecretUntil: { type: 'integer' },
            createdAt: { type: 'integer' },
            updatedAt: { type: 'integer' },
          },
        },
        EndpointWithSecret: {
          allOf: [ref('Endpoint'), { type: 'object', required: ['secret'], properties: { secret: { type: 'string', description: 'whsec_…, shown once' } } }],
        },
        Delivery: {
          type: 'object',
          properties: {
            id: { type: 'integer' },
            webhookId: { type: 'string' },
            endpointId: { type: 'string' },
            eventType: { type: 'string' },
            account: { type: 'string' },
            status: { type: 'string' },
            attempts: { type: 'integer' },
            nextAt: { type: 'integer' },
            lastStatus: { type: 'integer' },
            lastError: { type: 'string' },
            body: { type: 'string' },
            attemptLog: { type: 'array', items: { type: 'object' } },
          },
        },
      },
    },
  };
}
