/** Small shared building blocks: page header, status chip, plate badge, error alert, JSON view. */
import ScheduleIcon from '@mui/icons-material/Schedule';
import WarningAmberIcon from '@mui/icons-material/WarningAmber';
import {
  Alert,
  Box,
  Button,
  Chip,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Stack,
  Tooltip,
  Typography,
  type ChipProps,
} from '@mui/material';
import type { ReactNode } from 'react';
import { GraphQLRequestError } from '../api/client';
import type { EventStatus, TimeIssue } from '../api/types';
import { isMessageKey, useI18n, type Translate } from '../i18n';

export function PageHeader({
  title,
  subtitle,
  actions,
}: {
  title: ReactNode;
  subtitle?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <Stack
      direction={{ xs: 'column', sm: 'row' }}
      spacing={2}
      sx={{ mb: 3, alignItems: { xs: 'flex-start', sm: 'center' }, justifyContent: 'space-between' }}
    >
      <Box>
        <Typography variant="h2" component="h1">
          {title}
        </Typography>
        {subtitle && (
          <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5 }}>
            {subtitle}
          </Typography>
        )}
      </Box>
      {actions && (
        <Stack direction="row" spacing={1} sx={{ flexWrap: 'wrap', gap: 1 }}>
          {actions}
        </Stack>
      )}
    </Stack>
  );
}

const STATUS_COLORS: Record<EventStatus, ChipProps['color']> = {
  DETECTED: 'warning',
  DOCUMENTED: 'info',
  VALIDATED: 'success',
  ARCHIVED: 'default',
};

export function StatusChip({ status, size = 'small' }: { status: EventStatus; size?: ChipProps['size'] }) {
  const { t } = useI18n();
  return (
    <Chip
      label={t(`status.${status}`)}
      color={STATUS_COLORS[status]}
      size={size}
      variant={status === 'ARCHIVED' ? 'outlined' : 'filled'}
      data-testid="status-chip"
      data-status={status}
    />
  );
}

/** A plate drawn like a Chilean plate: black on white, framed. */
export function PlateBadge({ display, size = 'medium' }: { display: string; size?: 'small' | 'medium' | 'large' }) {
  const font = { small: '0.85rem', medium: '1rem', large: '1.75rem' }[size];
  return (
    <Box
      component="span"
      sx={{
        display: 'inline-block',
        px: size === 'large' ? 2 : 1,
        py: size === 'large' ? 0.5 : 0.15,
        border: '2px solid',
        borderColor: 'grey.900',
        borderRadius: 1,
        bgcolor: '#ffffff',
        color: '#111111',
        fontFamily: '"Roboto Mono", "DejaVu Sans Mono", monospace',
        fontWeight: 700,
        fontSize: font,
        letterSpacing: '0.08em',
        whiteSpace: 'nowrap',
        lineHeight: 1.4,
      }}
      data-testid="plate"
    >
      {display}
    </Box>
  );
}

export function LowConfidenceFlag() {
  const { t } = useI18n();
  return (
    <Tooltip title={t('events.lowFlag')}>
      <WarningAmberIcon color="warning" fontSize="small" data-testid="low-confidence" aria-label={t('events.lowFlag')} />
    </Tooltip>
  );
}

/** The event's time is its arrival time: the camera's clock could not be used (review it). */
export function TimeIssueFlag({ issue }: { issue: TimeIssue }) {
  const { t } = useI18n();
  const label = t(`timeIssue.${issue}`);
  return (
    <Tooltip title={label}>
      <ScheduleIcon color="warning" fontSize="small" data-testid="time-issue" aria-label={label} />
    </Tooltip>
  );
}

/** The user's-language text for a server error code (null when the code has none). */
export function codeText(code: string | undefined, t: Translate, requestId?: unknown): string | null {
  if (!code) return null;
  const key = `errors.${code}`;
  if (!isMessageKey(key)) return null;
  return t(key, { requestId: typeof requestId === 'string' ? requestId : '—' });
}

export function errorText(err: unknown, fallback: string, t?: Translate): string {
  if (err instanceof GraphQLRequestError) {
    const coded = err.errors.find((e) => e.extensions?.code);
    const translated = t ? codeText(coded?.extensions?.code, t, coded?.extensions?.requestId) : null;
    return translated ?? (err.message || fallback);
  }
  if (err instanceof Error) return err.message || fallback;
  return fallback;
}

export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  if (!error) return null;
  return (
    <Alert
      severity="error"
      sx={{ mb: 2 }}
      action={
        onRetry && (
          <Button color="inherit" size="small" onClick={onRetry}>
            {t('common.retry')}
          </Button>
        )
      }
    >
      {errorText(error, t('common.error'), t)}
    </Alert>
  );
}

export function Loading() {
  return (
    <Box sx={{ display: 'flex', justifyContent: 'center', py: 6 }}>
      <CircularProgress />
    </Box>
  );
}

export function JsonView({ value }: { value: string }) {
  return (
    <Box
      component="pre"
      sx={{
        m: 0,
        p: 1.5,
        borderRadius: 1,
        bgcolor: 'action.hover',
        fontFamily: '"Roboto Mono", "DejaVu Sans Mono", monospace',
        fontSize: '0.78rem',
        overflow: 'auto',
        maxHeight: 360,
        whiteSpace: 'pre-wrap',
        wordBreak: 'break-word',
      }}
    >
      {value}
    </Box>
  );
}

export function ConfirmDialog({
  open,
  title,
  message,
  confirmLabel,
  danger,
  busy,
  onConfirm,
  onClose,
}: {
  open: boolean;
  title: string;
  message: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  return (
    <Dialog open={open} onClose={onClose} maxWidth="xs" fullWidth>
      <DialogTitle>{title}</DialogTitle>
      <DialogContent>
        <Typography>{message}</Typography>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t('common.cancel')}</Button>
        <Button
          variant="contained"
          color={danger ? 'error' : 'primary'}
          onClick={onConfirm}
          disabled={busy}
        >
          {confirmLabel}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** Props for a TextField showing the ValidationError message of `field`, if any. */
export function fieldError(fields: Record<string, string>, field: string) {
  const message = fields[field];
  return message ? { error: true, helperText: message } : {};
}
