/** Chat messages per account (received and this account's own), searchable for the panel and the API. */
import type { Message } from '../transport/model.js';
import type { Promised } from './gate.js';
import { all, get, run, twin, type Param, type Sql, type Steps, type Work } from './sql/work.js';
import { extraOf, toMessage, type Row } from './messages-rows.js';
import { pageLimit, pageOf, sqliteTextSearch } from './messages-search-sqlite.js';

export { CANDIDATE_CHUNK, LIKE_WINDOW, trigramsOf } from './messages-search-sqlite.js';

export interface MessageQuery {
  chatId?: string;
  /**
   * Substring of the text, case-insensitive. On PostgreSQL: one ILIKE query, served by the pg_trgm index.
   * On SQLite: three characters or more are looked up in the full-text
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

/** The repository's shape with plain results; callers get its asynchronous view, `MessagesRepo`. */
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
   * Add the messages inserted since the last call to the full-text index, in one statement. The store
   * calls it just before each COMMIT (so a message and its index entry commit together); a search
   * calls it first. One statement for the rows of a whole group costs about half of one index insert
   * per row (bench: 0.011 against 0.026 ms a message in groups of 40). Nothing to do on PostgreSQL
   * (its trigram index is kept by the database).
   */
  indexPending(): void;
  /**
   * The chats with the newest messages, newest first by the time of each chat's newest stored message, with the newest
   * name stored for each among its `NAME_LOOK_BACK` newest messages. The ids one chat had in several web logins are one entry (by its stable identity), under its newest id.
   */
  recentChats(account: string, limit: number): RecentChat[];
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

/**
 * `list` with text on PostgreSQL: ILIKE, which pg_trgm's GIN index serves for three characters or more
 * (shorter ones read the account's rows newest first until the page is full).
 */
function postgresTextSearch(sql: Sql): (account: string, q: MessageQuery & { text: string }) => Work<MessagePage> {
  return function* search(account, q) {
    const limit = pageLimit(q);
    const inChat = q.chatId !== undefined;
    const query = sql.query(
      `select * from messages where account_id = ? ${inChat ? 'and chat_id = ?' : ''} and text ilike ? escape '\\' and seq < ? order by seq desc limit ?`,
    );
    const pattern = `%${q.text.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    const args = [account, ...(inChat ? [q.chatId!] : []), pattern, q.beforeSeq ?? Number.MAX_SAFE_INTEGER, limit + 1];
    return pageOf(yield* all<Row>(query, ...args), limit);
  };
}

/** The insert's parameters (its columns' order) for one message. */
function insertParams(account: string, m: Message, chatName: string | undefined, chatStableId: string | undefined): Param[] {
  return [
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
  ];
}

/**
 * How many of a chat's newest messages the recent chats look through for its stored name and stable identity. Nearly
 * every message carries them (the bot stores what the directory knows, a direct chat's sender name when it does not);
 * a chat with none among its newest 100 is named by the directory, as the panel names every chat first, else by its id.
 */
export const NAME_LOOK_BACK = 100;

export function createMessagesRepo(sql: Sql, options: MessagesRepoOptions = {}): Steps<MessagesTable> {
  const search = sql.dialect === 'postgres' ? postgresTextSearch(sql) : sqliteTextSearch(sql, options.searchBudgetMs ?? 15);
  const insert = sql.query(
    `insert into messages (account_id, id, chat_id, room_id, sender_id, sender_name, to_id, is_self, type, text,
       mentions_self, created_at, extra, chat_name, chat_stable_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing`,
  );
  // SQLite: rows are indexed in seq order, all at once: every row above the highest indexed one (the index's own
  // table of document sizes holds one row per indexed message) is the rest. Read from the database, not kept
  // here, so that the rows of a group that was rolled back count right. Only this handle writes messages
  // (the store's one connection), so `inserted` says when there is anything to index.
  const indexRest =
    sql.dialect === 'sqlite'
      ? sql.query('insert into messages_fts (rowid, text) select seq, text from messages where seq > (select coalesce(max(id), 0) from messages_fts_docsize)')
      : undefined;
  /** Whether this handle inserted rows since its last `indexPending`. */
  let inserted = false;
  /** Whether the insert stored the row (not a duplicate), noting that there is something to index. */
  const noteInserted = (changed: number): boolean => {
    if (changed === 0) return false;
    inserted = true;
    return true;
  };
  const byId = sql.query('select * from messages where account_id = ? and id = ?');
  const recall = sql.query('update messages set recalled = 1 where account_id = ? and id = ?');
  const count = sql.query('select count(*) as n from messages where account_id = ?');
  // Newest first, in the account or one chat (on SQLite within one chat its own index: the planner would otherwise take a
  // seq range over the whole account).
  const page = sql.query('select * from messages where account_id = ? and seq < ? order by seq desc limit ?');
  const pageInChat = sql.query({
    sqlite: 'select * from messages indexed by messages_chat_seq where account_id = ? and chat_id = ? and seq < ? order by seq desc limit ?',
    postgres: 'select * from messages where account_id = ? and chat_id = ? and seq < ? order by seq desc limit ?',
  });
  // Hops from chat to chat through messages_chat_seq (a skip scan): cost grows with the chats, not the messages. A chat's
  // time is that of its newest stored message (its highest seq, the index's last entry for the chat, then that row by
  // its key): no index of message times per chat is kept for this one page, which would cost every message a write of a
  // page of its own (issue 17). Messages reach the store in the order they were sent, a backlog after a reconnect too
  // (what came while away, newer than all stored before it), so the newest stored is the latest sent. A chat's name and
  // stable identity are looked for among its NAME_LOOK_BACK newest rows only: a chat with none was read whole at each
  // read before (0.06 s a read over one chat of 10,000 rows; 86 of test/api/keyset-paging's 113 s of CPU).
  const newestOfChat = (column: string): string =>
    `select ${column}, seq from messages where account_id = ? and chat_id = recent.chat order by seq desc limit ${NAME_LOOK_BACK}`;
  const recentChats = sql.query(
    `with recursive c(chat) as (
       select min(chat_id) from messages where account_id = ?
       union all
       select (select min(chat_id) from messages where account_id = ? and chat_id > c.chat) from c where c.chat is not null),
     tops as (select chat, (select max(seq) from messages where account_id = ? and chat_id = c.chat) as top from c where chat is not null),
     recent as (
       -- Times are whole seconds: of two ids of one person in the same second, the later stored is the current one.
       select chat, top, (select created_at from messages where seq = tops.top) as last from tops order by last desc, top desc limit ?)
     select chat as "chatId", last,
       (select chat_name from (${newestOfChat('chat_name')}) as w where chat_name is not null order by seq desc limit 1) as name,
       (select chat_stable_id from (${newestOfChat('chat_stable_id')}) as w where chat_stable_id is not null order by seq desc limit 1) as "stableId"
     from recent order by last desc, top desc`,
  );

  return {
    insert: twin(
      function* (account: string, m: Message, chatName?: string, chatStableId?: string): Work<boolean> {
        return noteInserted(yield* run(insert, ...insertParams(account, m, chatName, chatStableId)));
      },
      insert.now && ((account, m, chatName, chatStableId) => noteInserted(insert.now!.run(insertParams(account, m, chatName, chatStableId)))),
    ),
    *indexPending() {
      if (!inserted || !indexRest) return;
      inserted = false;
      yield* run(indexRest);
    },
    *get(account, id) {
      const r = yield* get<Row>(byId, account, id);
      return r ? toMessage(r) : undefined;
    },
    *list(account, q = {}) {
      if (q.text) {
        // Whoever inserted them, rows not yet indexed are before a search uses the index.
        if (indexRest && Array.from(q.text).length >= 3) yield* run(indexRest);
        return yield* search(account, { ...q, text: q.text });
      }
      const limit = pageLimit(q);
      const top = q.beforeSeq ?? Number.MAX_SAFE_INTEGER;
      const rows = q.chatId !== undefined ? yield* all<Row>(pageInChat, account, q.chatId, top, limit + 1) : yield* all<Row>(page, account, top, limit + 1);
      return pageOf(rows, limit);
    },
    *markRecalled(account, id) {
      return (yield* run(recall, account, id)) > 0;
    },
    *count(account) {
      return (yield* get<{ n: number }>(count, account))!.n;
    },
    *recentChats(account, limit) {
      // Twice as many ids as asked: a person who wrote before and after a re-login takes two.
      const rows = yield* all<{ chatId: string; last: number; name: string | null; stableId: string | null }>(
        recentChats,
        account,
        account,
        account,
        limit * 2,
        account,
        account,
      );
      const merged = new Map<string, RecentChat>();
      for (const r of rows) {
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
