/**
 * The request examples of wechatbot-webhook's README and docs (docs/legacy-api.md), restated as our
 * own fixtures with the original's expected answers. Bodies are kept as text because two README
 * examples are not JSON (an unquoted `data:` key, a trailing comma) and weiroto must take them.
 * `{FRIEND}`, `{FRIEND2}`, `{ROOM}` and `{FILES}` are filled in with sandbox names and the local file server.
 */
export interface SendFixture {
  name: string;
  path: '/webhook/msg/v2' | '/webhook/msg';
  body: string;
  status: number;
  success: boolean;
  message: string;
  task?: { successCount: number; totalCount: number; failedCount: number; reject?: number; sentFailed?: number; notFound?: number };
}

const SENT = 'Message sent successfully';

export const README_SENDS: SendFixture[] = [
  {
    name: 'README v2: one text to a person (unquoted data key)',
    path: '/webhook/msg/v2',
    body: `{
    "to": "{FRIEND}",
    data: { "content": "你好👋" }
}`,
    status: 200,
    success: true,
    message: SENT,
    task: { successCount: 1, totalCount: 1, failedCount: 0 },
  },
  {
    name: 'README v2: a file by URL with $alias',
    path: '/webhook/msg/v2',
    body: `{
    "to": "{FRIEND}",
    "data": {
        "type": "fileUrl",
        "content": "{FILES}/jpeg/sample-clouds-400x300.jpg?$alias=1234.jpg"
    }
}`,
    status: 200,
    success: true,
    message: SENT,
    task: { successCount: 1, totalCount: 1, failedCount: 0 },
  },
  {
    name: 'README v2: a file to a group (trailing comma)',
    path: '/webhook/msg/v2',
    body: `{
    "to": "{ROOM}",
    "isRoom": true,
    "data": { "type": "fileUrl" , "content": "{FILES}/jpeg/sample-clouds-400x300.jpg" },
}`,
    status: 200,
    success: true,
    message: SENT,
    task: { successCount: 1, totalCount: 1, failedCount: 0 },
  },
  {
    name: 'README v2: several items to one person',
    path: '/webhook/msg/v2',
    body: `{
    "to": "{FRIEND}",
    "data": [
        { "type": "text", "content": "你好👋" },
        { "type": "fileUrl", "content": "{FILES}/lib/preview/mp3/sample-3s.mp3" }
    ]
}`,
    status: 200,
    success: true,
    message: SENT,
    task: { successCount: 2, totalCount: 2, failedCount: 0 },
  },
  {
    name: 'README v2: a batch to several recipients',
    path: '/webhook/msg/v2',
    body: `[
    { "to": "{FRIEND}", "data": { "content": "你好👋" } },
    { "to": "{FRIEND2}", "data": [{ "content": "你好👋" }, { "content": "近况如何？" }] },
    { "to": "{ROOM}", "isRoom": true, "data": [{ "type": "text", "content": "大家好" }] }
]`,
    status: 200,
    success: true,
    message: SENT,
    task: { successCount: 4, totalCount: 4, failedCount: 0 },
  },
  {
    name: 'legacy-api v1: JSON text',
    path: '/webhook/msg',
    body: `{ "to": "{FRIEND}", "type": "text", "content": "Hello World!" }`,
    status: 200,
    success: true,
    message: SENT,
  },
  {
    name: 'legacy-api v1: fileUrl to a group',
    path: '/webhook/msg',
    body: `{ "to": "{ROOM}", "type": "fileUrl", "content": "{FILES}/jpeg/sample-clouds-400x300.jpg", "isRoom": true }`,
    status: 200,
    success: true,
    message: SENT,
  },
];

const INVALID =
  'Some params is not valid, sending task is suspend, please checkout before sending message! You can find API reference right there (https://github.com/danni-cool/wechatbot-webhook#%EF%B8%8F-api)';
const PARTIAL = 'Part of the message sent successfully, look up data of task for more detail';

/** The answers' quirks (shared/wechatbot-webhook.md §5, §6), so that counts match the original's. */
export const QUIRK_SENDS: SendFixture[] = [
  {
    name: 'an invalid item rejects the whole body and sends nothing',
    path: '/webhook/msg/v2',
    body: `[{ "to": "{FRIEND}", "data": { "content": "never sent" } }, { "to": "{FRIEND2}", "data": [{ "type": "img", "content": "" }, { "content": "ok" }] }]`,
    status: 200,
    success: false,
    message: INVALID,
    task: { successCount: 0, totalCount: 3, failedCount: 1, reject: 1 },
  },
  {
    name: 'a recipient not found adds 1 to failedCount however many items: two items come back as partial success',
    path: '/webhook/msg/v2',
    body: `{ "to": "nobody-by-this-name", "data": [{ "content": "a" }, { "content": "b" }] }`,
    status: 200,
    success: true,
    message: PARTIAL,
    task: { successCount: 0, totalCount: 2, failedCount: 1, notFound: 1 },
  },
  {
    name: 'everything failed',
    path: '/webhook/msg/v2',
    body: `{ "to": "nobody-by-this-name", "data": { "content": "a" } }`,
    status: 200,
    success: false,
    message: 'All Messages (1) sent failed, look up data of task for more detail',
    task: { successCount: 0, totalCount: 1, failedCount: 1, notFound: 1 },
  },
  {
    name: 'a file that cannot be fetched fails its item only',
    path: '/webhook/msg/v2',
    body: `{ "to": "{FRIEND}", "data": [{ "content": "first" }, { "type": "fileUrl", "content": "{FILES}/missing.png" }] }`,
    status: 200,
    success: true,
    message: PARTIAL,
    task: { successCount: 1, totalCount: 2, failedCount: 1, sentFailed: 1 },
  },
  {
    name: 'isRoom must be a JSON boolean',
    path: '/webhook/msg/v2',
    body: `{ "to": "{ROOM}", "isRoom": "true", "data": { "content": "a" } }`,
    status: 200,
    success: false,
    message: INVALID,
    task: { successCount: 0, totalCount: 1, failedCount: 1, reject: 1 },
  },
  {
    name: 'a group cannot be named by an object',
    path: '/webhook/msg/v2',
    body: `{ "to": { "alias": "{ROOM}" }, "isRoom": true, "data": { "content": "a" } }`,
    status: 200,
    success: false,
    message: INVALID,
    task: { successCount: 0, totalCount: 1, failedCount: 1, reject: 1 },
  },
  {
    name: 'a body that is not JSON',
    path: '/webhook/msg/v2',
    body: `to=someone`,
    status: 200,
    success: false,
    message: 'request body is not a valid json! checkout please.',
  },
  { name: 'an empty array', path: '/webhook/msg/v2', body: `[]`, status: 500, success: false, message: 'Unknown Server Error' },
  {
    name: 'v1: invalid parameters (two spaces before "is")',
    path: '/webhook/msg',
    body: `{ "to": "{FRIEND}", "type": "img", "content": "" }`,
    status: 200,
    success: false,
    message:
      '[type 必须是 text or fileUrl，content 不能为空] params  is not valid, please checkout the api reference (https://github.com/danni-cool/wechatbot-webhook#%EF%B8%8F-api)',
  },
  {
    name: 'v1: unknown person',
    path: '/webhook/msg',
    body: `{ "to": "nobody-by-this-name", "content": "x" }`,
    status: 200,
    success: false,
    message: 'User is not found',
  },
  {
    name: 'v1: unknown group',
    path: '/webhook/msg',
    body: `{ "to": "no-such-group", "isRoom": true, "content": "x" }`,
    status: 200,
    success: false,
    message: 'Room is not found',
  },
];
