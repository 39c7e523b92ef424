/**
 * How a plugin's settings look in the panel: its title and description, and per config key a
 * label, help text and the widget that edits it, in English and Chinese. A plugin passes this as
 * `form` to `definePlugin`; the panel draws its settings page from it alone (the zod schema still
 * validates). A key without an entry is drawn with its raw name as label and a widget chosen from
 * its schema type (docs/plugins.md, "Settings form").
 */

/** Text in each panel language. English is the fallback when a language has none. */
export interface Localized {
  en: string;
  zh?: string;
}

/**
 * The widget that edits one setting.
 * - `text`, `textarea`, `secret` (never shown back, empty keeps it), `number`, `switch` (boolean);
 * - `duration`: a number in `unit`;
 * - `select`: one of an enum; `checkboxes`: several of an enum or of `options`;
 * - `chat`: one chat (room topic, contact name or id), with the account's chats offered as you type;
 * - `lines`: a list of strings, one per line; `chats`: the same, with a picker over the account's chats;
 * - `list`: a list of objects, each edited with `item`'s fields (add, edit, remove, reorder, switch off);
 * - `json`: anything else, as JSON.
 */
export type Widget = 'text' | 'textarea' | 'secret' | 'number' | 'duration' | 'switch' | 'select' | 'checkboxes' | 'chat' | 'lines' | 'chats' | 'list' | 'json';

export interface FieldMeta {
  label: Localized;
  help?: Localized;
  widget: Widget;
  /** Labels of the values of a `select` or `checkboxes` (keys are the values, as strings). */
  options?: Record<string, Localized>;
  /** For `duration`. */
  unit?: 'seconds' | 'minutes';
  placeholder?: Localized;
  /**
   * A default text in each language (a prompt, a greeting): while the saved value is still `en`,
   * the Chinese form offers `zh` instead, and saving keeps it.
   */
  translatedDefault?: { en: string; zh: string };
  /** For `list`: how each item is drawn. */
  item?: ItemMeta;
}

export interface ItemMeta {
  /** What one item is called ("Rule"): the add button and each item's heading use it. */
  noun: Localized;
  /** The key whose value names an item in its heading (e.g. `name`, else `pattern`). */
  summary?: readonly string[];
  /** A boolean key that switches an item on and off; drawn in the item's heading. */
  toggle?: string;
  /** Values a new item starts with. */
  blank?: Record<string, unknown>;
  fields: Record<string, FieldMeta>;
}

/** A plugin's settings form; `fields` names only keys of the plugin's config. */
export interface PluginForm<Config = Record<string, unknown>> {
  title?: Localized;
  description?: Localized;
  fields: { [K in keyof Config]?: FieldMeta };
}
