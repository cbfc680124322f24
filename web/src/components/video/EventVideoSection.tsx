/**
 * The event page's video evidence: every camera's clip (playing side by side on one timeline
 * when captured, or its capture state), the legal hold, and live refresh: the event stream
 * pushes an UPDATED change when a clip's capture state changes, and the clips are then refetched
 * (keeping the URLs of clips already playing, so nothing on screen reloads). Users holding
 * EXPORT_VIDEO_SEGMENTS also get "Exportar evidencia" (the event's evidence bundle) here.
 */
import { Box, Card, CardContent, CardHeader, Stack, Typography } from '@mui/material';
import VideocamOffIcon from '@mui/icons-material/VideocamOff';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { gql, subscriptions } from '../../api';
import { ops } from '../../api/operations';
import { outcome } from '../../api/results';
import { subscribe } from '../../api/ws';
import { useSession } from '../../auth/session';
import { useI18n } from '../../i18n';
import { errorText } from '../common';
import { EvidenceExportButton, EvidenceExportPanel } from '../exports/EvidenceExport';
import type { VideoExport } from '../exports/types';
import { useNotify } from '../notify';
import { videoOps } from './api';
import { ClipState } from './ClipState';
import { LegalHoldControl } from './LegalHoldControl';
import { SyncedPlayer } from './SyncedPlayer';
import { isPlayable, mergeClips, orderClips } from './timeline';
import type { EventVideo, VideoClip } from './types';

/** Pushes often come in bursts (several fields of one change): refetch once per burst. */
const REFETCH_DEBOUNCE_MS = 400;

export interface EventVideoSectionProps {
  event: EventVideo;
  /** Camera names by camera code (from the event's camera reads). */
  cameraNames: Record<string, string>;
}

export function EventVideoSection({ event, cameraNames }: EventVideoSectionProps) {
  const { t } = useI18n();
  const session = useSession();
  const notify = useNotify();
  const [clips, setClips] = useState<VideoClip[]>(() => orderClips(event.clips));
  const [legalHold, setLegalHold] = useState(event.legalHold);
  const [retrying, setRetrying] = useState<ReadonlySet<string>>(new Set());
  const [evidenceExport, setEvidenceExport] = useState<VideoExport | null>(null);
  const eventId = event.id;

  // The page handed us a newer event (after a mutation): adopt it without reloading players.
  useEffect(() => {
    setClips((prev) => orderClips(mergeClips(prev, event.clips)));
  }, [event.clips]);
  useEffect(() => {
    setLegalHold(event.legalHold);
  }, [event.legalHold]);

  const refetch = useCallback(
    async (fresh: ReadonlySet<string> = new Set()) => {
      try {
        const data = await gql.request(videoOps.eventClips, { id: eventId });
        if (!data.event) return;
        const next = data.event;
        setClips((prev) => orderClips(mergeClips(prev, next.clips, fresh)));
        setLegalHold(next.legalHold);
      } catch {
        // A failed refresh keeps what is on screen; the next push or a reload tries again.
      }
    },
    [eventId],
  );

  // Live refresh on pushes for this event.
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const canRead = session.can('READ_EVENTS');
  useEffect(() => {
    if (!canRead) return undefined;
    const unsubscribe = subscribe(
      subscriptions(),
      ops.eventStream,
      { filter: { cameraCode: event.cameraCode } },
      {
        next: (data) => {
          const change = data.eventStream;
          if (change.kind !== 'UPDATED' || change.event.id !== eventId) return;
          clearTimeout(timer.current);
          timer.current = setTimeout(() => void refetch(), REFETCH_DEBOUNCE_MS);
        },
        error: () => {
          // Live refresh is best effort: the page still works, and reloading it refreshes.
        },
      },
    );
    return () => {
      clearTimeout(timer.current);
      unsubscribe();
    };
  }, [canRead, eventId, event.cameraCode, refetch]);

  const reload = useCallback((clipId: string) => void refetch(new Set([clipId])), [refetch]);

  const retry = async (clip: VideoClip) => {
    setRetrying((prev) => new Set(prev).add(clip.id));
    try {
      const data = await gql.request(videoOps.retryVideoClip, { clipId: clip.id });
      const result = outcome(data.retryVideoClip);
      if (result.ok) {
        const updated = result.value.clip;
        setClips((prev) => orderClips(prev.map((c) => (c.id === updated.id ? updated : c))));
        notify(t('video.retried'));
      } else {
        notify(result.error.message, 'error');
      }
    } catch (err) {
      notify(errorText(err, t('common.error'), t), 'error');
    } finally {
      setRetrying((prev) => {
        const next = new Set(prev);
        next.delete(clip.id);
        return next;
      });
    }
  };

  const canRetry = session.isStaff && session.can('VIEW_VIDEOS');
  const canExport = session.can('EXPORT_VIDEO_SEGMENTS');
  const playable = useMemo(() => clips.filter(isPlayable), [clips]);
  const waiting = clips.filter((clip) => !isPlayable(clip));
  const stateTiles = waiting.map((clip) => (
    <Box key={clip.id} sx={{ minWidth: 0 }}>
      <Typography variant="subtitle2" noWrap sx={{ mb: 0.75, minHeight: 40, display: 'flex', alignItems: 'center' }}>
        {clip.role === 'PRIMARY' ? t('event.camera') : t('event.secondary')}: {cameraNames[clip.cameraCode] ?? clip.cameraCode}
      </Typography>
      <ClipState
        clip={clip}
        onRetry={canRetry && clip.status === 'FAILED' ? () => void retry(clip) : undefined}
        retrying={retrying.has(clip.id)}
      />
    </Box>
  ));

  return (
    <Card data-testid="event-video">
      <CardHeader
        title={t('video.title')}
        slotProps={{ title: { variant: 'h3' } }}
        action={
          <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap', rowGap: 1 }}>
            {canExport && <EvidenceExportButton eventId={eventId} onStarted={setEvidenceExport} />}
            <LegalHoldControl eventId={eventId} held={legalHold} onChange={setLegalHold} />
          </Stack>
        }
        sx={{ flexWrap: 'wrap', gap: 1, '& .MuiCardHeader-action': { alignSelf: 'center', m: 0 } }}
      />
      <CardContent sx={{ pt: 0 }}>
        {canExport && evidenceExport && (
          <EvidenceExportPanel
            key={evidenceExport.id}
            initial={evidenceExport}
            onDismiss={() => setEvidenceExport(null)}
          />
        )}
        {clips.length === 0 ? (
          <Stack
            direction="row"
            spacing={1}
            sx={{ alignItems: 'center', color: 'text.secondary', bgcolor: 'action.hover', borderRadius: 1, p: 2 }}
            data-testid="video-empty"
          >
            <VideocamOffIcon fontSize="small" />
            <Typography variant="body2">{t('video.none')}</Typography>
          </Stack>
        ) : playable.length > 0 ? (
          <SyncedPlayer clips={playable} cameraNames={cameraNames} onReload={reload} extraTiles={stateTiles} />
        ) : (
          <Box
            sx={{
              display: 'grid',
              gap: 2,
              gridTemplateColumns: { xs: '1fr', md: stateTiles.length > 1 ? 'repeat(2, minmax(0, 1fr))' : '1fr' },
            }}
          >
            {stateTiles}
          </Box>
        )}
      </CardContent>
    </Card>
  );
}
