// XML 1.0 text helpers. Characters XML 1.0 forbids (C0 controls other than TAB/LF/CR, lone
// surrogates, U+FFFE/U+FFFF) cannot be written at all, not even as character references, so they
// are replaced by visible text ("\x01", "\ud800"). DEL and the C1 controls are legal but invisible
// and become text the same way.

function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

function textEscape(cp: number): string {
  return cp < 0x100 ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
}

/** The string with every character XML 1.0 cannot carry (and DEL/C1 controls) spelled out as text. */
export function xmlSafeChars(s: string): string {
  let out = '';
  for (const ch of s) {
    // for..of yields whole code points, and lone surrogates as single code units.
    const cp = ch.codePointAt(0)!;
    out += !isXmlChar(cp) || (cp >= 0x7f && cp <= 0x9f) ? textEscape(cp) : ch;
  }
  return out;
}

/** Escaped for element content. CR is a character reference, so parsers do not fold it into LF. */
export function xmlText(s: string): string {
  return xmlSafeChars(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Escaped for a double- or single-quoted attribute value; TAB/LF/CR survive attribute normalisation. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

/**
 * Element content as CDATA sections: readable in a text editor, still exact. "]]>" is split across
 * two sections and CR leaves the section as "&#13;" (a CR inside CDATA would be normalised to LF).
 */
export function xmlCdata(s: string): string {
  if (s === '') return '';
  const safe = xmlSafeChars(s);
  return safe
    .split('\r')
    .map((part) => (part === '' ? '' : `<![CDATA[${part.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`))
    .join('&#13;');
}
