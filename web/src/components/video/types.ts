/**
 * Shapes of the video evidence selected by `VideoClipFields` (graphql/events.graphql) and the
 * operations of graphql/video.graphql. They live next to the video components, which are their
 * only readers, so the shared api/types.ts stays as it is.
 */
import type { EventDetail, VideoQuality } from '../../api/types';

export type ClipStatus = 'PENDING' | 'READY' | 'FAILED';
export type CameraRole = 'PRIMARY' | 'SECONDARY';
/** A quality a clip can actually be played in (AUTO is only a preference). */
export type PlayableQuality = Exclude<VideoQuality, 'AUTO'>;

/** Stable codes of a capture failure (domcctv/domain/recordings.py RecordingFailure). */
export const FAILURE_CODES = [
  'RECORDER_NOT_READY',
  'RECORDER_OFFLINE',
  'RECORDING_MISSING',
  'RECORDING_CORRUPT',
  'CAMERA_UNKNOWN',
  'NO_RECORDER',
  'INTERNAL',
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

export interface VideoClip {
  id: string;
  databaseId: number;
  cameraCode: string;
  role: CameraRole;
  status: ClipStatus;
  anchorTime: string;
  start: string | null;
  end: string | null;
  durationSeconds: number | null;
  plateOffsetSeconds: number | null;
  failureCode: string | null;
  failureReason: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  codec: string | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  qualities: VideoQuality[];
  /** playbackUrl(quality: HIGH | MEDIUM | LOW), aliased. */
  high: string | null;
  medium: string | null;
  low: string | null;
  plateStillUrl: string | null;
  downloadUrl: string | null;
}

/** What the video section needs of the event. */
export interface EventVideo {
  id: string;
  cameraCode: string;
  legalHold: boolean;
  clips: VideoClip[];
}

/**
 * EventDetailFields selects `legalHold` and `clips` (events.graphql), but the hand-kept
 * EventDetail interface in api/types.ts does not declare them: read them here, defaulting to
 * "no hold, no clips" for an event object that lacks them.
 */
export function eventVideoOf(event: EventDetail): EventVideo {
  const extra = event as EventDetail & Partial<Pick<EventVideo, 'legalHold' | 'clips'>>;
  return {
    id: event.id,
    cameraCode: event.cameraCode,
    legalHold: extra.legalHold === true,
    clips: Array.isArray(extra.clips) ? extra.clips : [],
  };
}

export interface ClipThumbnailUrls {
  id: string;
  t0: string | null;
  t1: string | null;
  t2: string | null;
  t3: string | null;
  t4: string | null;
  t5: string | null;
}
