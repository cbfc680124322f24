/**
 * Pure time arithmetic of the synchronised player: one timeline for several clips whose first
 * frames were recorded at different wall-clock instants, frame stepping, speeds, thumbnail
 * positions, the quality to start with, file names of stills, and keeping signed URLs stable
 * across refetches (a new token string would reload a playing <video>).
 */
import type { Language, VideoQuality } from '../../api/types';
import { locale, wallClock } from '../../format';
import type { PlayableQuality, VideoClip } from './types';

/** Playback speeds offered (the browser supports 0.0625x-16x). */
export const SPEEDS = [0.25, 0.5, 1, 1.5, 2, 4] as const;
export const MIN_RATE = SPEEDS[0];
export const MAX_RATE = SPEEDS[SPEEDS.length - 1];
/** Frame rate assumed when the clip does not say. */
export const DEFAULT_FPS = 25;
/** Stills along each clip's timeline. */
export const THUMBNAIL_COUNT = 6;

export interface TimelineTrack {
  id: string;
  /** Seconds from the timeline's origin to the clip's first frame. */
  offset: number;
  duration: number;
  fps: number;
  /** Seconds into the clip where the plate was read (null: unknown). */
  plateOffset: number | null;
  /** Wall-clock instant of the clip's first frame (epoch ms). */
  startMs: number;
}

export interface Timeline {
  /** Wall-clock instant of timeline 0 (the earliest first frame), epoch ms. */
  originMs: number;
  /** Seconds from origin to the last frame of the clip that ends last. */
  total: number;
  tracks: TimelineTrack[];
}

function parseMs(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** Wall-clock instant of a clip's first frame: `start`, else (older rows) derived from the read
 * instant and the plate's offset in the clip. */
export function clipStartMs(clip: Pick<VideoClip, 'start' | 'anchorTime' | 'plateOffsetSeconds'>): number | null {
  const start = parseMs(clip.start);
  if (start !== null) return start;
  const anchor = parseMs(clip.anchorTime);
  if (anchor === null) return null;
  return anchor - (clip.plateOffsetSeconds ?? 0) * 1000;
}

/** Length in seconds from durationSeconds, else from start/end. */
export function clipDuration(clip: Pick<VideoClip, 'durationSeconds' | 'start' | 'end'>): number {
  if (clip.durationSeconds !== null && Number.isFinite(clip.durationSeconds) && clip.durationSeconds > 0) {
    return clip.durationSeconds;
  }
  const start = parseMs(clip.start);
  const end = parseMs(clip.end);
  return start !== null && end !== null && end > start ? (end - start) / 1000 : 0;
}

/** Align clips on their wall-clock start: the earliest starts the timeline at 0. Clips without a
 * known start are left out. */
export function buildTimeline(clips: VideoClip[]): Timeline {
  const known = clips
    .map((clip) => ({ clip, startMs: clipStartMs(clip) }))
    .filter((c): c is { clip: VideoClip; startMs: number } => c.startMs !== null);
  if (known.length === 0) return { originMs: 0, total: 0, tracks: [] };
  const originMs = Math.min(...known.map((c) => c.startMs));
  const tracks = known.map(({ clip, startMs }) => ({
    id: clip.id,
    offset: (startMs - originMs) / 1000,
    duration: clipDuration(clip),
    fps: clip.fps && clip.fps > 0 ? clip.fps : DEFAULT_FPS,
    plateOffset: clip.plateOffsetSeconds,
    startMs,
  }));
  const total = Math.max(0, ...tracks.map((t) => t.offset + t.duration));
  return { originMs, total, tracks };
}

/** Position inside a track at timeline time `t` (may be outside [0, duration]). */
export function localTime(track: Pick<TimelineTrack, 'offset'>, t: number): number {
  return t - track.offset;
}

export function inRange(track: Pick<TimelineTrack, 'offset' | 'duration'>, t: number): boolean {
  const local = t - track.offset;
  return local >= 0 && local < track.duration;
}

/** The plate-read moment of a track on the timeline (null when unknown). */
export function plateMoment(track: Pick<TimelineTrack, 'offset' | 'plateOffset'>): number | null {
  return track.plateOffset === null ? null : track.offset + track.plateOffset;
}

export function clampTime(t: number, total: number): number {
  if (!Number.isFinite(t)) return 0;
  return Math.min(Math.max(0, t), Math.max(0, total));
}

export function clampRate(rate: number): number {
  if (!Number.isFinite(rate) || rate <= 0) return 1;
  return Math.min(MAX_RATE, Math.max(MIN_RATE, rate));
}

/**
 * Timeline time one frame before/after `t`, counted in `track`'s own frames. Frames are
 * addressed at their middle ((n + 0.5) / fps): a currentTime exactly on a frame boundary may
 * show either neighbour depending on rounding in the decoder.
 */
export function frameStep(t: number, direction: 1 | -1, track: Pick<TimelineTrack, 'offset' | 'duration' | 'fps'>): number {
  const fps = track.fps > 0 ? track.fps : DEFAULT_FPS;
  const local = t - track.offset;
  const lastFrame = Math.max(0, Math.ceil(track.duration * fps) - 1);
  const current = Math.min(lastFrame, Math.max(0, Math.floor(local * fps + 1e-6)));
  const inside = local >= 0 && local < track.duration;
  // Outside the clip, the first step lands on its first (or last) frame.
  const next = inside ? Math.min(lastFrame, Math.max(0, current + direction)) : current;
  return track.offset + (next + 0.5) / fps;
}

/** The track frame steps follow at `t`: the first one showing a picture, else the first. */
export function stepTrack<T extends Pick<TimelineTrack, 'offset' | 'duration'>>(tracks: T[], t: number): T | null {
  return tracks.find((track) => inRange(track, t)) ?? tracks[0] ?? null;
}

/** Seconds into a clip of `duration` for each thumbnail: the middle of equal slices. */
export function thumbnailTimes(duration: number, count = THUMBNAIL_COUNT): number[] {
  if (!(duration > 0) || count <= 0) return [];
  return Array.from({ length: count }, (_, i) => Math.round(((i + 0.5) * duration * 1000) / count) / 1000);
}

export const QUALITY_ORDER: PlayableQuality[] = ['HIGH', 'MEDIUM', 'LOW'];

/** Qualities a clip can play now, best first (HIGH, the original, always). */
export function playableQualities(clip: Pick<VideoClip, 'qualities'>): PlayableQuality[] {
  const offered = new Set(clip.qualities);
  return QUALITY_ORDER.filter((q) => q === 'HIGH' || offered.has(q));
}

/** The quality to start with: the user's preference when transcoded (AUTO means HIGH), else
 * the original. */
export function pickQuality(preference: VideoQuality, clip: Pick<VideoClip, 'qualities'>): PlayableQuality {
  const playable = playableQualities(clip);
  const wanted: PlayableQuality = preference === 'AUTO' ? 'HIGH' : preference;
  return playable.includes(wanted) ? wanted : 'HIGH';
}

export function playbackUrl(clip: Pick<VideoClip, 'high' | 'medium' | 'low'>, quality: PlayableQuality): string | null {
  const urls = { HIGH: clip.high, MEDIUM: clip.medium, LOW: clip.low };
  return urls[quality] ?? clip.high;
}

/** Whether a clip can be put in the player (captured and this user may watch it). */
export function isPlayable(clip: Pick<VideoClip, 'status' | 'high'>): boolean {
  return clip.status === 'READY' && clip.high !== null;
}

/** Primary first, then by camera code: the order tiles and the timeline use. */
export function orderClips(clips: VideoClip[]): VideoClip[] {
  const rank = (c: VideoClip) => (c.role === 'PRIMARY' ? 0 : 1);
  return [...clips].sort((a, b) => rank(a) - rank(b) || a.cameraCode.localeCompare(b.cameraCode) || a.databaseId - b.databaseId);
}

const URL_FIELDS = ['high', 'medium', 'low', 'plateStillUrl', 'downloadUrl'] as const;

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Clips from a refetch, keeping the signed URLs already on screen for every clip that is still
 * READY with the same qualities: fresh tokens are different strings, and a changed `src` makes
 * the browser reload the video. `fresh` ids take the new URLs (after a load error: the old
 * token may have expired).
 */
export function mergeClips(previous: VideoClip[], next: VideoClip[], fresh: ReadonlySet<string> = new Set()): VideoClip[] {
  const byId = new Map(previous.map((c) => [c.id, c]));
  return next.map((clip) => {
    const old = byId.get(clip.id);
    if (!old || fresh.has(clip.id)) return clip;
    const keep =
      old.status === 'READY' &&
      clip.status === 'READY' &&
      sameList(old.qualities, clip.qualities) &&
      URL_FIELDS.every((f) => (old[f] === null) === (clip[f] === null));
    if (!keep) return clip;
    const merged: VideoClip = { ...clip };
    for (const field of URL_FIELDS) merged[field] = old[field];
    return merged;
  });
}


function millis(epochMs: number): string {
  return String(((Math.floor(epochMs) % 1000) + 1000) % 1000).padStart(3, '0');
}

/** "CAM-NORTE-01_2025-03-01_08-30-12-345.png": camera and wall-clock time in the user's zone. */
export function stillFileName(cameraCode: string, epochMs: number, timeZone: string): string {
  const camera = cameraCode.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'camera';
  const p = wallClock(epochMs, timeZone);
  return `${camera}_${p.year}-${p.month}-${p.day}_${p.hour}-${p.minute}-${p.second}-${millis(epochMs)}.png`;
}

/** Wall-clock time with tenths of a second in the user's zone: "01-03-2025 08:30:12,3". */
export function formatClock(epochMs: number, timeZone: string, lang: Language): string {
  if (!Number.isFinite(epochMs)) return '—';
  const date = new Intl.DateTimeFormat(locale(lang), {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(epochMs));
  const p = wallClock(epochMs, timeZone);
  const sep = lang === 'ES' ? ',' : '.';
  return `${date} ${p.hour}:${p.minute}:${p.second}${sep}${millis(epochMs)[0]}`;
}

/** Position on the timeline: "0:07.4" (minutes:seconds.tenths). */
export function formatOffset(seconds: number): string {
  const tenths = Math.max(0, Math.floor(seconds * 10 + 1e-6));
  const m = Math.floor(tenths / 600);
  const s = Math.floor((tenths % 600) / 10);
  return `${m}:${String(s).padStart(2, '0')}.${tenths % 10}`;
}
