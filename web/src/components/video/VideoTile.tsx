/**
 * One camera's clip inside the synchronised player: the <video> (zoomable), its quality, still
 * capture, download, a strip of thumbnails that seek the shared timeline, and its own loading /
 * error / out-of-range overlays. Playback itself is the SyncController's: the tile only hands
 * it the element and tells it when a (new) source is ready to be positioned.
 */
import DownloadIcon from '@mui/icons-material/Download';
import PhotoCameraIcon from '@mui/icons-material/PhotoCamera';
import RefreshIcon from '@mui/icons-material/Refresh';
import {
  Box,
  Button,
  CircularProgress,
  IconButton,
  Stack,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { gql } from '../../api';
import { useSession } from '../../auth/session';
import { formatBytes } from '../../format';
import { useI18n } from '../../i18n';
import { useNotify } from '../notify';
import { videoOps } from './api';
import { downloadStill } from './still';
import type { SyncController } from './syncController';
import {
  THUMBNAIL_COUNT,
  pickQuality,
  playableQualities,
  playbackUrl,
  stillFileName,
  thumbnailTimes,
  type TimelineTrack,
} from './timeline';
import type { PlayableQuality, VideoClip } from './types';
import { ZoomPan } from './ZoomPan';
import type { Size } from './zoomMath';

type RangeState = 'before' | 'in' | 'after';

/** Dims the picture while the shared timeline is outside this clip (re-renders only when the
 * state changes, not on every frame). */
function RangeOverlay({ ctrl, track }: { ctrl: SyncController; track: TimelineTrack }) {
  const { t } = useI18n();
  const state = useSyncExternalStore<RangeState>(ctrl.subscribe, () => {
    const local = ctrl.getSnapshot().t - track.offset;
    if (local < 0) return 'before';
    return local > track.duration ? 'after' : 'in';
  });
  if (state === 'in') return null;
  return (
    <Box
      data-testid="video-out-of-range"
      data-state={state}
      sx={{
        position: 'absolute',
        left: 8,
        bottom: 8,
        px: 1,
        py: 0.25,
        borderRadius: 1,
        bgcolor: 'rgba(0,0,0,0.65)',
        color: '#fff',
        pointerEvents: 'none',
      }}
    >
      <Typography variant="caption">{state === 'before' ? t('video.beforeClip') : t('video.afterClip')}</Typography>
    </Box>
  );
}

function ThumbnailStrip({
  clip,
  track,
  ctrl,
}: {
  clip: VideoClip;
  track: TimelineTrack;
  ctrl: SyncController;
}) {
  const { t } = useI18n();
  const [urls, setUrls] = useState<(string | null)[]>([]);
  const [broken, setBroken] = useState<ReadonlySet<number>>(new Set());
  const times = thumbnailTimes(track.duration, THUMBNAIL_COUNT);
  const timesKey = times.join(',');

  useEffect(() => {
    const at = timesKey ? timesKey.split(',').map(Number) : [];
    if (at.length !== THUMBNAIL_COUNT) return undefined;
    let live = true;
    gql
      .request(videoOps.clipThumbnails, { id: clip.id, a0: at[0], a1: at[1], a2: at[2], a3: at[3], a4: at[4], a5: at[5] })
      .then((data) => {
        const node = data.node;
        if (live && node) setUrls([node.t0, node.t1, node.t2, node.t3, node.t4, node.t5]);
      })
      .catch(() => {
        // Thumbnails are a convenience: the strip stays empty, the video still plays.
      });
    return () => {
      live = false;
    };
  }, [clip.id, timesKey]);

  if (urls.length === 0) return null;
  return (
    <Box
      data-testid="video-thumbnails"
      sx={{ display: 'grid', gridTemplateColumns: `repeat(${THUMBNAIL_COUNT}, minmax(0, 1fr))`, gap: 0.5, mt: 0.75 }}
    >
      {times.map((at, i) => {
        const url = urls[i];
        return (
          <Box
            key={at}
            component="button"
            type="button"
            title={t('video.seekTo', { at: at.toFixed(1) })}
            aria-label={t('video.seekTo', { at: at.toFixed(1) })}
            onClick={() => ctrl.seek(track.offset + at)}
            data-testid="video-thumbnail"
            data-at={at}
            sx={{
              p: 0,
              border: 0,
              borderRadius: 0.5,
              overflow: 'hidden',
              cursor: 'pointer',
              bgcolor: 'grey.900',
              aspectRatio: '16 / 9',
              outlineOffset: 1,
              '&:hover, &:focus-visible': { outline: '2px solid', outlineColor: 'primary.main' },
            }}
          >
            {url && !broken.has(i) && (
              <Box
                component="img"
                src={url}
                alt=""
                loading="lazy"
                draggable={false}
                onError={() => setBroken((prev) => new Set(prev).add(i))}
                sx={{ width: '100%', height: '100%', objectFit: 'cover', display: 'block' }}
              />
            )}
          </Box>
        );
      })}
    </Box>
  );
}

export interface VideoTileProps {
  clip: VideoClip;
  /** Position of this clip in the controller's tracks. */
  index: number;
  track: TimelineTrack;
  ctrl: SyncController;
  cameraName: string | null;
  /** Ask for fresh signed URLs of this clip (its token may have expired). */
  onReload: (clipId: string) => void;
}

export function VideoTile({ clip, index, track, ctrl, cameraName, onReload }: VideoTileProps) {
  const { t, lang } = useI18n();
  const notify = useNotify();
  const { preferences } = useSession();
  const tz = preferences.timezone;
  const video = useRef<HTMLVideoElement>(null);
  const [quality, setQuality] = useState<PlayableQuality>(() => pickQuality(preferences.videoQuality, clip));
  const [natural, setNatural] = useState<Size | null>(null);
  const [failed, setFailed] = useState(false);
  const [buffering, setBuffering] = useState(true);
  const [capturing, setCapturing] = useState(false);
  /** One automatic refetch per tile: a load error is most often an expired URL; a video that
   * fails again with a fresh one waits for the user's "reload". */
  const autoReloaded = useRef(false);

  const qualities = playableQualities(clip);
  const effectiveQuality = qualities.includes(quality) ? quality : 'HIGH';
  const src = playbackUrl(clip, effectiveQuality);

  // The source is set here, not rendered: the element is handed to the controller before it
  // starts loading, and on a source change or unmount the old download is stopped and the
  // decoder freed (removing src + load()). Also correct under StrictMode's remount.
  useEffect(() => {
    const el = video.current;
    if (!el || !src) return undefined;
    setFailed(false);
    setBuffering(true);
    ctrl.attach(index, el);
    el.src = src;
    return () => {
      ctrl.attach(index, null);
      el.pause();
      el.removeAttribute('src');
      el.load();
    };
  }, [ctrl, index, src]);

  const onLoadedMetadata = () => {
    const el = video.current;
    if (!el) return;
    setNatural({ width: el.videoWidth, height: el.videoHeight });
    ctrl.mediaReady(index, el.duration);
  };

  const onError = () => {
    setFailed(true);
    setBuffering(false);
    ctrl.attach(index, null); // do not hold the other camera waiting for this one
    if (!autoReloaded.current) {
      autoReloaded.current = true;
      onReload(clip.id);
    }
  };

  const capture = useCallback(async () => {
    const el = video.current;
    if (!el) return;
    setCapturing(true);
    try {
      await downloadStill(el, stillFileName(clip.cameraCode, track.startMs + el.currentTime * 1000, tz));
    } catch {
      notify(t('video.stillFailed'), 'error');
    } finally {
      setCapturing(false);
    }
  }, [clip.cameraCode, track.startMs, tz, notify, t]);

  const roleLabel = clip.role === 'PRIMARY' ? t('event.camera') : t('event.secondary');
  const title = `${roleLabel}: ${cameraName ?? clip.cameraCode}`;
  const facts = [
    clip.width && clip.height ? `${clip.width}×${clip.height}` : null,
    clip.fps ? `${Math.round(clip.fps * 100) / 100} fps` : null,
    clip.sizeBytes !== null ? formatBytes(clip.sizeBytes, lang) : null,
  ].filter(Boolean);

  return (
    <Box data-testid="video-tile" data-camera={clip.cameraCode} data-clip-id={clip.id} sx={{ minWidth: 0 }}>
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', mb: 0.75, minHeight: 40 }}>
        <Box sx={{ flexGrow: 1, minWidth: 0 }}>
          <Typography variant="subtitle2" noWrap title={title}>
            {title}
          </Typography>
          <Typography variant="caption" color="text.secondary" noWrap component="div">
            {clip.cameraCode}
            {facts.length > 0 && ` · ${facts.join(' · ')}`}
          </Typography>
        </Box>
        {qualities.length > 1 && (
          <TextField
            select
            size="small"
            label={t('video.quality')}
            value={effectiveQuality}
            onChange={(e) => setQuality(e.target.value as PlayableQuality)}
            slotProps={{ select: { native: true }, htmlInput: { 'data-testid': 'video-quality' } }}
            sx={{ width: 110, flexShrink: 0 }}
          >
            {qualities.map((q) => (
              <option key={q} value={q}>
                {t(`prefs.quality.${q}`)}
              </option>
            ))}
          </TextField>
        )}
        <Tooltip title={t('video.still')}>
          <span>
            <IconButton
              aria-label={t('video.still')}
              onClick={() => void capture()}
              disabled={failed || natural === null || capturing}
              data-testid="video-still"
            >
              <PhotoCameraIcon />
            </IconButton>
          </span>
        </Tooltip>
        {clip.downloadUrl && (
          <Tooltip title={t('video.download')}>
            <IconButton
              component="a"
              href={clip.downloadUrl}
              download
              aria-label={t('video.download')}
              data-testid="video-download"
            >
              <DownloadIcon />
            </IconButton>
          </Tooltip>
        )}
      </Stack>
      <Box sx={{ position: 'relative', aspectRatio: '16 / 9', borderRadius: 1, overflow: 'hidden', bgcolor: '#000' }}>
        <ZoomPan
          label={t('video.viewer', { camera: cameraName ?? clip.cameraCode })}
          testId="video-zoom"
          contentSize={natural ?? (clip.width && clip.height ? { width: clip.width, height: clip.height } : null)}
          sx={{ position: 'absolute', inset: 0 }}
        >
          {src && (
            <Box
              component="video"
              ref={video}
              preload="auto"
              playsInline
              disablePictureInPicture
              onLoadedMetadata={onLoadedMetadata}
              onError={onError}
              onWaiting={() => setBuffering(true)}
              onSeeking={() => setBuffering(true)}
              onCanPlay={() => setBuffering(false)}
              onSeeked={() => setBuffering(false)}
              onPlaying={() => setBuffering(false)}
              data-testid="video-element"
              data-quality={effectiveQuality}
              sx={{ width: '100%', height: '100%', objectFit: 'contain', display: failed ? 'none' : 'block' }}
            />
          )}
        </ZoomPan>
        <RangeOverlay ctrl={ctrl} track={track} />
        {buffering && !failed && (
          <CircularProgress
            size={32}
            data-testid="video-loading"
            sx={{ position: 'absolute', left: 'calc(50% - 16px)', top: 'calc(50% - 16px)', color: '#fff', pointerEvents: 'none' }}
          />
        )}
        {failed && (
          <Stack
            data-testid="video-error"
            spacing={1}
            sx={{
              position: 'absolute',
              inset: 0,
              alignItems: 'center',
              justifyContent: 'center',
              textAlign: 'center',
              color: '#fff',
              p: 2,
            }}
          >
            <Typography variant="body2">{t('video.loadError')}</Typography>
            <Button
              size="small"
              variant="outlined"
              color="inherit"
              startIcon={<RefreshIcon />}
              onClick={() => onReload(clip.id)}
              data-testid="video-reload"
            >
              {t('video.reload')}
            </Button>
          </Stack>
        )}
      </Box>
      <ThumbnailStrip clip={clip} track={track} ctrl={ctrl} />
      {clip.sha256 && (
        <Typography
          variant="caption"
          color="text.secondary"
          component="div"
          title={clip.sha256}
          sx={{ mt: 0.5, fontFamily: 'monospace', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
          data-testid="video-sha256"
        >
          SHA-256 {clip.sha256}
        </Typography>
      )}
    </Box>
  );
}
