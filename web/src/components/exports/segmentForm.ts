/**
 * The segment export form's rules, checked before asking the server (which enforces the same
 * ones: services/video_exports.py request_segment): a camera, a start and an end typed as wall
 * clock in the user's preferred time zone, the end after the start, at most 30 minutes, and
 * already recorded (not in the future). Pure, so the rules are unit-tested without a browser.
 */
import { wallClock, zonedLocalToUtcIso } from '../../format';
import type { MessageKey } from '../../i18n';

/** services/video_exports.py MAX_SEGMENT_SPAN. */
export const MAX_SEGMENT_MS = 30 * 60 * 1000;

export interface SegmentForm {
  cameraId: string;
  /** datetime-local values ("2026-03-01T08:30" or with seconds), in `timeZone`. */
  from: string;
  to: string;
  overlay: boolean;
}

export type SegmentField = 'cameraId' | 'from' | 'to';

export interface SegmentRequest {
  cameraId: string;
  /** ISO UTC instants. */
  from: string;
  to: string;
  overlay: boolean;
}

export type SegmentCheck =
  | { ok: true; value: SegmentRequest }
  | { ok: false; errors: Partial<Record<SegmentField, MessageKey>> };

export function validateSegment(form: SegmentForm, timeZone: string, nowMs: number): SegmentCheck {
  const errors: Partial<Record<SegmentField, MessageKey>> = {};
  if (!form.cameraId) errors.cameraId = 'exports.segment.cameraRequired';
  const from = form.from.trim() ? zonedLocalToUtcIso(form.from, timeZone) : null;
  const to = form.to.trim() ? zonedLocalToUtcIso(form.to, timeZone) : null;
  if (!form.from.trim()) errors.from = 'exports.segment.fromRequired';
  else if (!from) errors.from = 'exports.segment.invalidTime';
  if (!form.to.trim()) errors.to = 'exports.segment.toRequired';
  else if (!to) errors.to = 'exports.segment.invalidTime';

  if (from && Date.parse(from) > nowMs) errors.from = 'exports.segment.fromFuture';
  if (from && to && !errors.to) {
    const span = Date.parse(to) - Date.parse(from);
    if (span <= 0) errors.to = 'exports.segment.toBeforeFrom';
    else if (span > MAX_SEGMENT_MS) errors.to = 'exports.segment.tooLong';
    else if (Date.parse(to) > nowMs) errors.to = 'exports.segment.toFuture';
  }
  if (Object.keys(errors).length > 0 || !from || !to) return { ok: false, errors };
  return { ok: true, value: { cameraId: form.cameraId, from, to, overlay: form.overlay } };
}

/** An instant as the datetime-local value ("YYYY-MM-DDTHH:MM:SS") of its wall clock in `timeZone`. */
export function toZonedLocal(ms: number, timeZone: string): string {
  const w = wallClock(ms, timeZone);
  return `${w.year}-${w.month}-${w.day}T${w.hour}:${w.minute}:${w.second}`;
}

/** A form asking for the last `minutes` up to a minute ago (recorders flush with a small lag). */
export function defaultSegmentForm(nowMs: number, timeZone: string, minutes = 5): SegmentForm {
  const end = Math.floor(nowMs / 60_000) * 60_000 - 60_000;
  return {
    cameraId: '',
    from: toZonedLocal(end - minutes * 60_000, timeZone),
    to: toZonedLocal(end, timeZone),
    overlay: false,
  };
}
