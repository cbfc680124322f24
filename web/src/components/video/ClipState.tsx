/**
 * A clip that cannot be played (yet): waiting for the recorder, failed, or not visible to this
 * user. Failures are shown by their stable code in the user's language, with the server's
 * reason as a detail, because the code says what to do and the reason says what happened.
 */
import ErrorOutlineIcon from '@mui/icons-material/ErrorOutlineOutlined';
import HourglassEmptyIcon from '@mui/icons-material/HourglassEmpty';
import ReplayIcon from '@mui/icons-material/Replay';
import VideocamOffIcon from '@mui/icons-material/VideocamOff';
import { Box, Button, LinearProgress, Stack, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import { useSession } from '../../auth/session';
import { formatDateTime } from '../../format';
import { isMessageKey, useI18n, type Translate } from '../../i18n';
import type { VideoClip } from './types';

/** The user's-language text of a capture failure code (unknown codes get a generic text). */
export function failureText(code: string | null, t: Translate): string {
  const key = `video.failure.${code ?? 'UNKNOWN'}`;
  return isMessageKey(key) ? t(key) : t('video.failure.UNKNOWN');
}

function Frame({ icon, tone, children, clip }: { icon: ReactNode; tone: 'info' | 'error' | 'muted'; children: ReactNode; clip: VideoClip }) {
  const color = tone === 'error' ? 'error.main' : tone === 'info' ? 'info.main' : 'text.secondary';
  return (
    <Box
      data-testid="clip-state"
      data-status={clip.status}
      data-camera={clip.cameraCode}
      sx={{
        aspectRatio: '16 / 9',
        border: 1,
        borderColor: tone === 'error' ? 'error.light' : 'divider',
        borderRadius: 1,
        bgcolor: 'action.hover',
        display: 'flex',
        flexDirection: 'column',
        alignItems: 'center',
        justifyContent: 'center',
        textAlign: 'center',
        gap: 1,
        p: 2,
        overflow: 'auto',
      }}
    >
      <Box sx={{ color, display: 'flex' }}>{icon}</Box>
      {children}
    </Box>
  );
}

export function ClipState({
  clip,
  onRetry,
  retrying = false,
}: {
  clip: VideoClip;
  /** Present for staff who may send a FAILED clip back to capture. */
  onRetry?: () => void;
  retrying?: boolean;
}) {
  const { t, lang } = useI18n();
  const tz = useSession().preferences.timezone;

  if (clip.status === 'PENDING') {
    return (
      <Frame clip={clip} tone="info" icon={<HourglassEmptyIcon fontSize="large" />}>
        <Typography variant="subtitle2">{t('video.pending')}</Typography>
        <LinearProgress sx={{ width: '60%', maxWidth: 240 }} />
        <Typography variant="body2" color="text.secondary" data-testid="clip-attempts">
          {t('video.attempts', { count: clip.attempts })}
          {clip.nextAttemptAt && ` · ${t('video.nextAttempt', { when: formatDateTime(clip.nextAttemptAt, tz, lang) })}`}
        </Typography>
        {clip.failureCode && (
          <Typography variant="caption" color="text.secondary" data-testid="clip-last-failure">
            {t('video.lastFailure', { reason: failureText(clip.failureCode, t) })}
            {clip.failureReason && ` (${clip.failureReason})`}
          </Typography>
        )}
      </Frame>
    );
  }

  if (clip.status === 'FAILED') {
    return (
      <Frame clip={clip} tone="error" icon={<ErrorOutlineIcon fontSize="large" />}>
        <Typography variant="subtitle2">{t('video.failed')}</Typography>
        <Typography variant="body2" data-testid="clip-failure" data-code={clip.failureCode ?? ''}>
          {failureText(clip.failureCode, t)}
        </Typography>
        {clip.failureReason && (
          <Typography variant="caption" color="text.secondary" data-testid="clip-failure-detail">
            {t('video.failureDetail', { reason: clip.failureReason })}
          </Typography>
        )}
        <Typography variant="caption" color="text.secondary">
          {t('video.attempts', { count: clip.attempts })}
        </Typography>
        {onRetry && (
          <Stack direction="row">
            <Button
              size="small"
              variant="outlined"
              startIcon={<ReplayIcon />}
              disabled={retrying}
              onClick={onRetry}
              data-testid="clip-retry"
            >
              {t('video.retry')}
            </Button>
          </Stack>
        )}
      </Frame>
    );
  }

  // READY without a playback URL: the user lacks VIEW_VIDEOS.
  return (
    <Frame clip={clip} tone="muted" icon={<VideocamOffIcon fontSize="large" />}>
      <Typography variant="body2">{t('video.noPermission')}</Typography>
    </Frame>
  );
}
