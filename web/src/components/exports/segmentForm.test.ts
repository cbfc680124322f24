import { describe, expect, it } from 'vitest';
import { MAX_SEGMENT_MS, defaultSegmentForm, toZonedLocal, validateSegment, type SegmentForm } from './segmentForm';

const TZ = 'America/Santiago';
// 2026-03-02 15:00:00 UTC = 12:00:00 in Santiago (UTC-3 in March, before DST ends).
const NOW = Date.parse('2026-03-02T15:00:00Z');

function form(over: Partial<SegmentForm>): SegmentForm {
  return { cameraId: 'Q2FtZXJhOjE=', from: '2026-03-02T11:40', to: '2026-03-02T11:50', overlay: false, ...over };
}

describe('validateSegment', () => {
  it('accepts a past span of at most 30 minutes, read in the user zone', () => {
    expect(validateSegment(form({ overlay: true }), TZ, NOW)).toEqual({
      ok: true,
      value: {
        cameraId: 'Q2FtZXJhOjE=',
        from: '2026-03-02T14:40:00.000Z',
        to: '2026-03-02T14:50:00.000Z',
        overlay: true,
      },
    });
  });

  it('accepts exactly 30 minutes ending now', () => {
    const check = validateSegment(form({ from: '2026-03-02T11:30:00', to: '2026-03-02T12:00:00' }), TZ, NOW);
    expect(check.ok).toBe(true);
  });

  it('refuses a span one second over 30 minutes', () => {
    const check = validateSegment(form({ from: '2026-03-02T11:29:59', to: '2026-03-02T12:00:00' }), TZ, NOW);
    expect(check).toEqual({ ok: false, errors: { to: 'exports.segment.tooLong' } });
  });

  it('requires a camera, a start and an end', () => {
    expect(validateSegment(form({ cameraId: '', from: ' ', to: '' }), TZ, NOW)).toEqual({
      ok: false,
      errors: {
        cameraId: 'exports.segment.cameraRequired',
        from: 'exports.segment.fromRequired',
        to: 'exports.segment.toRequired',
      },
    });
  });

  it('refuses unreadable times', () => {
    const check = validateSegment(form({ from: 'ayer', to: '2026-13-45T99:00' }), TZ, NOW);
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.errors.from).toBe('exports.segment.invalidTime');
    }
  });

  it('refuses an end before (or equal to) the start', () => {
    expect(validateSegment(form({ from: '2026-03-02T11:50', to: '2026-03-02T11:40' }), TZ, NOW)).toEqual({
      ok: false,
      errors: { to: 'exports.segment.toBeforeFrom' },
    });
    expect(validateSegment(form({ from: '2026-03-02T11:50', to: '2026-03-02T11:50' }), TZ, NOW)).toEqual({
      ok: false,
      errors: { to: 'exports.segment.toBeforeFrom' },
    });
  });

  it('refuses video not recorded yet', () => {
    expect(validateSegment(form({ from: '2026-03-02T11:55', to: '2026-03-02T12:05' }), TZ, NOW)).toEqual({
      ok: false,
      errors: { to: 'exports.segment.toFuture' },
    });
    expect(validateSegment(form({ from: '2026-03-02T12:01', to: '2026-03-02T12:05' }), TZ, NOW)).toEqual({
      ok: false,
      errors: { from: 'exports.segment.fromFuture', to: 'exports.segment.toFuture' },
    });
  });

  it('reads the times in the given zone, not the browser one', () => {
    // 11:50 in Santiago is in the past at NOW, but 11:50 UTC+9 would be far earlier; both valid,
    // so check the instants differ by the zones' offset.
    const santiago = validateSegment(form({}), TZ, NOW);
    const tokyo = validateSegment(form({}), 'Asia/Tokyo', NOW);
    expect(santiago.ok && tokyo.ok).toBe(true);
    if (santiago.ok && tokyo.ok) {
      expect(Date.parse(santiago.value.to) - Date.parse(tokyo.value.to)).toBe(12 * 3600 * 1000);
    }
  });
});

describe('defaults', () => {
  it('formats an instant as the wall clock of a zone', () => {
    expect(toZonedLocal(NOW, TZ)).toBe('2026-03-02T12:00:00');
    expect(toZonedLocal(NOW, 'UTC')).toBe('2026-03-02T15:00:00');
  });

  it('proposes a valid span ending a minute ago', () => {
    const initial = defaultSegmentForm(NOW + 25_000, TZ);
    expect(initial).toMatchObject({ from: '2026-03-02T11:54:00', to: '2026-03-02T11:59:00', cameraId: '', overlay: false });
    const check = validateSegment({ ...initial, cameraId: 'x' }, TZ, NOW + 25_000);
    expect(check.ok).toBe(true);
    if (check.ok) expect(Date.parse(check.value.to) - Date.parse(check.value.from)).toBeLessThanOrEqual(MAX_SEGMENT_MS);
  });
});
