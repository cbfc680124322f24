/**
 * One export kept current: while it is not READY or FAILED it follows `videoExportProgress(id)`
 * over the shared graphql-ws client (the server sends the row now, then at every step, then
 * completes). If the stream fails, or ends before the job does (server restart), the export is
 * re-read every few seconds instead, so the screen never freezes on a stale bar. `refresh`
 * re-reads it on demand, e.g. for a fresh signed download URL; `readAt` says when the URL on
 * hand was read.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { gql, subscriptions } from '../../api';
import { subscribe } from '../../api/ws';
import { exportOps } from './api';
import { isFinished } from './exportState';
import type { VideoExport } from './types';

/** Re-read interval when the progress stream is not available. */
const POLL_MS = 5_000;

export interface FollowedExport {
  current: VideoExport;
  /** Epoch ms when `current` (and its downloadUrl) was read. */
  readAt: number;
  /** 'stream' while subscribed, 'poll' while re-reading, 'done' once finished, 'gone' when the
   * export can no longer be read (deleted by retention, or out of the viewer's reach). */
  mode: 'stream' | 'poll' | 'done' | 'gone';
  /** Re-read the export; null when it is gone or no longer visible (the state is kept). */
  refresh: () => Promise<VideoExport | null>;
}

export function useFollowedExport(initial: VideoExport): FollowedExport {
  const [state, setState] = useState({ current: initial, readAt: Date.now() });
  const [polling, setPolling] = useState(false);
  const [gone, setGone] = useState(false);
  const mounted = useRef(true);
  const id = initial.id;
  const finished = isFinished(state.current.status);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const adopt = useCallback((x: VideoExport) => {
    if (mounted.current) setState({ current: x, readAt: Date.now() });
  }, []);

  const refresh = useCallback(async () => {
    const data = await gql.request(exportOps.videoExportById, { id });
    if (data.videoExport) adopt(data.videoExport);
    return data.videoExport;
  }, [id, adopt]);

  // Follow the stream until the job finishes (or the stream gives out: then poll).
  useEffect(() => {
    if (finished || polling) return undefined;
    // graphql-ws also reports `complete` for a subscription we dispose: only a live one counts.
    let active = true;
    const fallBack = () => {
      if (active) setPolling(true);
    };
    const unsubscribe = subscribe(subscriptions(), exportOps.videoExportProgress, { id }, {
      next: (data) => adopt(data.videoExportProgress),
      error: fallBack,
      // The server completes after READY/FAILED (already adopted, so nothing is polled);
      // completing before that means the stream went away.
      complete: fallBack,
    });
    return () => {
      active = false;
      unsubscribe();
    };
  }, [id, finished, polling, adopt]);

  useEffect(() => {
    if (finished || !polling || gone) return undefined;
    const timer = setInterval(() => {
      refresh().then(
        (x) => {
          if (x === null && mounted.current) setGone(true);
        },
        () => undefined, // a failed read waits for the next tick
      );
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [finished, polling, gone, refresh]);

  return {
    current: state.current,
    readAt: state.readAt,
    mode: finished ? 'done' : gone ? 'gone' : polling ? 'poll' : 'stream',
    refresh,
  };
}
