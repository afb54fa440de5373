// A small XML well-formedness check for the report's SVG tests
// (report_test.ts, report_run_test.ts).

/**
 * A small XML well-formedness check: every tag closes in order, attributes
 * are quoted, no stray `<` or `&` in text. Returns the start tags seen.
 */
export function parseXml(
  xml: string,
): { name: string; attrs: Record<string, string> }[] {
  const tags: { name: string; attrs: Record<string, string> }[] = [];
  const stack: string[] = [];
  const token =
    /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let root = 0;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < xml.length) {
    token.lastIndex = pos;
    m = token.exec(xml);
    if (!m) {
      throw new SyntaxError(
        `not well-formed at ${pos}: ${xml.slice(pos, pos + 40)}`,
      );
    }
    pos = token.lastIndex;
    const [, closing, name, attrText, selfClosing, text] = m;
    if (text !== undefined) {
      if (/&(?!#\d+;|amp;|lt;|gt;|quot;|apos;)/.test(text)) {
        throw new SyntaxError(`bare & in ${text}`);
      }
      if (stack.length === 0 && text.trim()) {
        throw new SyntaxError(`text outside the root: ${text}`);
      }
      continue;
    }
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new SyntaxError(`</${name}> closes <${open}>`);
      continue;
    }
    if (stack.length === 0 && root++ > 0) {
      throw new SyntaxError("more than one root element");
    }
    const attrs: Record<string, string> = {};
    for (const [, key, value] of attrText.matchAll(/([\w:-]+)="([^"]*)"/g)) {
      if (key in attrs) {
        throw new SyntaxError(`duplicate attribute ${key} on <${name}>`);
      }
      attrs[key] = value;
    }
    tags.push({ name, attrs });
    if (!selfClosing) stack.push(name);
  }
  if (stack.length) throw new SyntaxError(`unclosed <${stack.join("> <")}>`);
  return tags;
}
