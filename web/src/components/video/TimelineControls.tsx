/**
 * The one set of controls of the synchronised player: play/pause, frame step, speed, mute, the
 * shared timeline (one lane per camera showing where its clip lies, with the plate-read moment
 * marked), "jump to plate" and the wall-clock time in the user's zone. It alone re-renders as
 * time moves (it reads the controller through useSyncExternalStore).
 */
import FlagIcon from '@mui/icons-material/Flag';
import PauseIcon from '@mui/icons-material/Pause';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import SkipNextIcon from '@mui/icons-material/SkipNext';
import SkipPreviousIcon from '@mui/icons-material/SkipPrevious';
import VolumeOffIcon from '@mui/icons-material/VolumeOff';
import VolumeUpIcon from '@mui/icons-material/VolumeUp';
import { Alert, Box, Button, IconButton, Slider, Stack, TextField, Tooltip, Typography } from '@mui/material';
import { useRef, useSyncExternalStore } from 'react';
import { useSession } from '../../auth/session';
import { useI18n } from '../../i18n';
import type { SyncController } from './syncController';
import { SPEEDS, formatClock, formatOffset, plateMoment, type Timeline } from './timeline';

export interface TimelineControlsProps {
  ctrl: SyncController;
  timeline: Timeline;
  /** Lane label per clip id. */
  labels: Record<string, string>;
}

export function TimelineControls({ ctrl, timeline, labels }: TimelineControlsProps) {
  const { t, lang } = useI18n();
  const tz = useSession().preferences.timezone;
  const snap = useSyncExternalStore(ctrl.subscribe, ctrl.getSnapshot);
  const resumeAfterScrub = useRef(false);
  const total = Math.max(ctrl.total, 0.001);
  const pct = (seconds: number) => `${Math.min(100, Math.max(0, (seconds / total) * 100))}%`;

  const plateTrack = timeline.tracks.find((track) => track.plateOffset !== null) ?? null;
  const jumpToPlate = (moment: number | null) => {
    if (moment === null) return;
    ctrl.pause();
    ctrl.seek(moment);
  };

  const scrub = (value: number) => {
    if (snap.playing && !resumeAfterScrub.current) {
      resumeAfterScrub.current = true;
      ctrl.pause();
    }
    ctrl.seek(value);
  };
  const endScrub = () => {
    if (resumeAfterScrub.current) {
      resumeAfterScrub.current = false;
      ctrl.play();
    }
  };

  return (
    <Box data-testid="video-controls" sx={{ mt: 1.5 }}>
      {snap.blocked && (
        <Alert severity="info" sx={{ mb: 1 }} data-testid="video-blocked">
          {t('video.autoplayBlocked')}
        </Alert>
      )}
      {/* One lane per camera, on the same scale as the slider below. */}
      <Stack spacing={0.5} sx={{ mb: 0.5 }} data-testid="video-lanes">
        {timeline.tracks.map((track) => {
          const moment = plateMoment(track);
          return (
            <Box key={track.id} sx={{ position: 'relative', height: 18 }}>
              <Box
                data-testid="video-lane"
                data-clip-id={track.id}
                sx={{
                  position: 'absolute',
                  top: 3,
                  height: 12,
                  left: pct(track.offset),
                  width: pct(track.duration),
                  bgcolor: 'primary.main',
                  opacity: 0.35,
                  borderRadius: 0.5,
                }}
              />
              <Typography
                variant="caption"
                sx={{ position: 'absolute', left: pct(track.offset), top: 0, pl: 0.5, lineHeight: '18px', pointerEvents: 'none' }}
                noWrap
              >
                {labels[track.id] ?? track.id}
              </Typography>
              {moment !== null && (
                <Tooltip title={t('video.plateMarker', { camera: labels[track.id] ?? '' })}>
                  <IconButton
                    size="small"
                    onClick={() => jumpToPlate(moment)}
                    aria-label={t('video.plateMarker', { camera: labels[track.id] ?? '' })}
                    data-testid="video-plate-marker"
                    data-clip-id={track.id}
                    data-at={moment.toFixed(3)}
                    sx={{ position: 'absolute', top: -4, left: pct(moment), transform: 'translateX(-50%)', p: 0.25, color: 'warning.main' }}
                  >
                    <FlagIcon sx={{ fontSize: 18 }} />
                  </IconButton>
                </Tooltip>
              )}
            </Box>
          );
        })}
      </Stack>
      <Slider
        size="small"
        min={0}
        max={total}
        step={0.01}
        value={Math.min(snap.t, total)}
        onChange={(_, value) => scrub(value as number)}
        onChangeCommitted={endScrub}
        aria-label={t('video.timeline')}
        getAriaValueText={(v) => formatClock(timeline.originMs + v * 1000, tz, lang)}
        valueLabelDisplay="off"
        data-testid="video-timeline"
        data-position={snap.t.toFixed(3)}
        sx={{ py: 1.25 }}
      />
      <Stack direction="row" sx={{ alignItems: 'center', flexWrap: 'wrap', gap: 1 }}>
        <Tooltip title={t('video.frameBack')}>
          <IconButton aria-label={t('video.frameBack')} onClick={() => ctrl.step(-1)} data-testid="video-frame-back">
            <SkipPreviousIcon />
          </IconButton>
        </Tooltip>
        <Tooltip title={snap.playing ? t('video.pause') : t('video.play')}>
          <IconButton
            color="primary"
            aria-label={snap.playing ? t('video.pause') : t('video.play')}
            onClick={() => ctrl.toggle()}
            data-testid="video-play"
            data-state={snap.playing ? 'playing' : 'paused'}
            sx={{ border: 1, borderColor: 'primary.main' }}
          >
            {snap.playing ? <PauseIcon /> : <PlayArrowIcon />}
          </IconButton>
        </Tooltip>
        <Tooltip title={t('video.frameForward')}>
          <IconButton aria-label={t('video.frameForward')} onClick={() => ctrl.step(1)} data-testid="video-frame-forward">
            <SkipNextIcon />
          </IconButton>
        </Tooltip>
        <Tooltip title={snap.muted ? t('video.unmute') : t('video.mute')}>
          <IconButton
            aria-label={snap.muted ? t('video.unmute') : t('video.mute')}
            onClick={() => ctrl.setMuted(!snap.muted)}
            data-testid="video-mute"
            data-state={snap.muted ? 'muted' : 'sound'}
          >
            {snap.muted ? <VolumeOffIcon /> : <VolumeUpIcon />}
          </IconButton>
        </Tooltip>
        <TextField
          select
          size="small"
          label={t('video.speed')}
          value={String(snap.rate)}
          onChange={(e) => ctrl.setRate(Number(e.target.value))}
          slotProps={{ select: { native: true }, htmlInput: { 'data-testid': 'video-speed' } }}
          sx={{ width: 96 }}
        >
          {SPEEDS.map((s) => (
            <option key={s} value={String(s)}>
              {`${s}×`}
            </option>
          ))}
        </TextField>
        {plateTrack && (
          <Button
            size="small"
            variant="outlined"
            color="warning"
            startIcon={<FlagIcon />}
            onClick={() => jumpToPlate(plateMoment(plateTrack))}
            data-testid="video-jump-plate"
          >
            {t('video.jumpToPlate')}
          </Button>
        )}
        <Box sx={{ flexGrow: 1 }} />
        <Stack sx={{ alignItems: 'flex-end' }}>
          <Typography
            variant="body2"
            sx={{ fontVariantNumeric: 'tabular-nums', fontWeight: 500 }}
            data-testid="video-clock"
            title={tz}
          >
            {formatClock(timeline.originMs + snap.t * 1000, tz, lang)}
          </Typography>
          <Typography variant="caption" color="text.secondary" sx={{ fontVariantNumeric: 'tabular-nums' }} data-testid="video-position">
            {formatOffset(snap.t)} / {formatOffset(ctrl.total)}
            {snap.waiting && snap.playing ? ` · ${t('common.loading')}` : ''}
          </Typography>
        </Stack>
      </Stack>
    </Box>
  );
}
