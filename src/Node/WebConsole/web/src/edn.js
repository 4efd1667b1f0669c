// A tokenizer for EDN as far as highlighting needs it (edn-format spec): it never fails, and the
// tokens, joined, give back the text exactly, so a highlighted copy can sit under the editor.
const patterns = [
  ['comment', /^;[^\n]*/],
  ['string', /^"(?:[^"\\]|\\.)*"?/],
  ['ws', /^[\s,]+/],
  ['bracket', /^(?:#\{|[()[\]{}])/],
  ['tag', /^#[A-Za-z_][^\s,()[\]{}"]*/],
  ['discard', /^#_/],
  ['char', /^\\(?:newline|space|tab|return|u[0-9a-fA-F]{4}|.)/],
  ['number', /^[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?[MN]?/],
  ['keyword', /^::?[^\s,()[\]{}"]+/],
  ['variable', /^\?[^\s,()[\]{}"]*/],
  ['special', /^(?:nil|true|false)(?=[\s,()[\]{}"]|$)/],
  ['symbol', /^[^\s,()[\]{}"]+/],
];

export function tokenize(text) {
  const tokens = [];
  let rest = text;
  while (rest.length) {
    let matched = false;
    for (const [kind, re] of patterns) {
      const m = re.exec(rest);
      if (m && m[0].length) {
        tokens.push([kind, m[0]]);
        rest = rest.slice(m[0].length);
        matched = true;
        break;
      }
    }
    if (!matched) { tokens.push(['other', rest[0]]); rest = rest.slice(1); }
  }
  return tokens;
}
