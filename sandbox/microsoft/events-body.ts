/**
 * Event bodies as Outlook returns them: HTML unless `Prefer: outlook.body-content-type="text"`
 * (event-get docs), converting whichever way the stored body needs. A text body turned into
 * HTML carries Exchange's "converted from text" head, as seen in real responses; the markup
 * around the lines is an approximation.
 */
export type BodyType = 'html' | 'text';

export interface StoredBody {
  contentType: BodyType;
  content: string;
}

const escapeHtml = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

function textToHtml(text: string): string {
  const lines = text.split(/\r?\n/).map(escapeHtml).join('<br>\r\n');
  return (
    '<html><head><meta name="Generator" content="Microsoft Exchange Server">\r\n<!-- converted from text -->\r\n' +
    '<style><!-- .EmailQuote { margin-left: 1pt; padding-left: 4pt; border-left: #800000 2px solid; } --></style></head>\r\n' +
    `<body>\r\n<font size="2"><span style="font-size:11pt;"><div class="PlainText">${lines}</div></span></font>\r\n</body>\r\n</html>\r\n`
  );
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

export function htmlToText(html: string): string {
  return html
    .replace(/<(head|style|script)[\s\S]*?<\/\1>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<br\s*\/?>\s*(\r?\n)?/gi, '\n')
    .replace(/<\/(p|div|li|tr|h\d)>\s*(\r?\n)?/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/\r?\n/g, '\n')
    .replace(/&(#\d+|#x[0-9a-f]+|\w+);/gi, (m, e: string) => {
      if (e.startsWith('#x') || e.startsWith('#X')) return String.fromCodePoint(parseInt(e.slice(2), 16));
      if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
      return ENTITIES[e.toLowerCase()] ?? m;
    })
    .replace(/^\s+|\s+$/g, '')
    .replace(/\n/g, '\r\n');
}

export function renderBody(body: StoredBody | undefined, wanted: BodyType): StoredBody {
  const b = body ?? { contentType: 'html', content: '' };
  if (b.contentType === wanted || b.content === '') return { contentType: wanted, content: b.content };
  if (wanted === 'html') return { contentType: 'html', content: textToHtml(b.content) };
  // The docs' text rendering ends with a line break.
  return { contentType: 'text', content: `${htmlToText(b.content)}\r\n` };
}

/** bodyPreview: the first 255 characters of the text, whitespace collapsed. */
export function bodyPreview(body: StoredBody | undefined): string {
  if (!body) return '';
  const text = body.contentType === 'html' ? htmlToText(body.content) : body.content;
  return text.replace(/\s+/g, ' ').trim().slice(0, 255);
}
