import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { htmlToText, textToHtml } from '../../companion/src/core/event-text.ts';

describe('htmlToText', () => {
  const table: Array<[string, string, string]> = [
    ['paragraphs are lines', '<p>one</p><p>two</p>', 'one\ntwo'],
    ['Outlook desktop blank line', '<p class=MsoNormal>Hi<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Bye</p>', 'Hi\n \nBye'],
    ['Outlook on the web blank line', '<div>one</div><div><br></div><div>three</div>', 'one\n \nthree'],
    ['br', 'a<br>b<br/>c<br />d', 'a\nb\nc\nd'],
    ['entities', '<p>&lt;tag&gt; &amp; &quot;q&quot; &#39;s&#39; &eacute;&#233;&#x20AC;</p>', '<tag> & "q" \'s\' éé€'],
    ['nbsp becomes a space', 'a&nbsp;&nbsp;b', 'a  b'],
    ['source newlines are spaces', '<p>one\ntwo</p>', 'one two'],
    ['no link footnotes', '<a href="https://example.com/x">the agenda</a>', 'the agenda'],
    ['headings keep their case', '<h1>Quarterly Review</h1><p>Body</p>', 'Quarterly Review\nBody'],
    ['unordered list', '<ul><li>one</li><li>two</li></ul>', '- one\n- two'],
    ['ordered list', '<ol><li>one</li><li>two</li></ol>', ' 1. one\n 2. two'],
    ['head and style dropped', '<html><head><style>p{color:red}</style><title>x</title></head><body><p>Hi</p></body></html>', 'Hi'],
    ['images dropped', '<p>a<img src="cid:1" alt="logo">b</p>', 'ab'],
    ['inline markup dropped', '<p>Call <b>Ann</b> at <span style="color:red">9</span></p>', 'Call Ann at 9'],
    ['no word wrap', `<p>${'word '.repeat(40).trim()}</p>`, 'word '.repeat(40).trim()],
    ['tables: a row per line, cells apart', '<p>Hi</p><table><tr><th>Name</th><td>Ann Lee</td></tr><tr><td>Phone</td><td>+1 555</td></tr></table><p>Bye</p>', 'Hi\nName    Ann Lee\nPhone   +1 555\nBye'],
    ['Word conditional comments dropped', '<!--[if gte mso 9]><xml><o:OfficeDocumentSettings/></xml><![endif]--><p>Hi</p>', 'Hi'],
    ['empty', '', ''],
  ];
  for (const [name, html, text] of table) {
    it(name, () => assert.equal(htmlToText(html), text));
  }
});

describe('textToHtml', () => {
  it('escapes markup characters', () => {
    assert.equal(textToHtml(`<b>&"'`), '&lt;b&gt;&amp;&quot;&#39;');
  });
  it('turns line breaks into <br>, CRLF included', () => {
    assert.equal(textToHtml('a\r\nb\nc\rd'), 'a<br>b<br>c<br>d');
  });
  it('keeps single interior spaces breakable and protects the rest', () => {
    assert.equal(textToHtml('a b  c'), 'a b&nbsp;&nbsp;c');
    assert.equal(textToHtml(' lead'), '&nbsp;lead');
  });
});

describe('text → html → text is lossless', () => {
  const table = [
    'a < b && c > d',
    'Dial-in: <sip:123@example.com>',
    'line 1\n\nline 3 after a blank line',
    '\tindented with a tab\n    and four spaces',
    'two  spaces and a trailing one ',
    '<p>this is text, not markup</p>',
    '"quoted" and \'single\'',
    '1. first\n2. second\n- bullet',
    '&amp; stays literal',
    'émoji 🎉 and 中文',
  ];
  for (const text of table) {
    it(JSON.stringify(text), () => assert.equal(htmlToText(textToHtml(text)), text));
  }

  it('property: any text without CR or NBSP, and without blank lines at either end', () => {
    const char = fc.constantFrom('a', 'Z', ' ', '\t', '\n', '<', '>', '&', '"', "'", ';', '#', 'é', '-', '1', '*');
    const text = fc
      .array(char, { maxLength: 60 })
      .map((chars) => chars.join(''))
      .filter((value) => !/^\n|\n$/.test(value));
    fc.assert(fc.property(text, (value) => htmlToText(textToHtml(value)) === value), { numRuns: 500 });
  });
});
