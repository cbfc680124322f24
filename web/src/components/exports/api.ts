/**
 * Typed handles for graphql/exports.graphql and graphql/cameras.graphql. Like the video section,
 * the export screens keep their own small registry so the app-wide operations table does not
 * have to know about them.
 */
import cameras from '../../../graphql/cameras.graphql?raw';
import exportsDocs from '../../../graphql/exports.graphql?raw';
import fragments from '../../../graphql/fragments.graphql?raw';
import type { Operation } from '../../api/client';
import { DocumentRegistry } from '../../api/documents';
import type { ErrorMember } from '../../api/types';
import type { CameraOption, VideoExport } from './types';

export const exportRegistry = new DocumentRegistry({
  'fragments.graphql': fragments,
  'exports.graphql': exportsDocs,
  'cameras.graphql': cameras,
});

function op<TData, TVars>(name: string): Operation<TData, TVars> {
  return { name, document: exportRegistry.document(name) };
}

export type VideoExportResult = { __typename: 'VideoExportSuccess'; export: VideoExport } | ErrorMember;

export const exportOps = {
  videoExports: op<{ videoExports: VideoExport[] }, { first: number }>('VideoExports'),
  videoExportById: op<{ videoExport: VideoExport | null }, { id: string }>('VideoExportById'),
  videoExportProgress: op<{ videoExportProgress: VideoExport }, { id: string }>('VideoExportProgress'),
  exportEventEvidence: op<{ exportEventEvidence: VideoExportResult }, { eventId: string; overlay: boolean }>(
    'ExportEventEvidence',
  ),
  exportVideoSegment: op<
    { exportVideoSegment: VideoExportResult },
    { cameraId: string; from: string; to: string; overlay: boolean }
  >('ExportVideoSegment'),
  cameraOptions: op<{ cameras: CameraOption[] }, Record<string, never>>('CameraOptions'),
};
