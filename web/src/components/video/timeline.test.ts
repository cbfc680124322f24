import { describe, expect, it } from 'vitest';
import {
  buildTimeline,
  clampRate,
  clipDuration,
  clipStartMs,
  formatClock,
  formatOffset,
  frameStep,
  inRange,
  isPlayable,
  mergeClips,
  orderClips,
  pickQuality,
  plateMoment,
  playableQualities,
  playbackUrl,
  stepTrack,
  stillFileName,
  thumbnailTimes,
} from './timeline';
import type { VideoClip } from './types';

function clip(overrides: Partial<VideoClip> = {}): VideoClip {
  return {
    id: 'c1',
    databaseId: 1,
    cameraCode: 'CAM-NORTE-01',
    role: 'PRIMARY',
    status: 'READY',
    anchorTime: '2025-03-01T11:30:10Z',
    start: '2025-03-01T11:30:00Z',
    end: '2025-03-01T11:30:30Z',
    durationSeconds: 30,
    plateOffsetSeconds: 10,
    failureCode: null,
    failureReason: null,
    attempts: 1,
    nextAttemptAt: null,
    sizeBytes: 1000,
    sha256: 'ab',
    codec: 'h264',
    width: 1920,
    height: 1080,
    fps: 25,
    qualities: ['HIGH'],
    high: '/video/a/clip.mp4',
    medium: '/video/a/clip.mp4',
    low: '/video/a/clip.mp4',
    plateStillUrl: '/video/s/thumb.jpg',
    downloadUrl: '/video/d/download',
    ...overrides,
  };
}

describe('buildTimeline', () => {
  it('aligns the clips on their wall-clock start', () => {
    const tl = buildTimeline([
      clip({ id: 'p', start: '2025-03-01T11:30:01.500Z', durationSeconds: 30 }),
      clip({ id: 's', role: 'SECONDARY', start: '2025-03-01T11:30:00Z', durationSeconds: 25, plateOffsetSeconds: 12 }),
    ]);
    expect(tl.originMs).toBe(Date.parse('2025-03-01T11:30:00Z'));
    expect(tl.tracks.map((t) => [t.id, t.offset, t.duration])).toEqual([
      ['p', 1.5, 30],
      ['s', 0, 25],
    ]);
    expect(tl.total).toBe(31.5);
    expect(plateMoment(tl.tracks[0])).toBe(11.5);
    expect(plateMoment(tl.tracks[1])).toBe(12);
  });

  it('derives a missing start from the read instant and the plate offset', () => {
    expect(clipStartMs(clip({ start: null, anchorTime: '2025-03-01T11:30:10Z', plateOffsetSeconds: 4 }))).toBe(
      Date.parse('2025-03-01T11:30:06Z'),
    );
    expect(clipStartMs(clip({ start: null, anchorTime: 'garbage' }))).toBeNull();
  });

  it('takes the duration from start/end when durationSeconds is missing', () => {
    expect(clipDuration(clip({ durationSeconds: null }))).toBe(30);
    expect(clipDuration(clip({ durationSeconds: null, end: null }))).toBe(0);
  });

  it('is empty without clips and defaults fps', () => {
    expect(buildTimeline([])).toEqual({ originMs: 0, total: 0, tracks: [] });
    expect(buildTimeline([clip({ fps: null })]).tracks[0].fps).toBe(25);
  });
});

describe('ranges and steps', () => {
  const track = { offset: 2, duration: 10, fps: 25 };

  it('knows when a clip shows a picture', () => {
    expect(inRange(track, 1.99)).toBe(false);
    expect(inRange(track, 2)).toBe(true);
    expect(inRange(track, 11.99)).toBe(true);
    expect(inRange(track, 12)).toBe(false);
  });

  it('steps by one frame, landing mid-frame', () => {
    expect(frameStep(2, 1, track)).toBeCloseTo(2 + 1.5 / 25, 9);
    expect(frameStep(2 + 1.5 / 25, 1, track)).toBeCloseTo(2 + 2.5 / 25, 9);
    expect(frameStep(2 + 1.5 / 25, -1, track)).toBeCloseTo(2 + 0.5 / 25, 9);
    expect(frameStep(2, -1, track)).toBeCloseTo(2 + 0.5 / 25, 9); // no frame before the first
    expect(frameStep(2 + 9.99, 1, track)).toBeCloseTo(2 + 249.5 / 25, 9); // none after the last
  });

  it('lands on the first or last frame from outside the clip', () => {
    expect(frameStep(0, 1, track)).toBeCloseTo(2 + 0.5 / 25, 9);
    expect(frameStep(50, -1, track)).toBeCloseTo(2 + 249.5 / 25, 9);
  });

  it('steps the clip on screen', () => {
    const a = { offset: 0, duration: 5 };
    const b = { offset: 3, duration: 10 };
    expect(stepTrack([a, b], 1)).toBe(a);
    expect(stepTrack([a, b], 7)).toBe(b);
    expect(stepTrack([a, b], 20)).toBe(a);
    expect(stepTrack([], 0)).toBeNull();
  });

  it('clamps speeds to 0.25x-4x', () => {
    expect(clampRate(0.1)).toBe(0.25);
    expect(clampRate(8)).toBe(4);
    expect(clampRate(1.5)).toBe(1.5);
    expect(clampRate(Number.NaN)).toBe(1);
    expect(clampRate(0)).toBe(1);
  });
});

describe('thumbnails', () => {
  it('spreads stills over the middle of equal slices', () => {
    expect(thumbnailTimes(30)).toEqual([2.5, 7.5, 12.5, 17.5, 22.5, 27.5]);
    expect(thumbnailTimes(10, 3)).toEqual([1.667, 5, 8.333]);
    expect(thumbnailTimes(0)).toEqual([]);
    expect(thumbnailTimes(Number.NaN)).toEqual([]);
  });
});

describe('quality', () => {
  it('starts with the preference when it is transcoded, AUTO meaning HIGH', () => {
    const both = clip({ qualities: ['HIGH', 'MEDIUM', 'LOW'] });
    expect(pickQuality('AUTO', both)).toBe('HIGH');
    expect(pickQuality('LOW', both)).toBe('LOW');
    expect(pickQuality('MEDIUM', clip({ qualities: ['HIGH'] }))).toBe('HIGH');
    expect(playableQualities(clip({ qualities: ['LOW'] }))).toEqual(['HIGH', 'LOW']);
  });

  it('picks the URL of the quality, falling back to the original', () => {
    const c = clip({ high: 'h', medium: 'm', low: null });
    expect(playbackUrl(c, 'MEDIUM')).toBe('m');
    expect(playbackUrl(c, 'LOW')).toBe('h');
  });

  it('plays only READY clips the user may watch', () => {
    expect(isPlayable(clip())).toBe(true);
    expect(isPlayable(clip({ status: 'PENDING', high: null }))).toBe(false);
    expect(isPlayable(clip({ high: null }))).toBe(false);
  });
});

describe('orderClips', () => {
  it('puts the primary camera first', () => {
    const out = orderClips([
      clip({ id: 's', role: 'SECONDARY', cameraCode: 'A' }),
      clip({ id: 'p', role: 'PRIMARY', cameraCode: 'Z' }),
    ]);
    expect(out.map((c) => c.id)).toEqual(['p', 's']);
  });
});

describe('mergeClips', () => {
  const old = clip({ high: '/video/old/clip.mp4', downloadUrl: '/video/old/download' });
  const refetched = clip({ high: '/video/new/clip.mp4', downloadUrl: '/video/new/download', attempts: 2 });

  it('keeps the URLs on screen for an unchanged READY clip', () => {
    const [merged] = mergeClips([old], [refetched]);
    expect(merged.high).toBe('/video/old/clip.mp4');
    expect(merged.downloadUrl).toBe('/video/old/download');
    expect(merged.attempts).toBe(2);
  });

  it('takes the new URLs when the clip changed or was asked fresh', () => {
    expect(mergeClips([clip({ status: 'PENDING', high: null })], [refetched])[0].high).toBe('/video/new/clip.mp4');
    expect(mergeClips([old], [{ ...refetched, qualities: ['HIGH', 'LOW'] }])[0].high).toBe('/video/new/clip.mp4');
    expect(mergeClips([old], [refetched], new Set(['c1']))[0].high).toBe('/video/new/clip.mp4');
    expect(mergeClips([old], [{ ...refetched, downloadUrl: null }])[0].downloadUrl).toBeNull();
  });

  it('adds new clips and drops vanished ones', () => {
    const extra = clip({ id: 'c2', role: 'SECONDARY' });
    expect(mergeClips([old], [refetched, extra]).map((c) => c.id)).toEqual(['c1', 'c2']);
    expect(mergeClips([old, extra], [extra]).map((c) => c.id)).toEqual(['c2']);
  });
});

describe('wall-clock text', () => {
  const at = Date.parse('2025-03-01T11:30:12.345Z'); // 08:30:12.345 in Santiago (UTC-3)

  it('names stills by camera and wall-clock time in the user zone', () => {
    expect(stillFileName('CAM-NORTE-01', at, 'America/Santiago')).toBe('CAM-NORTE-01_2025-03-01_08-30-12-345.png');
    expect(stillFileName('CAM 1/ñ', at, 'UTC')).toBe('CAM-1_2025-03-01_11-30-12-345.png');
    expect(stillFileName('///', at, 'UTC')).toBe('camera_2025-03-01_11-30-12-345.png');
  });

  it('shows the time with tenths in the user zone and language', () => {
    expect(formatClock(at, 'America/Santiago', 'ES')).toBe('01-03-2025 08:30:12,3');
    expect(formatClock(at, 'UTC', 'EN')).toBe('01/03/2025 11:30:12.3');
    expect(formatClock(Number.NaN, 'UTC', 'EN')).toBe('—');
  });

  it('shows timeline positions as minutes:seconds.tenths', () => {
    expect(formatOffset(0)).toBe('0:00.0');
    expect(formatOffset(7.45)).toBe('0:07.4');
    expect(formatOffset(75.06)).toBe('1:15.0');
    expect(formatOffset(-3)).toBe('0:00.0');
  });
});
