import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DocumentRegistry, splitDefinitions } from './documents';

const webDir = resolve(__dirname, '../..');
const graphqlDir = join(webDir, 'graphql');
const files = Object.fromEntries(
  readdirSync(graphqlDir)
    .filter((f) => f.endsWith('.graphql'))
    .map((f) => [f, readFileSync(join(graphqlDir, f), 'utf8')]),
);

describe('splitDefinitions', () => {
  it('splits operations and fragments, ignoring comments and strings', () => {
    const defs = splitDefinitions(`
      # a comment with { brace
      query A($x: String = "}") { a(x: $x) { ...F } }
      fragment F on T { b ... on U { c } ...G }
      fragment G on T { d }
    `);
    expect(defs.map((d) => [d.kind, d.name, d.spreads])).toEqual([
      ['operation', 'A', ['F']],
      ['fragment', 'F', ['G']],
      ['fragment', 'G', []],
    ]);
    expect(defs[0].text).not.toContain('comment');
  });

  it('rejects unbalanced documents', () => {
    expect(() => splitDefinitions('query A { a ')).toThrow('Unbalanced');
  });
});

describe('DocumentRegistry', () => {
  it('sends an operation with exactly the fragments it needs', () => {
    const registry = new DocumentRegistry({
      'a.graphql': 'query A { x { ...F } } query B { y }',
      'b.graphql': 'fragment F on X { ...G } fragment G on X { z } fragment H on X { w }',
    });
    const doc = registry.document('A');
    expect(doc).toContain('fragment F');
    expect(doc).toContain('fragment G');
    expect(doc).not.toContain('fragment H');
    expect(doc).not.toContain('query B');
  });

  it('builds every operation of web/graphql as a valid standalone document', () => {
    const schema = buildSchema(readFileSync(resolve(webDir, '../schema/schema.graphql'), 'utf8'));
    const registry = new DocumentRegistry(files);
    const hasEventStream = Boolean(schema.getSubscriptionType()?.getFields().eventStream);
    const names = registry.operationNames().filter((n) => n !== 'EventStream' || hasEventStream);
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) {
      const errors = validate(schema, parse(registry.document(name)));
      expect(errors.map((e) => `${name}: ${e.message}`)).toEqual([]);
    }
  });
});
