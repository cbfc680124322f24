/**
 * What an export looks like on screen, derived from its row alone (pure, unit-tested): the
 * phase (a PENDING job that already failed once is "retrying", not "queued"), the progress bar,
 * the translated status and failure texts, how a pushed snapshot merges into a list, whether a
 * signed download URL is still fresh, and the text of a refused export request.
 */
import type { ErrorMember } from '../../api/types';
import { isMessageKey, type MessageKey, type Translate } from '../../i18n';
import { EXPORT_FAILURE_CODES, type ExportFailureCode, type ExportStatus, type VideoExport } from './types';

export type ExportPhase = 'queued' | 'retrying' | 'running' | 'ready' | 'failed';
export type PhaseColor = 'default' | 'info' | 'warning' | 'success' | 'error';

export interface ExportView {
  phase: ExportPhase;
  /** READY or FAILED: nothing more will be pushed. */
  finished: boolean;
  /** 0..100, whole numbers. */
  percent: number;
  /** A determinate bar while running, an indeterminate one while waiting, none when finished. */
  bar: 'determinate' | 'indeterminate' | 'none';
  color: PhaseColor;
  statusKey: MessageKey;
  /** Translation key of the failure (the last attempt's, while retrying); null without one. */
  failureKey: MessageKey | null;
}

const FINISHED: ReadonlySet<ExportStatus> = new Set(['READY', 'FAILED']);
const KNOWN_FAILURES: ReadonlySet<string> = new Set(EXPORT_FAILURE_CODES);

const PHASES: Record<ExportPhase, { color: PhaseColor; statusKey: MessageKey }> = {
  queued: { color: 'default', statusKey: 'exports.status.PENDING' },
  retrying: { color: 'warning', statusKey: 'exports.status.RETRYING' },
  running: { color: 'info', statusKey: 'exports.status.RUNNING' },
  ready: { color: 'success', statusKey: 'exports.status.READY' },
  failed: { color: 'error', statusKey: 'exports.status.FAILED' },
};

export function isFinished(status: ExportStatus): boolean {
  return FINISHED.has(status);
}

export function isKnownFailure(code: string): code is ExportFailureCode {
  return KNOWN_FAILURES.has(code);
}

/** The translation key of a failure code; codes this build does not know get the generic text. */
export function failureKey(code: string | null | undefined): MessageKey | null {
  if (!code) return null;
  const key = `exports.failure.${code}`;
  return isKnownFailure(code) && isMessageKey(key) ? key : 'exports.failure.UNKNOWN';
}

/** Progress 0..1 (anything else clamped, NaN as 0) as a whole percentage. */
export function percentOf(progress: number): number {
  if (!Number.isFinite(progress)) return 0;
  return Math.round(Math.min(1, Math.max(0, progress)) * 100);
}

export function phaseOf(x: Pick<VideoExport, 'status' | 'failureCode'>): ExportPhase {
  switch (x.status) {
    case 'READY':
      return 'ready';
    case 'FAILED':
      return 'failed';
    case 'RUNNING':
      return 'running';
    default:
      return x.failureCode ? 'retrying' : 'queued';
  }
}

export function exportView(x: Pick<VideoExport, 'status' | 'progress' | 'failureCode'>): ExportView {
  const phase = phaseOf(x);
  const finished = isFinished(x.status);
  const percent = phase === 'ready' ? 100 : percentOf(x.progress);
  return {
    phase,
    finished,
    percent,
    bar: finished ? 'none' : phase === 'running' ? 'determinate' : 'indeterminate',
    ...PHASES[phase],
    // A FAILED job always says why (the generic text when it carries no code).
    failureKey:
      phase === 'failed'
        ? (failureKey(x.failureCode) ?? 'exports.failure.UNKNOWN')
        : phase === 'retrying'
          ? failureKey(x.failureCode)
          : null,
  };
}

/** `list` with `x` replacing the entry of the same id (or added), newest first. */
export function mergeExport(list: readonly VideoExport[], x: VideoExport): VideoExport[] {
  const rest = list.filter((item) => item.id !== x.id);
  return [x, ...rest].sort(
    (a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.databaseId - a.databaseId,
  );
}

/**
 * A signed URL is trusted for this long after it was read. The server's lifetime is configurable
 * (VIDEO_URL_TTL_SECONDS, 30 s at the least, 900 s by default), so staying under the minimum
 * means a click never lands on an expired link; an older one is re-read first.
 */
export const DOWNLOAD_URL_FRESH_MS = 25_000;

export function isUrlFresh(readAtMs: number, nowMs: number): boolean {
  return nowMs >= readAtMs && nowMs - readAtMs < DOWNLOAD_URL_FRESH_MS;
}

export type ExportRequestKind = 'evidence' | 'segment';

/**
 * The user's-language text for a refused export request (a member of VideoExportResult):
 * validation errors of the segment span get their own texts, the rest one per error type.
 */
export function requestErrorText(kind: ExportRequestKind, error: ErrorMember, t: Translate): string {
  if (error.__typename === 'ValidationError') {
    for (const field of error.fields ?? []) {
      const key = `exports.invalid.${field.field}.${field.code}`;
      if (isMessageKey(key)) return t(key);
    }
    return t('exports.invalid');
  }
  const key = `exports.refused.${kind}.${error.__typename}`;
  if (isMessageKey(key)) return t(key);
  return error.message || t('common.error');
}
