/**
 * Shapes of the video exports selected by `VideoExportFields` (graphql/exports.graphql) and the
 * stable failure codes the export worker writes. They live next to the export components, their
 * only readers, so the shared api/types.ts stays as it is.
 */

export type ExportKind = 'SEGMENT' | 'EVIDENCE';
export type ExportStatus = 'PENDING' | 'RUNNING' | 'READY' | 'FAILED';

/**
 * Every `failureCode` an export can carry: domcctv/services/video_exports.py ExportFailure plus
 * the recorder's RecordingFailure (domcctv/domain/recordings.py), which a segment cut passes on.
 * A retryable failure leaves the job PENDING with the last attempt's code; a permanent one (or
 * the last attempt) makes it FAILED.
 */
export const EXPORT_FAILURE_CODES = [
  'EVIDENCE_MISSING',
  'EVIDENCE_ALTERED',
  'EVENT_GONE',
  'MEDIA_UNREADABLE',
  'OUTPUT_FAILED',
  'CAMERA_UNKNOWN',
  'NO_RECORDER',
  'RECORDER_OFFLINE',
  'RECORDER_NOT_READY',
  'RECORDING_MISSING',
  'RECORDING_CORRUPT',
  'INTERNAL',
] as const;
export type ExportFailureCode = (typeof EXPORT_FAILURE_CODES)[number];

export interface VideoExport {
  id: string;
  databaseId: number;
  kind: ExportKind;
  status: ExportStatus;
  /** 0 to 1. */
  progress: number;
  cameraCode: string | null;
  /** Global id of the event (evidence bundles). */
  eventId: string | null;
  start: string | null;
  end: string | null;
  overlay: boolean;
  failureCode: string | null;
  failureReason: string | null;
  fileName: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  createdAt: string;
  finishedAt: string | null;
  /** Short-lived signed URL (READY only). */
  downloadUrl: string | null;
}

export interface CameraOption {
  id: string;
  code: string;
  name: string;
  isActive: boolean;
  health: 'ONLINE' | 'STALE' | 'ERROR' | 'UNKNOWN';
}
