/**
 * The settings form: specs from a schema and its declared metadata (labels, widgets, both languages,
 * the raw key only where nothing was declared), form fields and back to a config (nested lists
 * included), list buttons, issues placed at the deepest drawn field, and every built-in plugin
 * declaring a label and widget for every setting in English and Chinese.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { configFromForm, drawnPaths, formFields, placeIssues, type FormField } from '../../src/admin/schema-form.js';
import { sayer, type Said } from '../../src/admin/phrases.js';
import { formSpecs, type FieldSpec } from '../../src/admin/form-spec.js';
import { applyOp, parseOp } from '../../src/admin/form-ops.js';
import { PluginRegistry, type PluginForm } from '../../src/pipeline/index.js';

const schema = z.object({
  name: z.string().default('bot'),
  systemPrompt: z.string().default('Be brief.'),
  limit: z.number().int().min(1).default(5),
  wait: z.number().min(0).default(30),
  on: z.boolean().default(false),
  mode: z.enum(['a', 'b']).default('a'),
  apiKey: z.string().default(''),
  words: z.array(z.string()).default([]),
  triggers: z.array(z.enum(['x', 'y'])).default(['x']),
  groups: z.array(z.object({ enabled: z.boolean().default(true), chat: z.string(), days: z.array(z.number().int()).default([]) })).default([]),
});
const json = z.toJSONSchema(schema, { io: 'input' });
const form: PluginForm<z.infer<typeof schema>> = {
  title: { en: 'Test', zh: '测试' },
  fields: {
    systemPrompt: { label: { en: 'Prompt', zh: '提示词' }, widget: 'textarea', translatedDefault: { en: 'Be brief.', zh: '请简短。' } },
    limit: { label: { en: 'Limit', zh: '上限' }, widget: 'number' },
    wait: { label: { en: 'Wait', zh: '等待' }, widget: 'duration', unit: 'seconds' },
    on: { label: { en: 'On', zh: '开' }, widget: 'switch' },
    mode: { label: { en: 'Mode', zh: '模式' }, widget: 'select', options: { a: { en: 'Ay', zh: '甲' }, b: { en: 'Bee', zh: '乙' } } },
    apiKey: { label: { en: 'API key', zh: '密钥' }, widget: 'secret' },
    words: { label: { en: 'Words', zh: '词' }, widget: 'lines' },
    triggers: { label: { en: 'Triggers', zh: '触发' }, widget: 'checkboxes' },
    groups: {
      label: { en: 'Groups', zh: '群' },
      widget: 'list',
      item: {
        noun: { en: 'Group', zh: '群' },
        summary: ['chat'],
        toggle: 'enabled',
        blank: { chat: '' },
        fields: {
          enabled: { label: { en: 'On', zh: '启用' }, widget: 'switch' },
          chat: { label: { en: 'Chat', zh: '聊天' }, widget: 'chats' },
          days: { label: { en: 'Days', zh: '星期' }, widget: 'checkboxes', options: { '0': { en: 'Sun', zh: '周日' }, '1': { en: 'Mon', zh: '周一' } } },
        },
      },
    },
  },
};

const byKey = (fields: FormField[]): Record<string, FormField> => Object.fromEntries(fields.map((f) => [f.key, f]));

describe('formSpecs(schema, form, locale)', () => {
  it('takes labels, widgets and option labels from the metadata, in the locale; a key without metadata shows as itself', () => {
    const en = byKey(formFields(formSpecs(json, form, 'en'), {}));
    const zh = byKey(formFields(formSpecs(json, form, 'zh-CN'), {}));
    assert.equal(en.limit!.label, 'Limit');
    assert.equal(zh.limit!.label, '上限');
    assert.equal(zh.apiKey!.widget, 'secret');
    assert.deepEqual(
      zh.mode!.options!.map((o) => o.label),
      ['甲', '乙'],
    );
    assert.equal(zh.wait!.unit, 'seconds');
    // No metadata for `name`: its key is the label, marked as such, with the widget its type implies.
    assert.equal(en.name!.label, 'name');
    assert.equal(en.name!.labelIsKey, true);
    assert.equal(en.name!.widget, 'text');
    assert.equal(en.limit!.labelIsKey, false);
  });

  it('offers the Chinese default text while the saved value is still the English default', () => {
    const zh = byKey(formFields(formSpecs(json, form, 'zh-CN'), { systemPrompt: 'Be brief.' }));
    assert.equal(zh.systemPrompt!.value, '请简短。');
    const own = byKey(formFields(formSpecs(json, form, 'zh-CN'), { systemPrompt: 'Mine.' }));
    assert.equal(own.systemPrompt!.value, 'Mine.');
    assert.equal(byKey(formFields(formSpecs(json, form, 'en'), {})).systemPrompt!.value, 'Be brief.');
  });

  it('never puts a secret value in a field, only whether it is set', () => {
    const f = byKey(formFields(formSpecs(json, form, 'en'), { apiKey: 'sk-123' })).apiKey!;
    assert.equal(f.value, '');
    assert.equal(f.secretSet, true);
  });

  it('draws list items with their own fields, the toggle apart, and a summary', () => {
    const groups = byKey(formFields(formSpecs(json, form, 'en'), { groups: [{ enabled: false, chat: 'Family', days: [1] }] })).groups!;
    const item = groups.items![0]!;
    assert.equal(item.title, 'Group 1');
    assert.equal(item.summary, 'Family');
    assert.equal(item.toggle!.path, 'groups.0.enabled');
    assert.equal(item.toggle!.checked, false);
    assert.deepEqual(
      item.fields.map((f) => f.path),
      ['groups.0.chat', 'groups.0.days'],
    );
    assert.deepEqual(item.fields[1]!.selected, ['1']);
  });
});

describe('configFromForm(specs, form, current)', () => {
  const specs: FieldSpec[] = formSpecs(json, form, 'en');
  it('shapes values (nested lists included) and keeps an untouched secret', () => {
    const { config, problems } = configFromForm(
      specs,
      {
        'f:name': 'x',
        'f:mode': 'b',
        'f:limit': '7',
        'f:wait': '',
        'f:on': '1',
        'f:words': 'a\n b \n\n',
        'f:triggers': ['x', 'y'],
        'n:groups': '2',
        'f:groups/0/chat': 'Family\nWork',
        'f:groups/0/days': ['0', '1'],
        'f:groups/1/enabled': '1',
        'f:groups/1/chat': 'Shop',
        'f:apiKey': '',
      },
      { apiKey: 'kept', wait: 10 },
    );
    assert.deepEqual(problems, {});
    assert.equal(config.limit, 7);
    assert.equal('wait' in config, false, 'an emptied number goes back to its default');
    assert.equal(config.on, true);
    assert.deepEqual(config.words, ['a', 'b']);
    assert.deepEqual(config.triggers, ['x', 'y']);
    assert.deepEqual(config.groups, [
      { enabled: false, chat: ['Family', 'Work'], days: [0, 1] },
      { enabled: true, chat: ['Shop'], days: [] },
    ]);
    assert.equal(config.apiKey, 'kept');
  });

  it('reports non-numbers by path, clears a secret on request, keeps fields not in `seen`', () => {
    const { config, problems } = configFromForm(specs, { 'f:limit': 'abc', 'clear:apiKey': '1' }, { apiKey: 'x', name: 'keep' });
    assert.equal(problems.limit, 'form.notNumber');
    assert.equal(config.limit, 'abc', 'the typed text stays to be shown again');
    assert.equal(config.apiKey, '');
    const partial = configFromForm(specs, { seen: ['limit'], 'f:limit': '3' }, { name: 'keep', on: true });
    assert.equal(partial.config.name, 'keep');
    assert.equal(partial.config.on, true, 'a checkbox not drawn is not switched off');
  });
});

describe('list buttons and issue placement', () => {
  const specs = formSpecs(json, form, 'en');
  it('adds, moves, removes items and picks a chat', () => {
    const config: Record<string, unknown> = { groups: [{ chat: ['A'] }, { chat: ['B'] }] };
    assert.equal(applyOp(specs, config, parseOp('add:groups')!, {}), 'groups.2');
    assert.deepEqual((config.groups as unknown[])[2], { chat: '' });
    assert.equal(applyOp(specs, config, parseOp('up:groups.1')!, {}), 'groups.0');
    assert.deepEqual(
      (config.groups as { chat: unknown }[]).map((g) => g.chat),
      [['B'], ['A'], ''],
    );
    assert.equal(applyOp(specs, config, parseOp('remove:groups.2')!, {}), 'groups');
    assert.equal(applyOp(specs, config, parseOp('pick:groups.0.chat')!, { 'pick:groups/0/chat': 'Family' }), 'groups.0.chat');
    assert.deepEqual((config.groups as { chat: unknown }[])[0]!.chat, ['B', 'Family']);
    assert.equal(applyOp(specs, config, parseOp('remove:groups.9')!, {}), undefined);
    assert.equal(parseOp('drop:groups'), undefined);
  });

  const fields0 = () => formFields(specs, { groups: [{ chat: ['A'] }] });

  it('puts an issue at the deepest drawn field, and unknown paths above the form', () => {
    const fields = formFields(specs, { groups: [{ chat: ['A'] }] });
    const { byPath, other } = placeIssues(
      [
        { path: 'groups.0.chat.0', message: 'no such chat' },
        { path: 'groups.0', message: 'bad group' },
        { path: 'limit', message: 'too small' },
        { path: 'nothing.here', message: 'odd' },
      ],
      drawnPaths(fields),
      sayer('en', () => undefined),
    );
    const text = (said: Said): string => said.map((p) => p.text).join('');
    assert.deepEqual(Object.fromEntries(Object.entries(byPath).map(([k, v]) => [k, text(v)])), {
      'groups.0.chat': 'no such chat',
      'groups.0': 'bad group',
      limit: 'too small',
    });
    assert.deepEqual(other.map(text), ['nothing.here: odd']);
    assert.deepEqual(other[0]![0], { text: 'nothing.here', datum: true }, 'a path is data');
  });

  it('says a phrased issue in Chinese from the plugin book first, then the server book; English keeps the message', () => {
    const book = { 'needs-pattern': { en: 'a rule needs a pattern', zh: '规则需要匹配内容' } };
    const zh = sayer('zh-CN', (name) => (name === 'auto-reply' ? book : undefined));
    const { byPath } = placeIssues(
      [
        { path: 'limit', message: 'a rule needs a pattern', phrase: { code: 'needs-pattern' } },
        { path: 'groups', message: 'Too small: expected array to have >=2 items', phrase: { code: 'schema.too_small.array', params: { minimum: 2 } } },
        { path: 'groups.0', message: 'odd', phrase: { code: 'no-such-code' } },
      ],
      drawnPaths(fields0()),
      zh,
      'auto-reply',
    );
    assert.deepEqual(byPath.limit, [{ text: '规则需要匹配内容' }]);
    assert.deepEqual(byPath.groups, [{ text: '至少 ' }, { text: '2', datum: true }, { text: ' 项' }]);
    assert.deepEqual(byPath['groups.0'], [{ text: 'odd' }], 'an unknown code falls back to the English');
    assert.deepEqual(sayer('en', () => book)('a rule needs a pattern', { code: 'needs-pattern' }, 'auto-reply'), [{ text: 'a rule needs a pattern' }]);
  });
});

describe('built-in plugins declare their settings form', () => {
  it('every setting, list item field and option has a label in English and Chinese, and a widget', async () => {
    const registry = await PluginRegistry.load();
    const missing: string[] = [];
    const walk = (name: string, fields: FormField[]): void => {
      for (const f of fields) {
        if (f.labelIsKey) missing.push(`${name}: ${f.path} has no label`);
        else if (!/\p{Script=Han}/u.test(f.label)) missing.push(`${name}: ${f.path} label "${f.label}" is not Chinese`);
        if (f.help && !/\p{Script=Han}/u.test(f.help)) missing.push(`${name}: ${f.path} help is not Chinese`);
        for (const o of f.options ?? []) if (!/\p{Script=Han}/u.test(o.label)) missing.push(`${name}: ${f.path} option ${o.value} is not Chinese`);
        if (f.widget === 'json') missing.push(`${name}: ${f.path} falls back to JSON`);
        if (f.item && !/\p{Script=Han}/u.test(f.item.noun)) missing.push(`${name}: ${f.path} item noun is not Chinese`);
        // Draw one item of each list so that its fields are checked too.
        if (f.widget === 'list' && f.items!.length === 0)
          walk(
            name,
            formFields(f.item!.fields, {}).map((x) => ({ ...x, path: `${f.path}.0.${x.key}` })),
          );
        for (const item of f.items ?? []) walk(name, item.toggle ? [item.toggle, ...item.fields] : item.fields);
      }
    };
    assert.ok(registry.list().length >= 8);
    for (const def of registry.list()) {
      const form = registry.form(def.name);
      if (!form?.title?.zh || !form.description?.zh) missing.push(`${def.name}: no Chinese title or description`);
      walk(def.name, formFields(formSpecs(registry.jsonSchema(def.name), form, 'zh-CN'), {}));
      // An English default text that the Chinese form offers must be the schema's default itself.
      for (const [key, meta] of Object.entries(form?.fields ?? {})) {
        const td = meta?.translatedDefault;
        const dflt = (def.config.safeParse({}).data as Record<string, unknown> | undefined)?.[key];
        if (td && typeof dflt === 'string' && dflt !== td.en) missing.push(`${def.name}: ${key} translatedDefault.en is not the schema default`);
      }
    }
    assert.deepEqual(missing, []);
  });
});
