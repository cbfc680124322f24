/**
 * Typed handles for graphql/live-view.graphql (and the camera list of cameras.graphql), in the
 * live view's own small registry like the video and export screens.
 */
import cameras from '../../../graphql/cameras.graphql?raw';
import liveView from '../../../graphql/live-view.graphql?raw';
import type { Operation } from '../../api/client';
import { DocumentRegistry } from '../../api/documents';
import type { CameraOption } from '../exports/types';

export const liveViewRegistry = new DocumentRegistry({
  'cameras.graphql': cameras,
  'live-view.graphql': liveView,
});

function op<TData, TVars>(name: string): Operation<TData, TVars> {
  return { name, document: liveViewRegistry.document(name) };
}

export const liveViewOps = {
  liveStreamUrl: op<{ liveStreamUrl: string | null }, { cameraId: string }>('LiveStreamUrl'),
  cameraOptions: op<{ cameras: CameraOption[] }, Record<string, never>>('CameraOptions'),
};
