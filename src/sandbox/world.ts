/**
 * Generated, seedable worlds: each account has friends, official accounts, groups and the
 * strangers it meets in groups, with Chinese and English names, emoji in some nicknames and group
 * display names. Everything here is keyed by stable ids (wxid_…, gh_…, NNN@chatroom); per-login
 * `@hash` UserNames are derived in session.ts.
 */
import type { Family } from './hosts.js';
import { randDigits, randHex, type Rand } from './ids.js';

export type PersonKind = 'friend' | 'official' | 'stranger' | 'special';

export interface Person {
  id: string;
  kind: PersonKind;
  nick: string;
  remark: string;
  sex: number;
  province: string;
  city: string;
  signature: string;
  alias: string;
  contactFlag: number;
  verifyFlag: number;
  headSeq: number;
  pinyin: string;
}

export interface RoomMember {
  id: string;
  displayName: string;
}

export interface Room {
  id: string;
  topic: string;
  owner: string;
  members: RoomMember[];
  /** Saved to contacts: only these appear in webwxgetcontact (§5.3). */
  saved: boolean;
  /** 1 = notifications on, 0 = muted. */
  statues: number;
  /** False after the account quit or was removed. */
  active: boolean;
}

export interface Account {
  index: number;
  id: string;
  uin: number;
  nick: string;
  alias: string;
  family: Family;
  people: Map<string, Person>;
  rooms: Map<string, Room>;
  /** Device cookies for push login (§4.5), set at the first login. */
  authTicket?: string;
  uvid?: string;
  /** Barred from web login (newloginpage 1203) unless desktop mode (§4.4). */
  barred: boolean;
}

export interface WorldOptions {
  seed: number;
  accounts: number;
  contacts: number;
  officials: number;
  rooms: number;
  roomSize: number;
  family: Family;
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高'];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '洋',
  '艳',
  '勇',
  '军',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀英',
  '晓东',
  '雨轩',
  '子涵',
  '欣怡',
  '浩然',
];
const EN_FIRST = [
  'Alice',
  'Bob',
  'Carol',
  'David',
  'Emma',
  'Frank',
  'Grace',
  'Henry',
  'Iris',
  'Jack',
  'Kate',
  'Leo',
  'Mia',
  'Noah',
  'Olivia',
  'Paul',
  'Quinn',
  'Ruby',
  'Sam',
  'Tina',
];
const EN_LAST = ['Smith', 'Chen', 'Wong', 'Brown', 'Lee', 'Taylor', 'Martin', 'Garcia', 'Zhang', 'Kim'];
const EMOJI = ['🌸', '😄', '🐱', '🍀', '⭐', '🎵', '🌙', '🔥', '🐼', '☕'];
const PLACES: [string, string][] = [
  ['广东', '深圳'],
  ['北京', '海淀'],
  ['上海', '浦东'],
  ['浙江', '杭州'],
  ['四川', '成都'],
  ['', ''],
];
const SIGNATURES = ['', '', '今天也要加油', 'Stay hungry, stay foolish', '生活不止眼前的苟且 & 诗和远方', '<b>not bold</b>'];
const OFFICIALS = ['微信支付', '腾讯新闻', '顺丰速运', '成电食堂', 'GitHub Daily', '招商银行信用卡', 'The Economist', '知乎日报', '人民日报', 'Node.js 中文网'];
const TOPICS = ['家庭', '同学会', '周末徒步', 'Project Phoenix', '读书俱乐部', '篮球队 🏀', '前端交流群', 'Family & Friends', '公司年会筹备', '羽毛球'];
const SELF_NAMES = ['测试账号', 'Sandbox Sam', '小明', 'Demo Bot', '李雷'];

function pick<T>(rand: Rand, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)] as T;
}

/** A generated display name: Chinese or English, sometimes with an emoji (§10.5 spans). */
export function personName(rand: Rand): string {
  let name = rand() < 0.6 ? pick(rand, SURNAMES) + pick(rand, GIVEN) : `${pick(rand, EN_FIRST)} ${pick(rand, EN_LAST)}`;
  if (rand() < 0.15) name += pick(rand, EMOJI);
  return name;
}

function simplePinyin(name: string): string {
  const ascii = name.replace(/[^A-Za-z]/g, '');
  return ascii ? ascii.toLowerCase() : 'pinyin';
}

/** Make a person; `contactFlag` 3 for friends (§10.1), VerifyFlag 24 for official accounts. */
export function makePerson(rand: Rand, kind: PersonKind, id?: string, nick?: string): Person {
  const [province, city] = pick(rand, PLACES);
  const name = nick ?? personName(rand);
  return {
    id: id ?? (kind === 'official' ? `gh_${randHex(rand, 12)}` : `wxid_${randHex(rand, 12)}${randDigits(rand, 2)}`),
    kind,
    nick: name,
    remark: '',
    sex: kind === 'official' ? 0 : 1 + Math.floor(rand() * 2),
    province,
    city,
    signature: pick(rand, SIGNATURES),
    alias: rand() < 0.3 ? `alias_${randHex(rand, 6)}` : '',
    contactFlag: kind === 'friend' || kind === 'official' ? 3 : kind === 'special' ? 1 : 0,
    verifyFlag: kind === 'official' ? 24 : 0,
    headSeq: 600_000_000 + Math.floor(rand() * 99_999_999),
    pinyin: simplePinyin(name),
  };
}

function makeAccount(rand: Rand, index: number, o: WorldOptions): Account {
  const people = new Map<string, Person>();
  const filehelper = makePerson(rand, 'special', 'filehelper', '文件传输助手');
  filehelper.verifyFlag = 0;
  people.set('filehelper', filehelper);
  const friends: Person[] = [];
  for (let i = 0; i < o.contacts; i++) {
    const p = makePerson(rand, 'friend');
    people.set(p.id, p);
    friends.push(p);
  }
  for (let i = 0; i < o.officials; i++) {
    const p = makePerson(rand, 'official', undefined, OFFICIALS[i % OFFICIALS.length] + (i >= OFFICIALS.length ? ` ${i}` : ''));
    people.set(p.id, p);
  }
  const selfId = `wxid_sandbox${String(index + 1).padStart(4, '0')}`;
  const rooms = new Map<string, Room>();
  for (let r = 0; r < o.rooms; r++) {
    const room = makeRoom(rand, selfId, friends, people, o.roomSize, r);
    rooms.set(room.id, room);
  }
  return {
    index,
    id: selfId,
    uin: 100_000_000 + index * 7919 + Math.floor(rand() * 7000),
    nick: index < SELF_NAMES.length ? (SELF_NAMES[index] as string) : `Sandbox ${index + 1}`,
    alias: `sandbox_${index + 1}`,
    family: o.family,
    people,
    rooms,
    barred: false,
  };
}

/** A group: self, some friends and some strangers (strangers join `people` as kind `stranger`). */
function makeRoom(rand: Rand, selfId: string, friends: Person[], people: Map<string, Person>, size: number, r: number): Room {
  const members: RoomMember[] = [{ id: selfId, displayName: '' }];
  const used = new Set<string>([selfId]);
  const want = Math.max(3, size);
  while (members.length < want) {
    let p: Person;
    const f = friends.length > 0 && rand() < 0.5 ? friends[Math.floor(rand() * friends.length)] : undefined;
    if (f && !used.has(f.id)) p = f;
    else {
      p = makePerson(rand, 'stranger');
      people.set(p.id, p);
    }
    used.add(p.id);
    members.push({ id: p.id, displayName: rand() < 0.25 ? personName(rand) : '' });
  }
  const owner = rand() < 0.3 ? selfId : (members[1] as RoomMember).id;
  return {
    id: `${randDigits(rand, 1).replace('0', '1')}${randDigits(rand, 9)}@chatroom`,
    topic: r < TOPICS.length ? (TOPICS[r] as string) : `群聊 ${r + 1}`,
    owner,
    members,
    saved: rand() < 0.5,
    statues: rand() < 0.8 ? 1 : 0,
    active: true,
  };
}

/** Build the accounts of a world. The same options and seed give the same world. */
export function generateWorld(rand: Rand, o: WorldOptions): Account[] {
  const out: Account[] = [];
  for (let i = 0; i < o.accounts; i++) out.push(makeAccount(rand, i, o));
  return out;
}

/** Add a new account (e.g. from the control API) with the same generator. */
export function addAccount(rand: Rand, existing: Account[], o: WorldOptions): Account {
  const a = makeAccount(rand, existing.length, o);
  existing.push(a);
  return a;
}

/** Find a person or room by id or display name (nickname, remark, topic). */
export function findPerson(account: Account, ref: string): Person | undefined {
  const byId = account.people.get(ref);
  if (byId) return byId;
  for (const p of account.people.values()) if (p.nick === ref || (p.remark && p.remark === ref)) return p;
  return undefined;
}

export function findRoom(account: Account, ref: string): Room | undefined {
  const byId = account.rooms.get(ref);
  if (byId) return byId;
  for (const r of account.rooms.values()) if (r.topic === ref) return r;
  return undefined;
}

/** Name used in system texts: the member's group display name, else remark, else nickname. */
export function displayNameIn(account: Account, room: Room | undefined, id: string): string {
  if (id === account.id) return account.nick;
  const m = room?.members.find((x) => x.id === id);
  if (m?.displayName) return m.displayName;
  const p = account.people.get(id);
  return p ? p.remark || p.nick : id;
}
