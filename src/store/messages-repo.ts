/** Chat messages per account (received and this account's own), searchable for the panel and the API. */
import type { Message, MessageType } from '../transport/model.js';
import type { Db } from './database.js';
import type { Promised } from './gate.js';

export interface MessageQuery {
  chatId?: string;
  /**
   * Substring of the text, case-insensitive. Three characters or more are looked up in the full-text
   * index (trigrams); beyond three, the rows holding the query's rarest trigrams are checked for the
   * whole text, newest first, in chunks. One or two characters, below a trigram's reach, are compared
   * with LIKE, reading the store in windows of sequence numbers, newest first. Both start no new chunk
   * or window after a time budget: such a page may hold fewer than `limit` and still have a `next`
   * (follow it; nothing is skipped).
   */
  text?: string;
  /** Keyset cursor: only messages stored before this one (a `next` from the previous page). */
  beforeSeq?: number;
  /** Default 50, at most 500. */
  limit?: number;
}

export interface StoredMessage extends Message {
  account: string;
  recalled: boolean;
  /** The chat's name when the message was stored (chat ids of the web protocol change at each login). */
  chatName?: string;
}

/** Newest first (the order the store received them); `next` continues below the last row looked at. */
export interface MessagePage {
  items: StoredMessage[];
  next?: number;
}

/** The synchronous SQLite implementation; callers get its asynchronous view, `MessagesRepo`. */
export interface MessagesTable {
  /**
   * Insert one message with the chat's name and stable identity as known now; a duplicate id for
   * the account is ignored. Returns whether it was new.
   */
  insert(account: string, message: Message, chatName?: string, chatStableId?: string): boolean;
  get(account: string, id: string): StoredMessage | undefined;
  list(account: string, query?: MessageQuery): MessagePage;
  markRecalled(account: string, id: string): boolean;
  count(account: string): number;
  /**
   * The chats with the newest messages (by message time), newest first, with the newest name stored
   * for each. The ids one chat had in several web logins are one entry (by its stable identity), under its newest id.
   */
  recentChats(account: string, limit: number): RecentChat[];
  /**
   * Add the messages inserted since the last call to the full-text index, in one statement. The store
   * calls it just before each COMMIT (so a message and its index entry commit together); a search
   * calls it first. One statement for the rows of a whole group costs about half of one index insert
   * per row (bench: 0.011 against 0.026 ms a message in groups of 40).
   */
  indexPending(): void;
}

export type MessagesRepo = Promised<MessagesTable>;

export interface RecentChat {
  /** The chat's newest id (web-protocol ids change at each login). */
  chatId: string;
  last: number;
  name?: string;
  /** The chat's stable identity, when the directory knew it as the messages came. */
  stableId?: string;
}

export interface MessagesRepoOptions {
  /** Time after which a search call starts no new window (default 15 ms); 0 = exactly one window per call. */
  searchBudgetMs?: number;
}

/** Sequence numbers one window of a LIKE search covers: small enough that a call ends soon after its budget. */
export const LIKE_WINDOW = 5_000;

/** Candidate rows an indexed search checks at a time (between two looks at its time budget). */
export const CANDIDATE_CHUNK = 256;
/** Matches read per trigram to estimate how common it is (newest first, below the cursor). */
const PROBE_ROWS = 32;
/** Trigrams probed at most (spread over a long query); candidates come from the three rarest. */
const MAX_PROBES = 48;
const RAREST = 3;

/** The distinct trigrams of `text` (code points), as the trigram tokenizer cuts them. */
export function trigramsOf(text: string): string[] {
  const chars = Array.from(text);
  const out = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i++) out.add(chars.slice(i, i + 3).join(''));
  return [...out];
}

/**
 * A letter outside ASCII that has a case. Only ASCII and caseless text (Chinese, digits, punctuation, emoji) is
 * compared here; text with such a letter is left to the index's own tokenizer, whose folding table (and Unicode
 * version) JavaScript's toLowerCase does not match letter for letter (İ, final sigma, newer scripts).
 */
const CASED_BEYOND_ASCII = /(?=[^\0-\x7f])\p{Changes_When_Casemapped}/u;

/** One FTS5 string (a phrase when it holds several tokens), quoted so that nothing in it is query syntax. */
const ftsString = (text: string): string => `"${text.replaceAll('"', '""')}"`;

interface Row {
  seq: number;
  account_id: string;
  id: string;
  chat_id: string;
  room_id: string | null;
  sender_id: string;
  sender_name: string | null;
  to_id: string;
  is_self: number;
  type: string;
  text: string;
  mentions_self: number;
  created_at: number;
  recalled: number;
  extra: string | null;
  chat_name: string | null;
}

interface Extra {
  media?: Message['media'];
  link?: Message['link'];
  location?: Message['location'];
  card?: Message['card'];
  mentions?: string[];
}

function toMessage(r: Row): StoredMessage {
  const extra: Extra = r.extra ? (JSON.parse(r.extra) as Extra) : {};
  return {
    account: r.account_id,
    id: r.id,
    type: r.type as MessageType,
    chatId: r.chat_id,
    ...(r.room_id != null && { roomId: r.room_id }),
    senderId: r.sender_id,
    ...(r.sender_name != null && { senderName: r.sender_name }),
    toId: r.to_id,
    isSelf: r.is_self === 1,
    text: r.text,
    mentionsSelf: r.mentions_self === 1,
    mentions: extra.mentions ?? [],
    createdAt: r.created_at,
    recalled: r.recalled === 1,
    ...(r.chat_name != null && { chatName: r.chat_name }),
    ...(extra.media && { media: extra.media }),
    ...(extra.link && { link: extra.link }),
    ...(extra.location && { location: extra.location }),
    ...(extra.card && { card: extra.card }),
  };
}

/** Only the optional parts go to JSON, and only when present: plain texts cost no stringify. */
function extraOf(m: Message): string | null {
  if (!m.media && !m.link && !m.location && !m.card && m.mentions.length === 0) return null;
  const e: Extra = {};
  if (m.media) e.media = m.media;
  if (m.link) e.link = m.link;
  if (m.location) e.location = m.location;
  if (m.card) e.card = m.card;
  if (m.mentions.length) e.mentions = m.mentions;
  return JSON.stringify(e);
}

export function createMessagesRepo(db: Db, options: MessagesRepoOptions = {}): MessagesTable {
  const budget = options.searchBudgetMs ?? 15;
  const minSeq = db.prepare<[], { seq: number | null }>('select min(seq) as seq from messages');
  const maxSeq = db.prepare<[], { seq: number | null }>('select max(seq) as seq from messages');
  const insert = db.prepare(
    `insert or ignore into messages (account_id, id, chat_id, room_id, sender_id, sender_name, to_id, is_self, type, text,
       mentions_self, created_at, extra, chat_name, chat_stable_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // Rows are indexed in seq order, all at once: every row above the highest indexed one (the index's own
  // table of document sizes holds one row per indexed message) is the rest. Read from the database, not kept
  // here, so that the rows of a group that was rolled back count right. Only this handle writes messages
  // (the store's one connection), so `inserted` says when there is anything to index.
  const indexRest = db.prepare(
    'insert into messages_fts (rowid, text) select seq, text from messages where seq > (select coalesce(max(id), 0) from messages_fts_docsize)',
  );
  /** Whether this handle inserted rows since its last `indexPending`. */
  let inserted = false;
  const indexPending = (): void => {
    if (!inserted) return;
    inserted = false;
    indexRest.run();
  };
  const byId = db.prepare<[string, string], Row>('select * from messages where account_id = ? and id = ?');
  const recall = db.prepare('update messages set recalled = 1 where account_id = ? and id = ?');
  const count = db.prepare<[string], { n: number }>('select count(*) as n from messages where account_id = ?');
  // Hops from chat to chat through the index (a skip scan): cost grows with the chats, not the messages.
  const recentChats = db.prepare<{ account: string; limit: number }, { chatId: string; last: number; name: string | null; stableId: string | null }>(
    `with recursive c(chat) as (
       select min(chat_id) from messages where account_id = @account
       union all
       select (select min(chat_id) from messages where account_id = @account and chat_id > c.chat) from c where c.chat is not null),
     recent as (
       select chat, (select max(created_at) from messages where account_id = @account and chat_id = c.chat) as last,
         -- Times are whole seconds: of two ids of one person in the same second, the later stored is the current one.
         (select max(seq) from messages where account_id = @account and chat_id = c.chat) as top
       from c where chat is not null order by last desc, top desc limit @limit)
     select chat as chatId, last,
       (select chat_name from messages where account_id = @account and chat_id = recent.chat and chat_name is not null order by seq desc limit 1) as name,
       (select chat_stable_id from messages where account_id = @account and chat_id = recent.chat and chat_stable_id is not null order by seq desc limit 1)
         as stableId
     from recent order by last desc, top desc`,
  );
  // A phrase of several trigrams is not asked of the big index: its phrase query reads every list of a common trigram
  // in full (139–404 ms for a phrase of common words that matches nothing, at a million messages). Candidates come
  // from the rarest trigrams, and are checked here; those with cased letters beyond ASCII in a small index of their
  // own, with the same tokenizer.
  db.exec(`create virtual table if not exists temp.search_candidates using fts5(text, tokenize = 'trigram')`);
  const probe = db.prepare<[string, number, number], { rowid: number }>(
    'select rowid from messages_fts where messages_fts match ? and rowid < ? order by rowid desc limit ?',
  );
  const putCandidate = db.prepare('insert into temp.search_candidates (rowid, text) values (?, ?)');
  const clearCandidates = db.prepare('delete from temp.search_candidates');
  const checkCandidates = db.prepare<[string], { rowid: number }>('select rowid from temp.search_candidates where search_candidates match ?');
  /** The candidates that hold `phrase`, by the tokenizer itself, in one (nested when need be) transaction. */
  const phraseInIndex = db.transaction((candidates: { seq: number; text: string }[], phrase: string): number[] => {
    for (const c of candidates) putCandidate.run(c.seq, c.text);
    const matched = checkCandidates.all(phrase).map((r) => r.rowid);
    clearCandidates.run();
    return matched;
  });
  /**
   * The candidates that hold `query` as the trigram index would say (a phrase of consecutive trigrams, folded alike on
   * both sides, is a substring): compared here where the fold is plain ASCII lower-casing, by the index otherwise
   * (inserting into it costs far more than a comparison).
   */
  function holding(candidates: { seq: number; text: string }[], query: string): number[] {
    const needle = CASED_BEYOND_ASCII.test(query) ? undefined : query.toLowerCase();
    const found: number[] = [];
    const unsure: { seq: number; text: string }[] = [];
    for (const c of candidates) {
      if (needle === undefined || CASED_BEYOND_ASCII.test(c.text)) unsure.push(c);
      else if (c.text.toLowerCase().includes(needle)) found.push(c.seq);
    }
    if (unsure.length) found.push(...phraseInIndex(unsure, ftsString(query)));
    return found.sort((a, b) => b - a);
  }

  /** The query's rarest trigrams below `top` (by how close their newest matches lie), or [] when one has none. */
  function rarestTrigrams(trigrams: string[], top: number): string[] {
    const step = Math.max(1, trigrams.length / MAX_PROBES);
    const probed: { t: string; density: number }[] = [];
    for (let i = 0; i < trigrams.length; i += step) {
      const t = trigrams[Math.floor(i)]!;
      const rows = probe.all(ftsString(t), top, PROBE_ROWS);
      if (rows.length === 0) return [];
      // Fewer rows than asked: all there are (rare). Else: matches per sequence number among the newest.
      const density = rows.length < PROBE_ROWS ? rows.length / top : PROBE_ROWS / (top - rows[rows.length - 1]!.rowid);
      probed.push({ t, density });
    }
    return probed
      .sort((a, b) => a.density - b.density)
      .slice(0, RAREST)
      .map((p) => p.t);
  }

  return {
    insert(account, m, chatName, chatStableId) {
      const done = insert.run(
        account,
        m.id,
        m.chatId,
        m.roomId ?? null,
        m.senderId,
        m.senderName ?? null,
        m.toId,
        m.isSelf ? 1 : 0,
        m.type,
        m.text,
        m.mentionsSelf ? 1 : 0,
        m.createdAt,
        extraOf(m),
        chatName ?? null,
        chatStableId ?? null,
      );
      if (done.changes === 0) return false;
      inserted = true;
      return true;
    },
    indexPending,
    get(account, id) {
      const r = byId.get(account, id);
      return r ? toMessage(r) : undefined;
    },
    list(account, q = {}) {
      const limit = Math.max(1, Math.min(500, Math.floor(q.limit ?? 50)));
      const text = q.text ?? '';
      const indexed = Array.from(text).length >= 3;
      // Whoever inserted them, rows not yet indexed are before a search uses the index.
      if (indexed) indexRest.run();
      // With the index, the index drives the loop (cross join keeps it outer) and yields rows newest first.
      const key = indexed ? 'f.rowid' : 'm.seq';
      const where = ['m.account_id = ?'];
      const args: (string | number)[] = [account];
      if (q.chatId !== undefined) {
        where.push('m.chat_id = ?');
        args.push(q.chatId);
      }
      // Within one chat its own index (the planner would otherwise take a seq range over the whole account).
      let from = q.chatId !== undefined ? 'messages m indexed by messages_chat_seq' : 'messages m';
      if (indexed) {
        // A phrase of trigrams at consecutive positions is exactly a substring.
        from = 'messages_fts f cross join messages m on m.seq = f.rowid';
        where.push('messages_fts match ?');
        args.push(`"${text.replaceAll('"', '""')}"`);
      } else if (text) {
        where.push("m.text like ? escape '\\'");
        args.push(`%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
      }
      const sql = (windowed: boolean) =>
        `select m.* from ${from} where ${where.join(' and ')} and ${key} < ? ${windowed ? `and ${key} >= ?` : ''} order by ${key} desc limit ?`;
      const page = (rows: Row[]): MessagePage => ({
        items: rows.slice(0, limit).map(toMessage),
        ...(rows.length > limit && { next: rows[limit - 1]!.seq }),
      });
      const top = q.beforeSeq ?? Number.MAX_SAFE_INTEGER;
      const trigrams = indexed ? trigramsOf(text) : [];
      // No text, or one trigram (the phrase is that term): the index finds matches without reading other rows.
      if (!text || trigrams.length === 1) return page(db.prepare(sql(false)).all(...args, top, limit + 1) as Row[]);
      if (indexed) {
        // Candidates: rows holding the query's rarest trigrams (cheap to intersect), newest first, in chunks; each chunk
        // is checked against the whole phrase in the small index. Chunks stop at a full page, the end, or the budget
        // (then `next` resumes below the last candidate checked).
        const rarest = rarestTrigrams(trigrams, top);
        if (rarest.length === 0) return { items: [] };
        args.pop(); // the phrase: the candidates are checked against the text itself
        const candidates = db.prepare<(string | number)[], { seq: number; text: string }>(
          `select m.seq, m.text from ${from} where ${where.join(' and ')} and f.rowid < ? order by f.rowid desc limit ?`,
        );
        const rowsOf = db.prepare<number[], Row>(
          `select * from messages where seq in (${Array(limit + 1)
            .fill('?')
            .join(', ')}) order by seq desc`,
        );
        const started = performance.now();
        const hits: number[] = [];
        for (let below = top; ;) {
          const chunk = candidates.all(...args, rarest.map(ftsString).join(' AND '), below, CANDIDATE_CHUNK);
          hits.push(...holding(chunk, text));
          const done = hits.length > limit || chunk.length < CANDIDATE_CHUNK;
          if (done || performance.now() - started >= budget) {
            const kept = hits.slice(0, limit + 1);
            const rows = kept.length ? rowsOf.all(...kept, ...Array<number>(limit + 1 - kept.length).fill(-1)) : [];
            if (done) return page(rows);
            return { items: rows.map(toMessage), next: chunk[chunk.length - 1]!.seq };
          }
          below = chunk[chunk.length - 1]!.seq;
        }
      }
      // LIKE reads every row: windows of sequence numbers downwards until the page is full, the store
      // is exhausted or the time budget is spent (then `next` resumes at the window's lower edge).
      const started = performance.now();
      const window = LIKE_WINDOW;
      const stmt = db.prepare(sql(true));
      const lowest = minSeq.get()?.seq ?? 0;
      const rows: Row[] = [];
      for (let hi = Math.min(top, (maxSeq.get()?.seq ?? 0) + 1); ; hi -= window) {
        const lo = hi - window;
        rows.push(...(stmt.all(...args, hi, lo, limit + 1 - rows.length) as Row[]));
        if (rows.length > limit || lo <= lowest) return page(rows);
        if (performance.now() - started >= budget) return { items: rows.map(toMessage), next: lo };
      }
    },
    markRecalled: (account, id) => recall.run(account, id).changes > 0,
    count: (account) => count.get(account)!.n,
    recentChats(account, limit) {
      // Twice as many ids as asked: a person who wrote before and after a re-login takes two.
      const merged = new Map<string, RecentChat>();
      for (const r of recentChats.all({ account, limit: limit * 2 })) {
        const key = r.stableId ?? `id:${r.chatId}`;
        const seen = merged.get(key);
        if (seen) {
          if (seen.name === undefined && r.name != null) seen.name = r.name;
          continue;
        }
        merged.set(key, { chatId: r.chatId, last: r.last, ...(r.name != null && { name: r.name }), ...(r.stableId != null && { stableId: r.stableId }) });
      }
      return [...merged.values()].slice(0, limit);
    },
  };
}
