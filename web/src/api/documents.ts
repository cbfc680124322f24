/**
 * Splits the raw .graphql files into named definitions and assembles, for one operation, the
 * document the server receives: the operation plus exactly the fragments it uses (transitively).
 * Sending only what is needed keeps requests under the server's token limit.
 */

export interface Definition {
  kind: 'operation' | 'fragment';
  name: string;
  text: string;
  spreads: string[];
}

const KEYWORD = /^(query|mutation|subscription|fragment)\s+([_A-Za-z][_0-9A-Za-z]*)/;
const SPREAD = /\.\.\.\s*(?!on\b)([_A-Za-z][_0-9A-Za-z]*)/g;

/** Remove comments (outside strings) so they neither confuse brace matching nor travel. */
function stripComments(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (source.startsWith('"""', i)) {
      const end = source.indexOf('"""', i + 3);
      const stop = end === -1 ? source.length : end + 3;
      out += source.slice(i, stop);
      i = stop;
    } else if (ch === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== '"' && source[j] !== '\n') {
        j += source[j] === '\\' ? 2 : 1;
      }
      out += source.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '#') {
      while (i < source.length && source[i] !== '\n') i += 1;
    } else {
      out += ch;
      i += 1;
    }
  }
  return out;
}

/** Split one file into its top-level definitions (operations must be named). */
export function splitDefinitions(source: string): Definition[] {
  const text = stripComments(source);
  const defs: Definition[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === '"') {
      if (text.startsWith('"""', i)) {
        const end = text.indexOf('"""', i + 3);
        i = end === -1 ? text.length : end + 2;
        continue;
      }
      inString = !inString;
      continue;
    }
    if (inString) {
      if (ch === '\\') i += 1;
      continue;
    }
    if (start === -1 && /\S/.test(ch)) start = i;
    if (ch === '{') depth += 1;
    if (ch === '}') {
      depth -= 1;
      if (depth === 0 && start !== -1) {
        defs.push(toDefinition(text.slice(start, i + 1).trim()));
        start = -1;
      }
    }
  }
  if (depth !== 0) throw new Error('Unbalanced braces in GraphQL document');
  return defs;
}

function toDefinition(text: string): Definition {
  const match = KEYWORD.exec(text);
  if (!match) throw new Error(`Unnamed GraphQL definition: ${text.slice(0, 40)}`);
  const spreads = new Set<string>();
  for (const m of text.matchAll(SPREAD)) spreads.add(m[1]);
  return {
    kind: match[1] === 'fragment' ? 'fragment' : 'operation',
    name: match[2],
    text,
    spreads: [...spreads],
  };
}

export class DocumentRegistry {
  private readonly operations = new Map<string, Definition>();
  private readonly fragments = new Map<string, Definition>();

  constructor(files: Record<string, string>) {
    for (const [file, source] of Object.entries(files)) {
      for (const def of splitDefinitions(source)) {
        const table = def.kind === 'fragment' ? this.fragments : this.operations;
        if (table.has(def.name)) throw new Error(`Duplicate ${def.kind} ${def.name} in ${file}`);
        table.set(def.name, def);
      }
    }
  }

  operationNames(): string[] {
    return [...this.operations.keys()];
  }

  /** The operation's text followed by every fragment it needs, each once. */
  document(operationName: string): string {
    const op = this.operations.get(operationName);
    if (!op) throw new Error(`Unknown GraphQL operation ${operationName}`);
    const needed: string[] = [];
    const visit = (names: string[]) => {
      for (const name of names) {
        if (needed.includes(name)) continue;
        const frag = this.fragments.get(name);
        if (!frag) throw new Error(`Unknown fragment ${name} used by ${operationName}`);
        needed.push(name);
        visit(frag.spreads);
      }
    };
    visit(op.spreads);
    return [op.text, ...needed.map((n) => this.fragments.get(n)!.text)].join('\n\n');
  }
}
