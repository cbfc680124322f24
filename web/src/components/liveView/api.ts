/**
 * Typed handles for graphql/live-view.graphql, in the live view's own small registry like the
 * video and export screens.
 */
import liveView from '../../../graphql/live-view.graphql?raw';
import type { Operation } from '../../api/client';
import { DocumentRegistry } from '../../api/documents';

/** A camera the user may watch live (all of them are active). */
export interface LiveCameraOption {
  id: string;
  code: string;
  name: string;
}

export const liveViewRegistry = new DocumentRegistry({
  'live-view.graphql': liveView,
});

function op<TData, TVars>(name: string): Operation<TData, TVars> {
  return { name, document: liveViewRegistry.document(name) };
}

export const liveViewOps = {
  liveStreamUrl: op<{ liveStreamUrl: string | null }, { cameraId: string }>('LiveStreamUrl'),
  liveCameras: op<{ liveCameras: LiveCameraOption[] }, Record<string, never>>('LiveCameras'),
};
