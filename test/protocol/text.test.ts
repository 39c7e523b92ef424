import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeText, emojiFromHex, unescapeEntities, unescapeXmlPayload } from '../../src/protocol/text.js';

describe('decodeText(s)', () => {
  const cases: [string, string, string][] = [
    ['plain', 'hello', 'hello'],
    ['br', 'a<br/>b<br/>c', 'a\nb\nc'],
    ['entities', '&lt;b&gt; &amp; &quot;q&quot; &#39;s&#39; &#x4e2d;', '<b> & "q" \'s\' 中'],
    ['emoji span', 'hi<span class="emoji emoji1f604"></span>', 'hi😄'],
    ['remapped emoji 1f639', '<span class="emoji emoji1f639"></span>', '😂'],
    ['remapped emoji 1f64d', '<span class="emoji emoji1f64d"></span>', '😔'],
    ['itchat remap 1f63c', '<span class="emoji emoji1f63c"></span>', '😁'],
    ['flag = two code points', '<span class="emoji emoji1f1e81f1f3"></span>', '🇨🇳'],
    ['truncated span', 'x<span class="emoji emoji1f450"></span', 'x👐'],
    ['escaped span stays text', '&lt;span class="emoji emoji1f604"&gt;&lt;/span&gt;', '<span class="emoji emoji1f604"></span>'],
    ['double escaped once', '&amp;lt;', '&lt;'],
    ['qq face untouched', '[微笑]', '[微笑]'],
    ['empty', '', ''],
  ];
  for (const [name, input, want] of cases) it(name, () => assert.equal(decodeText(input), want));
});

describe('emojiFromHex / unescapeEntities / unescapeXmlPayload', () => {
  it('10-hex-digit suffix splits 5+5', () => assert.equal(emojiFromHex('1f4461f3fb'), String.fromCodePoint(0x1f446, 0x1f3fb)));
  it('unknown entity kept', () => assert.equal(unescapeEntities('&foo; &lt;'), '&foo; <'));
  it('xml payload drops br and tabs', () => assert.equal(unescapeXmlPayload('&lt;a&gt;<br/>\t&lt;b/&gt;&lt;/a&gt;'), '<a><b/></a>'));
});
