/**
 * Text search on SQLite: FTS5's trigram index for three characters or more, LIKE in windows of
 * sequence numbers below that, both within a time budget per call (see `MessageQuery.text`).
 */
import { atomic, all, get, run, type Query, type Sql, type Work } from './sql/work.js';
import { toMessage, type Row } from './messages-rows.js';
import type { MessagePage, MessageQuery } from './messages-repo.js';

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

/** Rows per page: the limit the caller asked for, within 1 … 500. */
export const pageLimit = (q: { limit?: number }): number => Math.max(1, Math.min(500, Math.floor(q.limit ?? 50)));

/** A page of `limit` from rows read one beyond it (so `next` is known). */
export function pageOf(rows: Row[], limit: number): MessagePage {
  return { items: rows.slice(0, limit).map(toMessage), ...(rows.length > limit && { next: rows[limit - 1]!.seq }) };
}

/**
 * `list` with text, on SQLite.
 *
 * @example const search = sqliteTextSearch(sql, 15); const page = yield* search('a1', { text: 'price' });
 */
export function sqliteTextSearch(sql: Sql, budget: number): (account: string, q: MessageQuery & { text: string }) => Work<MessagePage> {
  const minSeq = sql.query('select min(seq) as seq from messages');
  const maxSeq = sql.query('select max(seq) as seq from messages');
  // A phrase of several trigrams is not asked of the big index: its phrase query reads every list of a common trigram
  // in full (139–404 ms for a phrase of common words that matches nothing, at a million messages). Candidates come
  // from the rarest trigrams, and are checked here; those with cased letters beyond ASCII in a small index of their
  // own, with the same tokenizer (a temporary table, made on the first search that needs it).
  const probe = sql.query('select rowid from messages_fts where messages_fts match ? and rowid < ? order by rowid desc limit ?');
  const makeCandidates = sql.query(`create virtual table if not exists temp.search_candidates using fts5(text, tokenize = 'trigram')`);
  let candidateTable: { put: Query; clear: Query; check: Query } | undefined;
  /** The candidates that hold `phrase`, by the tokenizer itself, in one (nested when need be) transaction. */
  function* phraseInIndex(candidates: { seq: number; text: string }[], phrase: string): Work<number[]> {
    if (!candidateTable) {
      yield* run(makeCandidates);
      candidateTable = {
        put: sql.query('insert into temp.search_candidates (rowid, text) values (?, ?)'),
        clear: sql.query('delete from temp.search_candidates'),
        check: sql.query('select rowid from temp.search_candidates where search_candidates match ?'),
      };
    }
    const table = candidateTable;
    return yield* atomic(
      (function* () {
        for (const c of candidates) yield* run(table.put, c.seq, c.text);
        const matched = (yield* all<{ rowid: number }>(table.check, phrase)).map((r) => r.rowid);
        yield* run(table.clear);
        return matched;
      })(),
    );
  }
  /**
   * The candidates that hold `query` as the trigram index would say (a phrase of consecutive trigrams, folded alike on
   * both sides, is a substring): compared here where the fold is plain ASCII lower-casing, by the index otherwise
   * (inserting into it costs far more than a comparison).
   */
  function* holding(candidates: { seq: number; text: string }[], query: string): Work<number[]> {
    const needle = CASED_BEYOND_ASCII.test(query) ? undefined : query.toLowerCase();
    const found: number[] = [];
    const unsure: { seq: number; text: string }[] = [];
    for (const c of candidates) {
      if (needle === undefined || CASED_BEYOND_ASCII.test(c.text)) unsure.push(c);
      else if (c.text.toLowerCase().includes(needle)) found.push(c.seq);
    }
    if (unsure.length) found.push(...(yield* phraseInIndex(unsure, ftsString(query))));
    return found.sort((a, b) => b - a);
  }

  /** The query's rarest trigrams below `top` (by how close their newest matches lie), or [] when one has none. */
  function* rarestTrigrams(trigrams: string[], top: number): Work<string[]> {
    const step = Math.max(1, trigrams.length / MAX_PROBES);
    const probed: { t: string; density: number }[] = [];
    for (let i = 0; i < trigrams.length; i += step) {
      const t = trigrams[Math.floor(i)]!;
      const rows = yield* all<{ rowid: number }>(probe, ftsString(t), top, PROBE_ROWS);
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

  return function* search(account, q) {
    const limit = pageLimit(q);
    const text = q.text;
    const indexed = Array.from(text).length >= 3;
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
      args.push(ftsString(text));
    } else {
      where.push("m.text like ? escape '\\'");
      args.push(`%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
    }
    const select = (windowed: boolean) =>
      sql.query(`select m.* from ${from} where ${where.join(' and ')} and ${key} < ? ${windowed ? `and ${key} >= ?` : ''} order by ${key} desc limit ?`);
    const top = q.beforeSeq ?? Number.MAX_SAFE_INTEGER;
    const trigrams = indexed ? trigramsOf(text) : [];
    // One trigram (the phrase is that term): the index finds matches without reading other rows.
    if (trigrams.length === 1) return pageOf(yield* all<Row>(select(false), ...args, top, limit + 1), limit);
    if (indexed) {
      // Candidates: rows holding the query's rarest trigrams (cheap to intersect), newest first, in chunks; each chunk
      // is checked against the whole phrase in the small index. Chunks stop at a full page, the end, or the budget
      // (then `next` resumes below the last candidate checked).
      const rarest = yield* rarestTrigrams(trigrams, top);
      if (rarest.length === 0) return { items: [] };
      args.pop(); // the phrase: the candidates are checked against the text itself
      const candidates = sql.query(`select m.seq, m.text from ${from} where ${where.join(' and ')} and f.rowid < ? order by f.rowid desc limit ?`);
      const rowsOf = sql.query(
        `select * from messages where seq in (${Array(limit + 1)
          .fill('?')
          .join(', ')}) order by seq desc`,
      );
      const started = performance.now();
      const hits: number[] = [];
      for (let below = top; ;) {
        const chunk = yield* all<{ seq: number; text: string }>(candidates, ...args, rarest.map(ftsString).join(' AND '), below, CANDIDATE_CHUNK);
        hits.push(...(yield* holding(chunk, text)));
        const done = hits.length > limit || chunk.length < CANDIDATE_CHUNK;
        if (done || performance.now() - started >= budget) {
          const kept = hits.slice(0, limit + 1);
          const rows = kept.length ? yield* all<Row>(rowsOf, ...kept, ...Array<number>(limit + 1 - kept.length).fill(-1)) : [];
          if (done) return pageOf(rows, limit);
          return { items: rows.map(toMessage), next: chunk[chunk.length - 1]!.seq };
        }
        below = chunk[chunk.length - 1]!.seq;
      }
    }
    // LIKE reads every row: windows of sequence numbers downwards until the page is full, the store
    // is exhausted or the time budget is spent (then `next` resumes at the window's lower edge).
    const started = performance.now();
    const window = LIKE_WINDOW;
    const windowed = select(true);
    const lowest = (yield* get<{ seq: number | null }>(minSeq))?.seq ?? 0;
    const rows: Row[] = [];
    for (let hi = Math.min(top, ((yield* get<{ seq: number | null }>(maxSeq))?.seq ?? 0) + 1); ; hi -= window) {
      const lo = hi - window;
      rows.push(...(yield* all<Row>(windowed, ...args, hi, lo, limit + 1 - rows.length)));
      if (rows.length > limit || lo <= lowest) return pageOf(rows, limit);
      if (performance.now() - started >= budget) return { items: rows.map(toMessage), next: lo };
    }
  };
}
