import { describe, expect, it } from 'vitest';
import {
  changedKeys,
  formatBytes,
  formatConfidence,
  formatDate,
  formatDateTime,
  formatDuration,
  normalizePlateInput,
  parsePlateList,
  prettyJson,
  zonedLocalToUtcIso,
} from './format';
import { translator } from './i18n';
import { en } from './i18n/en';
import { es } from './i18n/es';
import { matchRoute, parseHash } from './router';

describe('dates', () => {
  it('formats instants in the preferred zone', () => {
    // 2025-01-15 15:30 UTC is 12:30 in Santiago (summer time, UTC-3).
    expect(formatDateTime('2025-01-15T15:30:00+00:00', 'America/Santiago', 'ES')).toBe('15-01-2025, 12:30:00');
    expect(formatDateTime('2025-07-15T15:30:00Z', 'America/Santiago', 'EN', false)).toBe('15/07/2025, 11:30');
    expect(formatDateTime(null, 'UTC', 'ES')).toBe('—');
  });

  it('formats calendar dates', () => {
    expect(formatDate('2025-03-09', 'ES')).toBe('09-03-2025');
    expect(formatDate('2025-03-09', 'EN')).toBe('09/03/2025');
    expect(formatDate(null, 'ES')).toBe('—');
  });

  it('reads datetime-local values in the preferred zone, not the browser zone', () => {
    expect(zonedLocalToUtcIso('2025-01-15T12:30', 'America/Santiago')).toBe('2025-01-15T15:30:00.000Z');
    expect(zonedLocalToUtcIso('2025-07-15T08:00', 'America/Santiago')).toBe('2025-07-15T12:00:00.000Z');
    expect(zonedLocalToUtcIso('2025-07-15', 'UTC')).toBe('2025-07-15T00:00:00.000Z');
    expect(zonedLocalToUtcIso('not a date', 'UTC')).toBeNull();
  });
});

describe('numbers', () => {
  it('formats confidence with one decimal per language', () => {
    expect(formatConfidence(91.46, 'ES')).toBe('91,5 %');
    expect(formatConfidence(70, 'EN')).toBe('70.0%');
  });

  it('formats sizes and durations', () => {
    expect(formatBytes(512, 'EN')).toBe('512 B');
    expect(formatBytes(5 * 1024 * 1024, 'EN')).toBe('5 MB');
    expect(formatBytes(1536, 'ES')).toBe('1,5 KB');
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
  });
});

describe('plates', () => {
  it('normalizes typed plates', () => {
    expect(normalizePlateInput(' hj-kl·42 ')).toBe('HJKL42');
    expect(normalizePlateInput('HJ.KL.42')).toBe('HJKL42');
  });

  it('parses a plate watch list', () => {
    expect(parsePlateList('hjkl42, KBWZ93;\nhj-kl-42  fk1234')).toEqual(['HJKL42', 'KBWZ93', 'FK1234']);
    expect(parsePlateList('  ')).toEqual([]);
  });
});

describe('audit JSON', () => {
  it('pretty prints objects and JSON strings', () => {
    expect(prettyJson({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(prettyJson('{"b":2}')).toBe('{\n  "b": 2\n}');
    expect(prettyJson(null)).toBe('—');
  });

  it('lists changed keys', () => {
    expect(changedKeys({ a: 1, b: 2, c: [1] }, { a: 1, b: 3, c: [1], d: 4 })).toEqual(['b', 'd']);
    expect(changedKeys(null, { x: 1 })).toEqual(['x']);
  });
});

describe('i18n', () => {
  it('has the same keys in both languages and fills placeholders', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(es).sort());
    expect(translator('ES')('event.title', { id: 42 })).toBe('Evento #42');
    expect(translator('EN')('common.showing', { count: 3 })).toBe('3 results');
  });
});

describe('hash routes', () => {
  it('parses paths and query strings', () => {
    const loc = parseHash('#/reset-password?token=abc%3D');
    expect(loc.path).toBe('/reset-password');
    expect(loc.query.get('token')).toBe('abc=');
    expect(parseHash('').path).toBe('/');
    expect(parseHash('#/events/').path).toBe('/events');
  });

  it('matches patterns with params', () => {
    expect(matchRoute('/events/:id', '/events/RXZlbnQ6Ng%3D%3D')).toEqual({ id: 'RXZlbnQ6Ng==' });
    expect(matchRoute('/events/:id', '/events')).toBeNull();
    expect(matchRoute('/events', '/events')).toEqual({});
  });
});
