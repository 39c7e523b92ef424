/** The admin-commands settings page, in English and Chinese. */
import type { PluginForm, z } from '../../src/plugin.js';
import type { configSchema } from './index.js';

export const form: PluginForm<z.infer<typeof configSchema>> = {
  title: { en: 'Admin commands', zh: '管理命令' },
  description: {
    en: 'Owner-only chat commands: help, status, plugins, enable/disable, pause/resume',
    zh: '仅限主人的聊天命令：帮助、状态、插件、开关插件、暂停/恢复',
  },
  fields: {
    owners: {
      label: { en: 'Owners', zh: '主人' },
      help: { en: 'Who may give commands: contact ids, stable ids (wxid_…), names or remarks', zh: '谁可以发命令：联系人 ID、固定 ID（wxid_…）、名称或备注' },
      widget: 'lines',
    },
    selfIsOwner: {
      label: { en: 'This account counts as an owner', zh: '本账号自己算主人' },
      help: { en: 'Commands typed on this account itself (e.g. in File Transfer) count', zh: '本账号自己输入的命令（例如在文件传输助手中）有效' },
      widget: 'switch',
    },
    inGroups: { label: { en: 'Accept commands in groups', zh: '群聊中也接受命令' }, widget: 'switch' },
  },
};
