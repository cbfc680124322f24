/**
 * Typed handles for graphql/video.graphql. The video section keeps its own small registry (the
 * shared fragments, events.graphql for VideoClipFields, video.graphql) so the app-wide
 * operations table does not have to know about it.
 */
import events from '../../../graphql/events.graphql?raw';
import fragments from '../../../graphql/fragments.graphql?raw';
import video from '../../../graphql/video.graphql?raw';
import type { Operation } from '../../api/client';
import { DocumentRegistry } from '../../api/documents';
import type { ErrorMember } from '../../api/types';
import type { ClipThumbnailUrls, VideoClip } from './types';

export const videoRegistry = new DocumentRegistry({
  'fragments.graphql': fragments,
  'events.graphql': events,
  'video.graphql': video,
});

function op<TData, TVars>(name: string): Operation<TData, TVars> {
  return { name, document: videoRegistry.document(name) };
}

/** The `at` variables of ClipThumbnails (seconds into the clip), one per still. */
export type ThumbnailVars = { id: string; a0: number; a1: number; a2: number; a3: number; a4: number; a5: number };

export const videoOps = {
  eventClips: op<
    { event: { id: string; legalHold: boolean; clips: VideoClip[] } | null },
    { id: string }
  >('EventClips'),
  clipThumbnails: op<{ node: ClipThumbnailUrls | null }, ThumbnailVars>('ClipThumbnails'),
  retryVideoClip: op<
    { retryVideoClip: { __typename: 'VideoClipSuccess'; clip: VideoClip } | ErrorMember },
    { clipId: string }
  >('RetryVideoClip'),
  setLegalHold: op<
    {
      setLegalHold:
        | { __typename: 'EventSuccess'; event: { id: string; legalHold: boolean } }
        | ErrorMember;
    },
    { eventId: string; hold: boolean; reason: string | null }
  >('SetLegalHold'),
};
