/** Settings-form pieces the built-in plugins share, so that the same setting reads the same everywhere in the panel. */
import type { FieldMeta, Localized } from '../plugin-form.js';

/** The switch that turns one list item (a rule, a job, a route …) on and off. */
export const itemOn: FieldMeta = { label: { en: 'On', zh: '启用' }, widget: 'switch' };

/** An item's name, shown in its heading and in the logs. */
export const itemName: FieldMeta = {
  label: { en: 'Name', zh: '名称' },
  help: { en: 'A label for the panel and the logs', zh: '在面板和日志中显示的名称' },
  widget: 'text',
};

export const chatsHelp: Localized = { en: 'Room topics, contact names or ids', zh: '群名、联系人名称或 ID' };

/** A chat list (rooms or contacts), with the account's chats offered. */
export const chatList = (label: Localized, help: Localized = chatsHelp): FieldMeta => ({ label, help, widget: 'chats' });

export const mentionOnly: FieldMeta = { label: { en: 'In groups only when @-mentioned', zh: '群里仅在被 @ 时回复' }, widget: 'switch' };

/** `passThrough`: whether later plugins still see a message this one answered. */
export const passThrough = (help: Localized): FieldMeta => ({
  label: { en: 'Let later plugins see answered messages', zh: '已回答的消息继续交给后面的插件' },
  help,
  widget: 'switch',
});

/** A time zone setting (an IANA name); `help` says what it is for and what empty means. */
export const timeZone = (help: Localized): FieldMeta => ({ label: { en: 'Time zone', zh: '时区' }, help, widget: 'text' });
