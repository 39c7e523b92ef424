import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PluginRegistry } from '../../src/pipeline/index.js';

const BUILT_IN = ['admin-commands', 'ai', 'auto-reply', 'forward', 'friends', 'room-welcome', 'schedule'];

describe('built-in plugin schemas', () => {
  it('load, fill every default from {}, and give a JSON Schema with a description per field', async () => {
    const registry = await PluginRegistry.load({ pluginDir: undefined });
    assert.deepEqual(
      registry.problems.filter((p) => !p.path.includes('echo')),
      [],
    );
    for (const name of BUILT_IN) {
      const def = registry.get(name);
      assert.ok(def, `${name} is registered`);
      assert.ok(def.description.length > 10, `${name} has a description`);
      const parsed = def.config.safeParse({});
      assert.ok(parsed.success, `${name}: {} must be a valid config (every field has a default)`);
      const schema = registry.jsonSchema(name) as {
        type?: string;
        properties?: Record<string, { description?: string }>;
      };
      assert.equal(schema.type, 'object', name);
      const props = Object.entries(schema.properties ?? {});
      assert.ok(props.length > 0, `${name} has fields`);
      for (const [field, p] of props) assert.ok(p.description, `${name}.${field} has a .describe() text for the panel`);
    }
  });
});
