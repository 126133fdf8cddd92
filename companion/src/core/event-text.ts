/**
 * Event descriptions: Graph bodies are usually HTML, Salesforce Event.Description is plain text.
 *
 * The contract is that plain text survives a trip through Graph unchanged: textToHtml writes
 * only what htmlToText reads back exactly (escaped characters, <br>, &nbsp; for spaces HTML
 * would collapse, a white-space:pre span for tabs). HTML written by people or Outlook is read
 * for what a reader sees: its line breaks, list items and decoded characters, not its markup.
 */
import { compile } from 'html-to-text';
import type { FormatCallback } from 'html-to-text';

/** Marks a tab written by textToHtml; htmlToText emits its content verbatim. */
const TAB_HTML = '<span style="white-space:pre">&#9;</span>';

const literal: FormatCallback = (elem, _walk, builder) => {
  // The span holds only the tab textToHtml wrote, so its text nodes are the whole content.
  const children = (elem as { children?: Array<{ data?: unknown }> }).children ?? [];
  builder.addLiteral(children.map((child) => (typeof child.data === 'string' ? child.data : '')).join(''));
};

const block = { leadingLineBreaks: 1, trailingLineBreaks: 1 };

const convert = compile({
  wordwrap: false,
  formatters: { literal },
  selectors: [
    // Outlook writes every typed line as its own <p> (blank lines as <p>&nbsp;</p>), so a
    // paragraph is one line break; two would double-space every body Outlook authored.
    { selector: 'p', options: block },
    { selector: 'div', options: block },
    { selector: 'pre', options: block },
    { selector: 'blockquote', options: { ...block, trimEmptyLines: false } },
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'hr', format: 'blockString', options: { ...block, string: '' } },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { ...block, uppercase: false } })),
    { selector: 'ul', options: { ...block, itemPrefix: '- ' } },
    { selector: 'ol', options: block },
    // Tables in bodies are mostly signatures and dial-in blocks: one row per line, cells apart.
    { selector: 'table', format: 'dataTable', options: { ...block, uppercaseHeaderCells: false, maxColumnWidth: 1000 } },
    { selector: 'span[style="white-space:pre"]', format: 'literal' },
  ],
});

/**
 * HTML → plain text with '\n' line breaks. A non-breaking space becomes a plain space: it is
 * only there to stop HTML collapsing spaces, and is invisible as a character of its own.
 */
export function htmlToText(html: string): string {
  // Outlook on the web writes a blank line as <div><br></div>: one empty line, where a block
  // around a line break would otherwise count twice.
  const blankLines = html.replace(/<(p|div)(\s[^>]*)?>\s*<br\s*\/?>\s*<\/\1>/gi, '<$1$2>&nbsp;</$1>');
  return convert(blankLines).replace(/\u00a0/g, ' ');
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * A run of spaces that HTML would collapse or trim (two or more, or at either end of a line)
 * is written as &nbsp; so the reader sees, and htmlToText returns, every space.
 */
function protectSpaces(line: string): string {
  return line.replace(/ +/g, (run, offset: number) => {
    const atEdge = offset === 0 || offset + run.length === line.length;
    return run.length > 1 || atEdge ? '&nbsp;'.repeat(run.length) : run;
  });
}

/** Plain text → HTML that displays the same and reads back with htmlToText unchanged. */
export function textToHtml(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => protectSpaces(line.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char)).replace(/\t/g, TAB_HTML))
    .join('<br>');
}
