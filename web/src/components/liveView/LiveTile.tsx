/**
 * One live camera: a muted, autoplaying <video> of the camera's fragmented-MP4 stream inside the
 * shared ZoomPan viewer. The stream URL is asked for (liveStreamUrl) on every (re)connection,
 * because the link is short-lived. The tile holds the stream only while it has a camera and the
 * page is visible: on unmount, a camera change or a hidden tab the source is removed and the
 * element reset, which closes the HTTP response so the server can close the camera's upstream
 * session when nobody else watches. A failed or ended stream shows a reconnect button.
 */
import FiberManualRecordIcon from '@mui/icons-material/FiberManualRecord';
import RefreshIcon from '@mui/icons-material/Refresh';
import VideocamOffIcon from '@mui/icons-material/VideocamOff';
import { Box, Button, Chip, CircularProgress, Stack, Typography } from '@mui/material';
import { useEffect, useRef, useState } from 'react';
import { gql } from '../../api';
import { GraphQLRequestError } from '../../api/client';
import { isMessageKey, useI18n, type Translate } from '../../i18n';
import { errorText } from '../common';
import type { LiveCameraOption as CameraOption } from './api';
import { ZoomPan } from '../video/ZoomPan';
import type { Size } from '../video/zoomMath';
import { liveViewOps } from './api';
import { catchUpTime, shouldStream } from './liveViewState';

/** idle: no camera; paused: page hidden; the rest follow the stream. */
export type TileState = 'idle' | 'paused' | 'connecting' | 'playing' | 'buffering' | 'error';

/** The user's-language text of a refused liveStreamUrl (NOT_FOUND, CONFLICT, …). */
function linkErrorText(err: unknown, t: Translate): string {
  if (err instanceof GraphQLRequestError && err.code) {
    const key = `liveView.refused.${err.code}`;
    if (isMessageKey(key)) return t(key);
  }
  return errorText(err, t('liveView.streamError'), t);
}

export interface LiveTileProps {
  slot: number;
  camera: CameraOption | null;
  /** The page is visible (document.visibilityState). */
  visible: boolean;
}

export function LiveTile({ slot, camera, visible }: LiveTileProps) {
  const { t } = useI18n();
  const tRef = useRef(t);
  tRef.current = t;
  const video = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState<TileState>('idle');
  const [message, setMessage] = useState<string | null>(null);
  const [natural, setNatural] = useState<Size | null>(null);
  /** Bumped by "reconnect": a new link and a new request. */
  const [attempt, setAttempt] = useState(0);
  const cameraId = camera?.id ?? null;
  const streaming = shouldStream(cameraId, visible);

  useEffect(() => {
    const el = video.current;
    if (!el) return undefined;
    if (!streaming || cameraId === null) {
      setState(cameraId === null ? 'idle' : 'paused');
      return undefined;
    }
    let cancelled = false;
    setState('connecting');
    setMessage(null);
    setNatural(null);
    gql.request(liveViewOps.liveStreamUrl, { cameraId }).then(
      (data) => {
        if (cancelled) return;
        if (!data.liveStreamUrl) {
          setState('error');
          setMessage(tRef.current('liveView.noLink'));
          return;
        }
        el.muted = true; // the property, which autoplay policies check (React sets no attribute)
        el.src = data.liveStreamUrl;
        // Muted autoplay is allowed; a refusal still surfaces through the element's events.
        el.play().catch(() => undefined);
      },
      (err: unknown) => {
        if (cancelled) return;
        setState('error');
        setMessage(linkErrorText(err, tRef.current));
      },
    );
    return () => {
      cancelled = true;
      el.pause();
      el.removeAttribute('src');
      el.load(); // aborts the download: the server sees the viewer leave
    };
  }, [cameraId, streaming, attempt]);

  /** Events of a source we removed ourselves are not failures. */
  const live = () => Boolean(video.current?.getAttribute('src'));

  const fail = (key: 'liveView.streamError' | 'liveView.ended') => {
    if (!live()) return;
    setState('error');
    setMessage(t(key));
  };

  const onTimeUpdate = () => {
    const el = video.current;
    if (!el || el.buffered.length === 0) return;
    const target = catchUpTime(el.currentTime, el.buffered.end(el.buffered.length - 1));
    if (target !== null) el.currentTime = target;
  };

  const label = camera ? `${camera.name} (${camera.code})` : t('liveView.noCamera');
  return (
    <Box
      data-testid="live-view-tile"
      data-slot={slot}
      data-camera={camera?.code ?? ''}
      data-state={state}
      sx={{ position: 'relative', aspectRatio: '16 / 9', borderRadius: 1, overflow: 'hidden', bgcolor: '#000', minWidth: 0 }}
    >
      <ZoomPan
        label={t('liveView.viewer', { camera: label })}
        testId="live-view-zoom"
        contentSize={natural}
        showControls={state === 'playing' || state === 'buffering'}
        sx={{ position: 'absolute', inset: 0 }}
      >
        <Box
          component="video"
          ref={video}
          muted
          autoPlay
          playsInline
          disablePictureInPicture
          preload="none"
          onLoadedMetadata={() => {
            const el = video.current;
            if (el?.videoWidth) setNatural({ width: el.videoWidth, height: el.videoHeight });
          }}
          onPlaying={() => live() && setState('playing')}
          onWaiting={() => live() && setState((s) => (s === 'playing' ? 'buffering' : s))}
          onError={() => fail('liveView.streamError')}
          onEnded={() => fail('liveView.ended')}
          onTimeUpdate={onTimeUpdate}
          data-testid="live-view-video"
          sx={{
            width: '100%',
            height: '100%',
            objectFit: 'contain',
            display: state === 'playing' || state === 'buffering' || state === 'connecting' ? 'block' : 'none',
          }}
        />
      </ZoomPan>
      {camera && (
        <Stack direction="row" spacing={1} sx={{ position: 'absolute', top: 8, left: 8, right: 8, pointerEvents: 'none', alignItems: 'center' }}>
          <Typography
            variant="caption"
            noWrap
            sx={{ color: '#fff', bgcolor: 'rgba(0,0,0,0.55)', px: 1, py: 0.25, borderRadius: 1, minWidth: 0 }}
          >
            {label}
          </Typography>
          {state === 'playing' && (
            <Chip
              size="small"
              icon={<FiberManualRecordIcon sx={{ fontSize: 12, color: '#fff !important' }} />}
              label={t('liveView.live')}
              sx={{ bgcolor: 'error.main', color: '#fff', height: 22 }}
              data-testid="live-view-live"
            />
          )}
        </Stack>
      )}
      {(state === 'connecting' || state === 'buffering') && (
        <CircularProgress
          size={32}
          data-testid="live-view-loading"
          sx={{ position: 'absolute', left: 'calc(50% - 16px)', top: 'calc(50% - 16px)', color: '#fff', pointerEvents: 'none' }}
        />
      )}
      {(state === 'idle' || state === 'paused' || state === 'error') && (
        <Stack
          spacing={1}
          sx={{ position: 'absolute', inset: 0, alignItems: 'center', justifyContent: 'center', textAlign: 'center', color: 'grey.400', p: 2 }}
        >
          <VideocamOffIcon />
          <Typography variant="body2" data-testid={state === 'error' ? 'live-view-error' : undefined}>
            {state === 'idle' ? t('liveView.pick') : state === 'paused' ? t('liveView.paused') : message}
          </Typography>
          {state === 'error' && (
            <Button
              size="small"
              variant="outlined"
              color="inherit"
              startIcon={<RefreshIcon />}
              onClick={() => setAttempt((n) => n + 1)}
              data-testid="live-view-reconnect"
            >
              {t('liveView.reconnect')}
            </Button>
          )}
        </Stack>
      )}
    </Box>
  );
}
