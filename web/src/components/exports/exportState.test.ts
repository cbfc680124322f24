import { describe, expect, it } from 'vitest';
import type { ErrorMember } from '../../api/types';
import { translator } from '../../i18n';
import {
  DOWNLOAD_URL_FRESH_MS,
  exportView,
  failureKey,
  isUrlFresh,
  mergeExport,
  percentOf,
  phaseOf,
  requestErrorText,
} from './exportState';
import type { VideoExport } from './types';

function row(over: Partial<VideoExport>): VideoExport {
  return {
    id: 'VmlkZW9FeHBvcnQ6MQ==',
    databaseId: 1,
    kind: 'EVIDENCE',
    status: 'PENDING',
    progress: 0,
    cameraCode: null,
    eventId: 'RXZlbnQ6MQ==',
    start: null,
    end: null,
    overlay: false,
    failureCode: null,
    failureReason: null,
    fileName: null,
    sizeBytes: null,
    sha256: null,
    createdAt: '2026-03-01T10:00:00Z',
    finishedAt: null,
    downloadUrl: null,
    ...over,
  };
}

describe('exportView', () => {
  it('shows a queued job with a waiting bar and no failure', () => {
    expect(exportView(row({}))).toEqual({
      phase: 'queued',
      finished: false,
      percent: 0,
      bar: 'indeterminate',
      color: 'default',
      statusKey: 'exports.status.PENDING',
      failureKey: null,
    });
  });

  it('shows a running job with its percentage on a determinate bar', () => {
    const view = exportView(row({ status: 'RUNNING', progress: 0.426 }));
    expect(view).toMatchObject({ phase: 'running', bar: 'determinate', percent: 43, color: 'info', finished: false });
    expect(view.statusKey).toBe('exports.status.RUNNING');
  });

  it('tells a PENDING job that failed an attempt (retrying) from a fresh one', () => {
    const view = exportView(row({ status: 'PENDING', progress: 0.2, failureCode: 'RECORDER_OFFLINE' }));
    expect(view).toMatchObject({
      phase: 'retrying',
      color: 'warning',
      bar: 'indeterminate',
      statusKey: 'exports.status.RETRYING',
      failureKey: 'exports.failure.RECORDER_OFFLINE',
      finished: false,
    });
  });

  it('finishes READY at 100 % without a bar, whatever progress says', () => {
    expect(exportView(row({ status: 'READY', progress: 0.9 }))).toMatchObject({
      phase: 'ready',
      finished: true,
      percent: 100,
      bar: 'none',
      color: 'success',
      failureKey: null,
    });
  });

  it('finishes FAILED with the failure text of its code', () => {
    expect(exportView(row({ status: 'FAILED', progress: 0.5, failureCode: 'EVIDENCE_ALTERED' }))).toMatchObject({
      phase: 'failed',
      finished: true,
      bar: 'none',
      color: 'error',
      failureKey: 'exports.failure.EVIDENCE_ALTERED',
    });
  });

  it('gives a FAILED job without a (known) code the generic failure text', () => {
    expect(exportView(row({ status: 'FAILED' })).failureKey).toBe('exports.failure.UNKNOWN');
    expect(exportView(row({ status: 'FAILED', failureCode: 'SOMETHING_NEW' })).failureKey).toBe('exports.failure.UNKNOWN');
  });
});

describe('small mappings', () => {
  it('clamps and rounds progress', () => {
    expect(percentOf(-0.5)).toBe(0);
    expect(percentOf(0.004)).toBe(0);
    expect(percentOf(0.995)).toBe(100);
    expect(percentOf(3)).toBe(100);
    expect(percentOf(Number.NaN)).toBe(0);
  });

  it('maps every status to a phase', () => {
    expect(phaseOf({ status: 'PENDING', failureCode: null })).toBe('queued');
    expect(phaseOf({ status: 'PENDING', failureCode: 'INTERNAL' })).toBe('retrying');
    expect(phaseOf({ status: 'RUNNING', failureCode: 'INTERNAL' })).toBe('running');
    expect(phaseOf({ status: 'READY', failureCode: null })).toBe('ready');
    expect(phaseOf({ status: 'FAILED', failureCode: null })).toBe('failed');
  });

  it('has no failure key without a code', () => {
    expect(failureKey(null)).toBeNull();
    expect(failureKey('')).toBeNull();
    expect(failureKey('RECORDING_CORRUPT')).toBe('exports.failure.RECORDING_CORRUPT');
  });
});

describe('mergeExport', () => {
  const a = row({ id: 'a', databaseId: 1, createdAt: '2026-03-01T10:00:00Z' });
  const b = row({ id: 'b', databaseId: 2, createdAt: '2026-03-01T11:00:00Z' });

  it('adds a new export, newest first', () => {
    expect(mergeExport([a], b).map((x) => x.id)).toEqual(['b', 'a']);
  });

  it('replaces the pushed snapshot in place', () => {
    const merged = mergeExport([b, a], { ...a, status: 'RUNNING', progress: 0.5 });
    expect(merged.map((x) => x.id)).toEqual(['b', 'a']);
    expect(merged[1]).toMatchObject({ status: 'RUNNING', progress: 0.5 });
  });

  it('orders exports of the same instant by id, newest first', () => {
    const c = row({ id: 'c', databaseId: 3, createdAt: a.createdAt });
    expect(mergeExport([a], c).map((x) => x.id)).toEqual(['c', 'a']);
  });
});

describe('isUrlFresh', () => {
  it('trusts a URL read a moment ago and re-reads an older one', () => {
    expect(isUrlFresh(1_000, 1_000)).toBe(true);
    expect(isUrlFresh(1_000, 1_000 + DOWNLOAD_URL_FRESH_MS - 1)).toBe(true);
    expect(isUrlFresh(1_000, 1_000 + DOWNLOAD_URL_FRESH_MS)).toBe(false);
  });

  it('stays under the shortest lifetime the server can be configured with (30 s)', () => {
    expect(DOWNLOAD_URL_FRESH_MS).toBeLessThan(30_000);
  });

  it('does not trust a URL when the clock went backwards', () => {
    expect(isUrlFresh(5_000, 4_000)).toBe(false);
  });
});

describe('requestErrorText', () => {
  const t = translator('EN');
  const err = (over: Partial<ErrorMember>): ErrorMember => ({
    __typename: 'NotFoundError',
    message: 'No such event',
    code: 'NOT_FOUND',
    ...over,
  });

  it('translates refusals per request kind and error type', () => {
    expect(requestErrorText('evidence', err({}), t)).toBe(t('exports.refused.evidence.NotFoundError'));
    expect(requestErrorText('segment', err({}), t)).toBe(t('exports.refused.segment.NotFoundError'));
    const denied = err({ __typename: 'PermissionDeniedError', code: 'FORBIDDEN' });
    expect(requestErrorText('segment', denied, t)).toBe(t('exports.refused.segment.PermissionDeniedError'));
    expect(requestErrorText('evidence', denied, t)).toBe(t('exports.refused.evidence.PermissionDeniedError'));
  });

  it('translates a rejected span by field and code', () => {
    const invalid = err({
      __typename: 'ValidationError',
      code: 'INVALID_INPUT',
      fields: [{ field: 'to', code: 'OUT_OF_RANGE', message: 'Export at most 30 minutes at once' }],
    });
    expect(requestErrorText('segment', invalid, t)).toBe(t('exports.invalid.to.OUT_OF_RANGE'));
  });

  it('falls back to the generic validation text for an unknown field', () => {
    const invalid = err({
      __typename: 'ValidationError',
      code: 'INVALID_INPUT',
      fields: [{ field: 'eventId', code: 'INVALID_FORMAT', message: 'bad id' }],
    });
    expect(requestErrorText('evidence', invalid, t)).toBe(t('exports.invalid'));
  });

  it('keeps the server message for an error type without its own text', () => {
    const conflict = err({ __typename: 'ConflictError', code: 'CONFLICT', message: 'Busy' });
    expect(requestErrorText('evidence', conflict, t)).toBe('Busy');
  });
});
