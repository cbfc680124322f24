import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { en } from '../../i18n/en';
import { es } from '../../i18n/es';
import { videoOps, videoRegistry } from './api';
import { FAILURE_CODES } from './types';

const schema = buildSchema(readFileSync(resolve(__dirname, '../../../../schema/schema.graphql'), 'utf8'));

describe('video operations', () => {
  it('are valid standalone documents against the backend schema', () => {
    const names = Object.values(videoOps).map((op) => op.name);
    expect(names.sort()).toEqual(['ClipThumbnails', 'EventClips', 'RetryVideoClip', 'SetLegalHold']);
    for (const name of names) {
      const errors = validate(schema, parse(videoRegistry.document(name)));
      expect(errors.map((e) => `${name}: ${e.message}`)).toEqual([]);
    }
  });

  it('send the clip fields with every clip', () => {
    for (const op of [videoOps.eventClips, videoOps.retryVideoClip]) {
      expect(op.document).toContain('fragment VideoClipFields on VideoClip');
      expect(op.document).toContain('high: playbackUrl(quality: HIGH)');
    }
  });
});

describe('failure texts', () => {
  it('has a Spanish and an English text for every capture failure code', () => {
    for (const code of [...FAILURE_CODES, 'UNKNOWN']) {
      const key = `video.failure.${code}` as keyof typeof es;
      expect(es[key], `es ${key}`).toBeTruthy();
      expect(en[key], `en ${key}`).toBeTruthy();
    }
  });

  it('tells each code apart (no code falls back to the generic text)', () => {
    const texts = FAILURE_CODES.map((code) => es[`video.failure.${code}` as keyof typeof es]);
    expect(new Set(texts).size).toBe(FAILURE_CODES.length);
    expect(texts).not.toContain(es['video.failure.UNKNOWN']);
  });
});
