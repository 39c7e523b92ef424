// The long poll's HTTP/1.1 answer reader: every framing a server may choose, fed in pieces.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { MalformedResponseError, ResponseReader, type ReadResponse } from '../../src/protocol/response-reader.js';

/** Feed `text` one byte at a time (the worst split), then the connection's end when `ends`; what came out. */
function readBytewise(bytes: Buffer, ends = false): ReadResponse[] {
  const r = new ResponseReader();
  const out: ReadResponse[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const got = r.push(bytes.subarray(i, i + 1));
    if (got) out.push(got);
  }
  if (ends) {
    const got = r.end();
    if (got) out.push(got);
  }
  return out;
}

const body = (r: ReadResponse | undefined): string => r?.response.body.toString('utf8') ?? '(none)';

describe('ResponseReader', () => {
  it('reads a Content-Length answer whole or in single bytes, with its headers and keep-alive', () => {
    const wire = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/javascript\r\nContent-Length: 43\r\n\r\nwindow.synccheck={retcode:"0",selector:"2"}');
    const whole = new ResponseReader().push(wire);
    assert.equal(body(whole), 'window.synccheck={retcode:"0",selector:"2"}');
    assert.equal(whole?.response.status, 200);
    assert.equal(whole?.response.headers['content-type'], 'text/javascript');
    assert.equal(whole?.keepAlive, true);
    const pieces = readBytewise(wire);
    assert.equal(pieces.length, 1);
    assert.equal(body(pieces[0]), 'window.synccheck={retcode:"0",selector:"2"}');
  });

  it('reads two answers in turn on one reader (a kept-alive connection)', () => {
    const r = new ResponseReader();
    assert.equal(body(r.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na'))), 'a');
    assert.equal(r.started, false);
    assert.equal(r.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Len')), undefined);
    assert.equal(r.started, true);
    assert.equal(body(r.push(Buffer.from('gth: 2\r\n\r\nbc'))), 'bc');
  });

  it('reads a chunked body (extensions and trailers too), byte by byte', () => {
    const wire = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: 1\r\n\r\n');
    const got = readBytewise(wire);
    assert.equal(got.length, 1);
    assert.equal(body(got[0]), 'hello world');
    assert.equal(got[0]!.keepAlive, true);
    assert.equal(body(new ResponseReader().push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'))), 'ok');
  });

  it('reads a body that runs to the end of the connection only when it ends, and never keeps that connection', () => {
    const wire = Buffer.from('HTTP/1.1 200 OK\r\n\r\nuntil the end');
    const r = new ResponseReader();
    assert.equal(r.push(wire), undefined);
    const got = r.end();
    assert.equal(body(got), 'until the end');
    assert.equal(got?.keepAlive, false);
    // A Content-Length answer cut short is no answer.
    const cut = new ResponseReader();
    assert.equal(cut.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')), undefined);
    assert.equal(cut.end(), undefined);
  });

  it('keeps the connection only when the server allows it and sent nothing past the answer', () => {
    assert.equal(new ResponseReader().push(Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'))?.keepAlive, false);
    assert.equal(new ResponseReader().push(Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'))?.keepAlive, false);
    assert.equal(new ResponseReader().push(Buffer.from('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n'))?.keepAlive, true);
    assert.equal(new ResponseReader().push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1'))?.keepAlive, false);
  });

  it('skips interim 1xx answers, lists every Set-Cookie and joins other repeated headers', () => {
    const got = new ResponseReader().push(
      Buffer.from(
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 301 Moved\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nVia: x\r\nVia: y\r\nX-Padded :\t p q \t\r\nX-Empty:\r\nContent-Length: 0\r\n\r\n',
      ),
    );
    assert.equal(got?.response.status, 301);
    assert.deepEqual(got?.response.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(got?.response.headers.via, 'x, y');
    // Names lower-cased, names and values without the blanks around them (the blanks inside a value stay).
    assert.equal(got?.response.headers['x-padded'], 'p q');
    assert.equal(got?.response.headers['x-empty'], '');
  });

  it('decodes a gzip or deflate body', () => {
    const text = 'window.synccheck={retcode:"1101",selector:"0"}';
    for (const [name, packed] of [
      ['gzip', zlib.gzipSync(text)],
      ['deflate', zlib.deflateSync(text)],
      ['deflate', zlib.deflateRawSync(text)],
      ['br', zlib.brotliCompressSync(text)],
    ] as const) {
      const head = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: ${name}\r\nContent-Length: ${packed.length}\r\n\r\n`);
      assert.equal(body(new ResponseReader().push(Buffer.concat([head, packed]))), text, name);
    }
  });

  it('refuses what is not HTTP/1.x or is too big', () => {
    assert.throws(() => new ResponseReader().push(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')), MalformedResponseError);
    assert.throws(() => new ResponseReader().push(Buffer.from('HTTP/1.1 200 OK\r\nno colon\r\n\r\n')), MalformedResponseError);
    // A line without a colon is refused even when a later line has one.
    assert.throws(() => new ResponseReader().push(Buffer.from('HTTP/1.1 200 OK\r\nno colon\r\nContent-Length: 0\r\n\r\n')), MalformedResponseError);
    assert.throws(() => new ResponseReader().push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 9999999\r\n\r\n')), MalformedResponseError);
    assert.throws(() => new ResponseReader().push(Buffer.alloc(20_000, 'a')), MalformedResponseError);
  });
  it('copies a big body once, however many pieces it comes in, and refuses one past its limit', (t) => {
    const text = 'x'.repeat(3 * 1024 * 1024);
    const concat = t.mock.method(Buffer, 'concat');
    for (const wire of [
      Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${text.length}\r\n\r\n${text}`),
      Buffer.from(
        `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${(text.length / 2).toString(16)}\r\n${text.slice(0, text.length / 2)}\r\n${(text.length / 2).toString(16)}\r\n${text.slice(text.length / 2)}\r\n0\r\n\r\n`,
      ),
    ]) {
      concat.mock.resetCalls();
      const r = new ResponseReader(4 * 1024 * 1024);
      let got: ReadResponse | undefined;
      // 16 KiB pieces, as TLS records arrive.
      for (let i = 0; i < wire.length; i += 16 * 1024) got = r.push(wire.subarray(i, i + 16 * 1024)) ?? got;
      assert.equal(got?.response.body.length, text.length);
      assert.ok(got?.response.body.equals(Buffer.from(text)));
      // The body joined once (and a chunk-size line split across two pieces joined with its rest).
      assert.ok(concat.mock.callCount() <= 3, `Buffer.concat ${concat.mock.callCount()} times`);
    }
    concat.mock.restore();
    assert.throws(() => new ResponseReader(1000).push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1001\r\n\r\n')), MalformedResponseError);
    const chunked = new ResponseReader(1000);
    assert.throws(() => chunked.push(Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n${'y'.repeat(1001)}`)), MalformedResponseError);
    assert.throws(() => new ResponseReader().push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')), MalformedResponseError);
  });
});
