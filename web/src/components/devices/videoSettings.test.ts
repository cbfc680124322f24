import { describe, expect, it } from 'vitest';
import type { ErrorMember } from '../../api/types';
import { translator } from '../../i18n';
import type { DeviceCamera } from './types';
import {
  parseWholeNumber,
  placeCameras,
  refusalFields,
  refusalText,
  retentionForm,
  settle,
  validateClipWindow,
  validateRetention,
} from './videoSettings';

const es = translator('ES');
const en = translator('EN');

describe('parseWholeNumber', () => {
  it('reads whole numbers, trimming blanks', () => {
    expect(parseWholeNumber('0')).toBe(0);
    expect(parseWholeNumber(' 30 ')).toBe(30);
    expect(parseWholeNumber('007')).toBe(7);
  });

  it('refuses fractions, signs, exponents and words', () => {
    for (const text of ['', ' ', '3.5', '-1', '+2', '1e2', 'diez', '0x10', '1 0']) {
      expect(parseWholeNumber(text), text).toBeNull();
    }
  });
});

describe('validateClipWindow', () => {
  it('accepts the bounds the server accepts (pre 0..300, post 1..600)', () => {
    expect(validateClipWindow({ pre: '0', post: '1' })).toEqual({
      ok: true,
      value: { preRollSeconds: 0, postRollSeconds: 1 },
    });
    expect(validateClipWindow({ pre: '300', post: '600' })).toEqual({
      ok: true,
      value: { preRollSeconds: 300, postRollSeconds: 600 },
    });
  });

  it('refuses one past each bound', () => {
    expect(validateClipWindow({ pre: '301', post: '0' })).toEqual({
      ok: false,
      errors: { preRollSeconds: 'devices.sites.preRange', postRollSeconds: 'devices.sites.postRange' },
    });
    expect(validateClipWindow({ pre: '10', post: '601' })).toEqual({
      ok: false,
      errors: { postRollSeconds: 'devices.sites.postRange' },
    });
  });

  it('requires both values, as whole seconds', () => {
    expect(validateClipWindow({ pre: '', post: ' ' })).toEqual({
      ok: false,
      errors: { preRollSeconds: 'devices.sites.required', postRollSeconds: 'devices.sites.required' },
    });
    expect(validateClipWindow({ pre: '2.5', post: '-3' })).toEqual({
      ok: false,
      errors: { preRollSeconds: 'devices.sites.wholeSeconds', postRollSeconds: 'devices.sites.wholeSeconds' },
    });
  });
});

describe('validateRetention', () => {
  it('sends null for the server default, whatever the days field holds', () => {
    expect(validateRetention({ useDefault: true, days: 'abc' })).toEqual({ ok: true, value: { days: null } });
  });

  it('accepts 1..3650 days', () => {
    expect(validateRetention({ useDefault: false, days: '1' })).toEqual({ ok: true, value: { days: 1 } });
    expect(validateRetention({ useDefault: false, days: ' 3650 ' })).toEqual({ ok: true, value: { days: 3650 } });
  });

  it('refuses 0, 3651, fractions and an empty field', () => {
    expect(validateRetention({ useDefault: false, days: '0' })).toEqual({
      ok: false,
      errors: { days: 'companies.retention.range' },
    });
    expect(validateRetention({ useDefault: false, days: '3651' })).toEqual({
      ok: false,
      errors: { days: 'companies.retention.range' },
    });
    expect(validateRetention({ useDefault: false, days: '30.5' })).toEqual({
      ok: false,
      errors: { days: 'companies.retention.wholeDays' },
    });
    expect(validateRetention({ useDefault: false, days: '' })).toEqual({
      ok: false,
      errors: { days: 'companies.retention.required' },
    });
  });

  it('starts the form from the current value', () => {
    expect(retentionForm(null)).toEqual({ useDefault: true, days: '' });
    expect(retentionForm(90)).toEqual({ useDefault: false, days: '90' });
    expect(validateRetention(retentionForm(90))).toEqual({ ok: true, value: { days: 90 } });
  });
});

describe('settle', () => {
  it('returns the named success member', () => {
    const result = settle({ __typename: 'SiteSuccess' as const, site: { id: 's' } }, 'SiteSuccess');
    expect(result).toEqual({ ok: true, value: { __typename: 'SiteSuccess', site: { id: 's' } } });
  });

  it('treats every other member as a refusal, IntegrationError included', () => {
    const error: ErrorMember = { __typename: 'IntegrationError', message: 'down', code: 'INTEGRATION_UNAVAILABLE' };
    const result = settle<{ __typename: 'CameraSuccess' }>(error, 'CameraSuccess');
    expect(result).toEqual({ ok: false, error });
  });
});

describe('refusalText', () => {
  const validation = (field: string, code: string): ErrorMember => ({
    __typename: 'ValidationError',
    message: 'Invalid input',
    code: 'INVALID_INPUT',
    fields: [{ field, code, message: 'server text' }],
  });

  it('translates the field errors the backend raises', () => {
    expect(refusalText('clipWindow', validation('preRollSeconds', 'OUT_OF_RANGE'), es)).toBe('Segundos antes: entre 0 y 300.');
    expect(refusalText('retention', validation('days', 'OUT_OF_RANGE'), en)).toBe('Retention must be 1 to 3650 days.');
    expect(refusalText('liveCompanies', validation('companyIds', 'UNKNOWN_REFERENCE'), es)).toContain('empresas');
  });

  it('falls back to a generic validation text for an unknown field error', () => {
    expect(refusalText('clipWindow', validation('other', 'WHATEVER'), es)).toBe(es('devices.invalid'));
  });

  it('tells the scope of a missing resource apart, then falls back per type', () => {
    const notFound: ErrorMember = { __typename: 'NotFoundError', message: 'x', code: 'NOT_FOUND' };
    expect(refusalText('clipWindow', notFound, es)).toBe('El sitio ya no existe.');
    expect(refusalText('liveCompanies', notFound, en)).toBe('The camera no longer exists.');
    expect(refusalText('retention', notFound, en)).toBe('The company no longer exists.');
    const conflict: ErrorMember = { __typename: 'ConflictError', message: 'x', code: 'CONFLICT' };
    expect(refusalText('retention', conflict, en)).toBe(en('devices.refused.ConflictError'));
  });

  it('maps field errors to translated helper texts, server text for unknown ones', () => {
    const error: ErrorMember = {
      __typename: 'ValidationError',
      message: 'Invalid input',
      code: 'INVALID_INPUT',
      fields: [
        { field: 'postRollSeconds', code: 'OUT_OF_RANGE', message: '1 to 600' },
        { field: 'postRollSeconds', code: 'REQUIRED', message: 'second' },
        { field: 'mystery', code: 'X', message: 'as sent' },
      ],
    };
    expect(refusalFields(error, en)).toEqual({ postRollSeconds: 'Seconds after: between 1 and 600.', mystery: 'as sent' });
    expect(refusalFields({ __typename: 'NotFoundError', message: 'x', code: 'NOT_FOUND' }, en)).toEqual({});
  });
});

describe('placeCameras', () => {
  const camera = (id: string, code: string): DeviceCamera => ({
    id,
    databaseId: Number(id.slice(1)),
    code,
    name: code,
    isActive: true,
    health: 'ONLINE',
    lastSeenAt: null,
    lastError: null,
    liveCompanies: [],
  });

  it('gives each camera the site it was listed under, unplaced ones last', () => {
    const all = [camera('c1', 'Z-1'), camera('c2', 'A-1'), camera('c3', 'B-1'), camera('c4', 'A-2')];
    const placed = placeCameras(all, [
      { site: { id: 's2', name: 'Patio Sur' }, cameras: [{ id: 'c1' }] },
      { site: { id: 's1', name: 'Patio Norte' }, cameras: [{ id: 'c4' }, { id: 'c2' }] },
    ]);
    expect(placed.map((c) => [c.code, c.site?.name ?? null])).toEqual([
      ['A-1', 'Patio Norte'],
      ['A-2', 'Patio Norte'],
      ['Z-1', 'Patio Sur'],
      ['B-1', null],
    ]);
  });

  it('lists every camera once and ignores site listings of unknown cameras', () => {
    const placed = placeCameras([camera('c1', 'X')], [
      { site: { id: 's1', name: 'A' }, cameras: [{ id: 'c1' }, { id: 'c9' }] },
      { site: { id: 's2', name: 'B' }, cameras: [{ id: 'c1' }] },
    ]);
    expect(placed).toHaveLength(1);
    expect(placed[0].site).toEqual({ id: 's1', name: 'A' });
  });
});
