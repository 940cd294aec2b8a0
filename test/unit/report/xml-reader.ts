// A small, strict, character-by-character XML 1.0 reader for the tests: it rejects what a
// conforming parser rejects in the documents we write (bad characters, unbalanced tags, duplicate
// attributes, bad references, "<" in attribute values, "]]>" in text), and returns the element tree
// with text and attribute values decoded as a conforming parser would report them.

export interface XNode {
  name: string;
  attrs: Record<string, string>;
  children: XNode[];
  /** Concatenated character data (text + CDATA) directly inside this element. */
  text: string;
}

function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

function isNameStart(c: string): boolean {
  const k = c.charCodeAt(0);
  return (k >= 65 && k <= 90) || (k >= 97 && k <= 122) || c === '_' || c === ':' || k >= 0xc0;
}

function isNameChar(c: string): boolean {
  const k = c.charCodeAt(0);
  return isNameStart(c) || (k >= 48 && k <= 57) || c === '-' || c === '.';
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

export function parseXml(input: string): XNode {
  for (const ch of input) {
    const cp = ch.codePointAt(0)!;
    if (!isXmlChar(cp)) throw new Error(`character U+${cp.toString(16)} is not allowed in XML 1.0`);
  }
  // 2.11 end-of-line handling
  let s = '';
  for (let i = 0; i < input.length; i++) {
    if (input[i] === '\r') {
      s += '\n';
      if (input[i + 1] === '\n') i++;
    } else s += input[i];
  }
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`${msg} at offset ${i}`);
  };
  const startsWith = (t: string): boolean => s.startsWith(t, i);
  const skipSpace = (): void => {
    while (i < s.length && isSpace(s[i])) i++;
  };
  const name = (): string => {
    if (i >= s.length || !isNameStart(s[i])) fail('name expected');
    const b = i;
    while (i < s.length && isNameChar(s[i])) i++;
    return s.slice(b, i);
  };
  const ref = (): string => {
    // at '&'
    const semi = s.indexOf(';', i);
    if (semi < 0) fail('unterminated reference');
    const body = s.slice(i + 1, semi);
    i = semi + 1;
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (body in named) return named[body];
    let cp: number;
    if (body.startsWith('#x')) {
      const h = body.slice(2);
      if (h === '' || ![...h].every((c) => '0123456789abcdefABCDEF'.includes(c))) fail(`bad reference &${body};`);
      cp = parseInt(h, 16);
    } else if (body.startsWith('#')) {
      const d = body.slice(1);
      if (d === '' || ![...d].every((c) => '0123456789'.includes(c))) fail(`bad reference &${body};`);
      cp = parseInt(d, 10);
    } else return fail(`undefined entity &${body};`);
    if (!isXmlChar(cp)) fail(`reference to forbidden character &${body};`);
    return String.fromCodePoint(cp);
  };
  const misc = (): void => {
    for (;;) {
      skipSpace();
      if (startsWith('<!--')) {
        const e = s.indexOf('-->', i + 4);
        if (e < 0) fail('unterminated comment');
        i = e + 3;
      } else if (startsWith('<?')) {
        const e = s.indexOf('?>', i + 2);
        if (e < 0) fail('unterminated processing instruction');
        i = e + 2;
      } else return;
    }
  };
  const element = (): XNode => {
    if (s[i] !== '<') fail('element expected');
    i++;
    const node: XNode = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      const hadSpace = i < s.length && isSpace(s[i]);
      skipSpace();
      if (startsWith('/>')) {
        i += 2;
        return node;
      }
      if (s[i] === '>') {
        i++;
        break;
      }
      if (!hadSpace) fail('space expected before attribute');
      const an = name();
      skipSpace();
      if (s[i] !== '=') fail('= expected');
      i++;
      skipSpace();
      const q = s[i];
      if (q !== '"' && q !== "'") fail('quote expected');
      i++;
      let v = '';
      while (i < s.length && s[i] !== q) {
        if (s[i] === '<') fail('< in attribute value');
        if (s[i] === '&') v += ref();
        else {
          v += isSpace(s[i]) ? ' ' : s[i]; // attribute-value normalisation of literal whitespace
          i++;
        }
      }
      if (i >= s.length) fail('unterminated attribute value');
      i++;
      if (an in node.attrs) fail(`duplicate attribute ${an}`);
      node.attrs[an] = v;
    }
    for (;;) {
      if (i >= s.length) fail(`unclosed element <${node.name}>`);
      if (startsWith('</')) {
        i += 2;
        const n = name();
        if (n !== node.name) fail(`</${n}> closes <${node.name}>`);
        skipSpace();
        if (s[i] !== '>') fail('> expected');
        i++;
        return node;
      }
      if (startsWith('<![CDATA[')) {
        const e = s.indexOf(']]>', i + 9);
        if (e < 0) fail('unterminated CDATA');
        node.text += s.slice(i + 9, e);
        i = e + 3;
      } else if (startsWith('<!--')) {
        const e = s.indexOf('-->', i + 4);
        if (e < 0) fail('unterminated comment');
        i = e + 3;
      } else if (s[i] === '<') {
        node.children.push(element());
      } else if (s[i] === '&') {
        node.text += ref();
      } else {
        if (startsWith(']]>')) fail(']]> in character data');
        node.text += s[i++];
      }
    }
  };
  misc();
  const root = element();
  misc();
  if (i !== s.length) fail('content after the root element');
  return root;
}

export function kids(n: XNode, name: string): XNode[] {
  return n.children.filter((c) => c.name === name);
}

export function kid(n: XNode, name: string): XNode | undefined {
  return n.children.find((c) => c.name === name);
}
