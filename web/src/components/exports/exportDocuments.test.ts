import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { en } from '../../i18n/en';
import { es } from '../../i18n/es';
import { exportOps, exportRegistry } from './api';
import { EXPORT_FAILURE_CODES } from './types';

const root = resolve(__dirname, '../../../..');
const schema = buildSchema(readFileSync(resolve(root, 'schema/schema.graphql'), 'utf8'));

/** The members of a Python StrEnum (`NAME = "VALUE"` lines) in a backend module. */
function pythonEnum(path: string, className: string): string[] {
  const source = readFileSync(resolve(root, path), 'utf8');
  const start = source.indexOf(`class ${className}(`);
  expect(start, `${className} in ${path}`).toBeGreaterThan(-1);
  const body = source.slice(start).split('\n').slice(1);
  const values: string[] = [];
  for (const line of body) {
    if (line.trim() && !/^\s/.test(line)) break; // the next top-level statement
    const m = /^\s+[A-Z_]+\s*=\s*"([A-Z_]+)"/.exec(line);
    if (m) values.push(m[1]);
  }
  return values;
}

describe('export operations', () => {
  it('are valid standalone documents against the backend schema', () => {
    const names = Object.values(exportOps).map((op) => op.name);
    expect(names.sort()).toEqual([
      'CameraOptions',
      'ExportEventEvidence',
      'ExportVideoSegment',
      'VideoExportById',
      'VideoExportProgress',
      'VideoExports',
    ]);
    for (const name of names) {
      const errors = validate(schema, parse(exportRegistry.document(name)));
      expect(errors.map((e) => `${name}: ${e.message}`)).toEqual([]);
    }
  });

  it('select the same export fields everywhere (list, re-read, progress, requests)', () => {
    for (const op of [
      exportOps.videoExports,
      exportOps.videoExportById,
      exportOps.videoExportProgress,
      exportOps.exportEventEvidence,
      exportOps.exportVideoSegment,
    ]) {
      expect(op.document).toContain('fragment VideoExportFields on VideoExport');
    }
    expect(exportOps.exportEventEvidence.document).toContain('fragment ErrorFields on Error');
  });
});

describe('export failure texts', () => {
  it('knows every failure code the backend can write', () => {
    const backend = new Set([
      ...pythonEnum('domcctv/services/video_exports.py', 'ExportFailure'),
      ...pythonEnum('domcctv/domain/recordings.py', 'RecordingFailure'),
    ]);
    expect(backend.size).toBeGreaterThan(5);
    expect([...backend].sort()).toEqual([...EXPORT_FAILURE_CODES].sort());
  });

  it('has a Spanish and an English text for every code, and a generic one', () => {
    for (const code of [...EXPORT_FAILURE_CODES, 'UNKNOWN']) {
      const key = `exports.failure.${code}` as keyof typeof es;
      expect(es[key], `es ${key}`).toBeTruthy();
      expect(en[key], `en ${key}`).toBeTruthy();
    }
  });

  it('tells each code apart (no code shares a text or falls back to the generic one)', () => {
    for (const dict of [es, en]) {
      const texts = EXPORT_FAILURE_CODES.map((code) => dict[`exports.failure.${code}` as keyof typeof es]);
      expect(new Set(texts).size).toBe(EXPORT_FAILURE_CODES.length);
      expect(texts).not.toContain(dict['exports.failure.UNKNOWN']);
    }
  });

  it('translates every export string into English (none left in Spanish)', () => {
    const keys = Object.keys(es).filter((k) => k.startsWith('exports.') || k === 'nav.exports') as (keyof typeof es)[];
    expect(keys.length).toBeGreaterThan(50);
    const same = keys.filter((k) => en[k] === es[k] && !/^SHA-256$/.test(es[k]));
    expect(same).toEqual([]);
  });
});
