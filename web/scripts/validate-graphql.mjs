#!/usr/bin/env node
// Validates every GraphQL document in web/graphql/*.graphql against ../schema/schema.graphql.
//
// All files are validated together (fragments are shared across files), with graphql-js's
// standard rules plus the server's depth limit. A document whose root field is announced but not
// in the schema yet (PENDING below) is reported as pending instead of failing, and is validated
// normally as soon as the schema has the field. Exit code 1 on any error.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, Source, buildSchema, parse, specifiedRules, validate } from 'graphql';

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, '..');
const schemaPath = resolve(process.env.GRAPHQL_SCHEMA ?? join(webDir, '../schema/schema.graphql'));
const documentsDir = join(webDir, 'graphql');

/** Files waiting for a schema field: validated once `type.field` exists. */
const PENDING = {
  'live.graphql': { type: 'Subscription', field: 'eventStream' },
};

/** Mirrors the server's GRAPHQL_MAX_DEPTH default (domcctv/config.py). */
const MAX_DEPTH = 12;

function loadSchema() {
  const sdl = readFileSync(schemaPath, 'utf8');
  return buildSchema(new Source(sdl, relative(process.cwd(), schemaPath)));
}

function hasField(schema, typeName, fieldName) {
  const type = schema.getType(typeName);
  return Boolean(type && 'getFields' in type && type.getFields()[fieldName]);
}

function selectionDepth(selectionSet, fragments, seen = new Set()) {
  if (!selectionSet) return 0;
  let deepest = 0;
  for (const sel of selectionSet.selections) {
    let depth;
    if (sel.kind === Kind.FIELD) {
      depth = sel.selectionSet ? 1 + selectionDepth(sel.selectionSet, fragments, seen) : 1;
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      depth = selectionDepth(sel.selectionSet, fragments, seen);
    } else {
      const name = sel.name.value;
      if (seen.has(name) || !fragments.has(name)) continue;
      depth = selectionDepth(fragments.get(name).selectionSet, fragments, new Set([...seen, name]));
    }
    deepest = Math.max(deepest, depth);
  }
  return deepest;
}

function main() {
  const schema = loadSchema();
  const files = readdirSync(documentsDir).filter((f) => f.endsWith('.graphql')).sort();
  if (files.length === 0) {
    console.error('validate-graphql: no documents found in web/graphql/');
    process.exit(1);
  }
  const definitions = [];
  let failures = 0;
  let pending = 0;
  for (const file of files) {
    const text = readFileSync(join(documentsDir, file), 'utf8');
    let doc;
    try {
      doc = parse(new Source(text, `web/graphql/${file}`));
    } catch (err) {
      console.error(`✗ ${err.toString()}`);
      failures += 1;
      continue;
    }
    const wait = PENDING[file];
    if (wait && !hasField(schema, wait.type, wait.field)) {
      pending += 1;
      console.warn(
        `⚠ PENDING web/graphql/${file}: ${wait.type}.${wait.field} is not in the schema yet; ` +
          'the document is parsed but not validated until the backend adds it.',
      );
      continue;
    }
    definitions.push(...doc.definitions);
  }
  const combined = { kind: Kind.DOCUMENT, definitions };
  const errors = validate(schema, combined, specifiedRules);
  for (const err of errors) {
    console.error(`✗ ${err.toString()}`);
  }
  failures += errors.length;

  const fragments = new Map(
    definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const operations = definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  for (const op of operations) {
    const depth = selectionDepth(op.selectionSet, fragments);
    if (depth > MAX_DEPTH) {
      console.error(`✗ ${op.name?.value ?? '(anonymous)'}: depth ${depth} exceeds ${MAX_DEPTH}`);
      failures += 1;
    }
    if (!op.name) {
      console.error('✗ anonymous operation: every operation needs a name');
      failures += 1;
    }
  }
  const summary =
    `validate-graphql: ${files.length} files, ${operations.length} operations, ` +
    `${fragments.size} fragments, ${pending} pending, ${failures} errors`;
  if (failures > 0) {
    console.error(summary);
    process.exit(1);
  }
  console.log(summary);
}

main();
