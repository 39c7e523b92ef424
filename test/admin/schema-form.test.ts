/** schema-form: JSON Schema → form fields → config, for every field kind. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { configFromForm, formFields } from '../../src/admin/schema-form.js';

const schema = z.object({
  name: z.string().default('bot'),
  systemPrompt: z.string().default(''),
  limit: z.number().int().min(1).default(5),
  on: z.boolean().default(false),
  mode: z.enum(['a', 'b']).default('a'),
  apiKey: z.string().default(''),
  hidden: z.string().meta({ format: 'password' }).default(''),
  words: z.array(z.string()).default([]),
  triggers: z.array(z.enum(['x', 'y'])).default(['x']),
  groups: z.array(z.object({ chat: z.string() })).default([]),
});
const json = z.toJSONSchema(schema, { io: 'input' });

describe('formFields(schema, config)', () => {
  it('draws each kind', () => {
    const kinds = Object.fromEntries(formFields(json, {}).map((f) => [f.name, f.kind]));
    assert.deepEqual(kinds, {
      name: 'string',
      systemPrompt: 'text',
      limit: 'integer',
      on: 'boolean',
      mode: 'select',
      apiKey: 'secret',
      hidden: 'secret',
      words: 'list',
      triggers: 'multi',
      groups: 'json',
    });
  });

  it('never puts a secret value in a field, only whether it is set', () => {
    const f = formFields(json, { apiKey: 'sk-123' }).find((x) => x.name === 'apiKey')!;
    assert.equal(f.value, '');
    assert.equal(f.secretSet, true);
  });
});

describe('configFromForm(fields, form, current)', () => {
  const fields = formFields(json, {});
  it('shapes values and keeps an untouched secret', () => {
    const { config, problems } = configFromForm(
      fields,
      {
        'f:name': 'x',
        'f:mode': 'b',
        'f:limit': '7',
        'f:on': '1',
        'f:words': 'a\n b \n\n',
        'f:triggers': ['x', 'y'],
        'f:groups': '[{"chat":"c"}]',
        'f:apiKey': '',
      },
      { apiKey: 'kept' },
    );
    assert.deepEqual(problems, {});
    assert.equal(config.limit, 7);
    assert.equal(config.on, true);
    assert.deepEqual(config.words, ['a', 'b']);
    assert.deepEqual(config.triggers, ['x', 'y']);
    assert.deepEqual(config.groups, [{ chat: 'c' }]);
    assert.equal(config.apiKey, 'kept');
    assert.equal(schema.safeParse(config).success, true);
  });

  it('reports bad JSON and non-numbers, clears a secret on request, keeps fields not in `seen`', () => {
    const { config, problems } = configFromForm(fields, { 'f:limit': 'abc', 'f:groups': '[{', 'clear:apiKey': '1' }, { apiKey: 'x', name: 'keep' });
    assert.equal(problems.limit, 'form.notNumber');
    assert.match(problems.groups ?? '', /^form\.badJson:/);
    assert.equal(config.apiKey, '');
    const partial = configFromForm(fields, { seen: ['limit'], 'f:limit': '3' }, { name: 'keep', on: true });
    assert.equal(partial.config.name, 'keep');
    assert.equal(partial.config.on, true, 'a checkbox not drawn is not switched off');
  });
});
