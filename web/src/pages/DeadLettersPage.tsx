/** Failed camera reads (the ingest dead-letter table): administrators retry or discard them. */
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutlined';
import ReplayIcon from '@mui/icons-material/Replay';
import {
  Box,
  Button,
  Chip,
  FormControl,
  InputLabel,
  MenuItem,
  Paper,
  Select,
  Stack,
  Typography,
  type ChipProps,
} from '@mui/material';
import { useCallback, useState } from 'react';
import { gql } from '../api';
import { ops } from '../api/operations';
import { outcome } from '../api/results';
import { DEAD_LETTER_STATUSES, type DeadLetter, type DeadLetterStatus } from '../api/types';
import { useSession } from '../auth/session';
import { ConfirmDialog, ErrorAlert, JsonView, PageHeader, codeText } from '../components/common';
import { useNotify } from '../components/notify';
import { useConnection } from '../components/useConnection';
import { formatDateTime, prettyJson } from '../format';
import { isMessageKey, useI18n } from '../i18n';

const STATUS_COLORS: Record<DeadLetterStatus, ChipProps['color']> = {
  PENDING: 'error',
  RETRIED: 'info',
  DISCARDED: 'default',
};

type Action = { kind: 'retry' | 'discard'; letter: DeadLetter };

function LetterCard({ letter, onAction }: { letter: DeadLetter; onAction: (a: Action) => void }) {
  const { t, lang } = useI18n();
  const tz = useSession().preferences.timezone;
  const [open, setOpen] = useState(false);
  const sourceKey = `deadLetters.source.${letter.source}`;
  return (
    <Paper sx={{ p: 2 }} data-testid="dead-letter" data-status={letter.status}>
      <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2} sx={{ alignItems: { sm: 'center' } }}>
        <Box sx={{ flexGrow: 1, minWidth: 0 }}>
          <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap', gap: 1 }}>
            <Chip size="small" color={STATUS_COLORS[letter.status]} label={t(`deadLetters.status.${letter.status}`)} />
            <Typography variant="body2">
              {t('deadLetters.when')}: {formatDateTime(letter.firstFailedAt, tz, lang)}
            </Typography>
            <Typography variant="body2" color="text.secondary">
              {t('deadLetters.camera')}: {letter.cameraCode || '—'} · {t('deadLetters.source')}:{' '}
              {isMessageKey(sourceKey) ? t(sourceKey) : letter.source || '—'} · {t('deadLetters.attempts')}:{' '}
              {letter.attempts}
            </Typography>
          </Stack>
          <Typography variant="body2" sx={{ mt: 1, wordBreak: 'break-word' }}>
            <b>{t('deadLetters.error')}:</b> {letter.error || '—'}
          </Typography>
          {letter.resolvedAt && (
            <Typography variant="caption" color="text.secondary">
              {t('deadLetters.resolvedBy', {
                name: letter.resolvedBy?.fullName ?? '—',
                when: formatDateTime(letter.resolvedAt, tz, lang),
              })}
            </Typography>
          )}
        </Box>
        <Stack direction="row" spacing={1}>
          <Button size="small" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
            {t('deadLetters.details')}
          </Button>
          {letter.status === 'PENDING' && (
            <>
              <Button size="small" variant="contained" startIcon={<ReplayIcon />} onClick={() => onAction({ kind: 'retry', letter })}>
                {t('deadLetters.retry')}
              </Button>
              <Button size="small" color="error" startIcon={<DeleteOutlineIcon />} onClick={() => onAction({ kind: 'discard', letter })}>
                {t('deadLetters.discard')}
              </Button>
            </>
          )}
        </Stack>
      </Stack>
      {open && (
        <Box sx={{ mt: 2 }}>
          <Typography variant="caption" color="text.secondary">
            {t('deadLetters.key')}: <code>{letter.naturalKey}</code>
          </Typography>
          <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 1 }}>
            {t('deadLetters.payload')}
          </Typography>
          <JsonView value={prettyJson(letter.payload)} />
        </Box>
      )}
    </Paper>
  );
}

export function DeadLettersPage() {
  const { t } = useI18n();
  const notify = useNotify();
  const session = useSession();
  const [status, setStatus] = useState<DeadLetterStatus | ''>('PENDING');
  const [action, setAction] = useState<Action | null>(null);
  const [busy, setBusy] = useState(false);

  const fetchPage = useCallback(
    async (after: string | null) =>
      (
        await gql.request(ops.deadLetters, {
          status: status || null,
          first: session.preferences.defaultPageSize,
          after,
        })
      ).deadLetters,
    [status, session.preferences.defaultPageSize],
  );
  const list = useConnection(fetchPage, status);

  const confirm = async () => {
    if (!action) return;
    setBusy(true);
    try {
      const vars = { id: action.letter.id };
      const result =
        action.kind === 'retry'
          ? (await gql.request(ops.retryDeadLetter, vars)).retryDeadLetter
          : (await gql.request(ops.discardDeadLetter, vars)).discardDeadLetter;
      const done = outcome(result);
      if (done.ok) {
        const updated = done.value.deadLetter;
        list.setItems((items) => items.map((i) => (i.id === updated.id ? updated : i)));
        notify(t(action.kind === 'retry' ? 'deadLetters.retried' : 'deadLetters.discarded'));
      } else {
        notify(codeText(done.error.code, t) ?? done.error.message, 'error');
      }
    } catch (err) {
      notify(err instanceof Error ? err.message : t('common.error'), 'error');
    } finally {
      setBusy(false);
      setAction(null);
    }
  };

  return (
    <>
      <PageHeader title={t('deadLetters.title')} subtitle={t('deadLetters.subtitle')} />
      <Paper sx={{ p: 2, mb: 3 }}>
        <FormControl sx={{ minWidth: 220 }} size="small">
          <InputLabel id="dl-status">{t('deadLetters.status')}</InputLabel>
          <Select
            labelId="dl-status"
            label={t('deadLetters.status')}
            value={status}
            onChange={(e) => setStatus(e.target.value as DeadLetterStatus | '')}
          >
            <MenuItem value="">{t('common.any')}</MenuItem>
            {DEAD_LETTER_STATUSES.map((s) => (
              <MenuItem key={s} value={s}>
                {t(`deadLetters.status.${s}`)}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
      </Paper>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      <Stack spacing={1.5}>
        {list.items.map((letter) => (
          <LetterCard key={letter.id} letter={letter} onAction={setAction} />
        ))}
        {!list.loading && list.items.length === 0 && !list.error && (
          <Paper sx={{ p: 6, textAlign: 'center', color: 'text.secondary' }}>{t('deadLetters.empty')}</Paper>
        )}
      </Stack>
      {list.hasMore && (
        <Stack direction="row" sx={{ mt: 2, justifyContent: 'center' }}>
          <Button onClick={list.loadMore} disabled={list.loading}>
            {t('common.loadMore')}
          </Button>
        </Stack>
      )}
      <ConfirmDialog
        open={action !== null}
        title={action?.kind === 'discard' ? t('deadLetters.discard') : t('deadLetters.retry')}
        message={action?.kind === 'discard' ? t('deadLetters.discardConfirm') : t('deadLetters.retryConfirm')}
        confirmLabel={action?.kind === 'discard' ? t('deadLetters.discard') : t('deadLetters.retry')}
        danger={action?.kind === 'discard'}
        busy={busy}
        onConfirm={() => void confirm()}
        onClose={() => setAction(null)}
      />
    </>
  );
}
