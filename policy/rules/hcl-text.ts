/** Just enough HCL reading for policies: find blocks and attributes in Vault's server config. */

/** Bodies of every `<header> { ... }` block, with nested braces matched. */
export function hclBlocks(text: string, header: RegExp): string[] {
  const bodies: string[] = [];
  const pattern = new RegExp(`${header.source}\\s*\\{`, "g");
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    let depth = 1;
    let i = match.index + match[0].length;
    const start = i;
    while (i < text.length && depth > 0) {
      if (text[i] === "{") depth++;
      else if (text[i] === "}") depth--;
      i++;
    }
    bodies.push(text.slice(start, i - 1));
  }
  return bodies;
}

/** The value of `name = "value"` (or a bare value) directly in a block body. */
export function hclAttribute(body: string, name: string): string | undefined {
  const match = new RegExp(`^\\s*${name}\\s*=\\s*("([^"]*)"|[^\\s#]+)`, "m").exec(body);
  return match ? (match[2] ?? match[1]) : undefined;
}
