/** One event: plate and corrections, camera reads with pictures, documentation and lifecycle. */
import ArchiveIcon from '@mui/icons-material/Archive';
import ArrowBackIcon from '@mui/icons-material/ArrowBack';
import BusinessIcon from '@mui/icons-material/Business';
import EditIcon from '@mui/icons-material/Edit';
import HistoryIcon from '@mui/icons-material/History';
import ImageNotSupportedIcon from '@mui/icons-material/ImageNotSupported';
import MovieIcon from '@mui/icons-material/Movie';
import ReplayIcon from '@mui/icons-material/Replay';
import VerifiedIcon from '@mui/icons-material/Verified';
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  CardHeader,
  Chip,
  Divider,
  List,
  ListItem,
  ListItemIcon,
  ListItemText,
  Stack,
  Tooltip,
  Typography,
} from '@mui/material';
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { gql } from '../api';
import { ops } from '../api/operations';
import { outcome } from '../api/results';
import type { CameraRead, EventDetail, EventStatus } from '../api/types';
import { useSession } from '../auth/session';
import {
  ConfirmDialog,
  ErrorAlert,
  Loading,
  LowConfidenceFlag,
  PageHeader,
  PlateBadge,
  StatusChip,
  errorText,
} from '../components/common';
import { useNotify } from '../components/notify';
import { EventVideoSection } from '../components/video/EventVideoSection';
import { PictureViewer } from '../components/video/PictureViewer';
import { eventVideoOf } from '../components/video/types';
import { formatBytes, formatConfidence, formatDateTime, formatDuration } from '../format';
import { useI18n } from '../i18n';
import { navigate } from '../router';
import { AssignCompanyDialog, CorrectPlateDialog } from './eventDialogs';
import { MetadataForm } from './MetadataForm';

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Box>
      <Typography variant="caption" color="text.secondary" component="div">
        {label}
      </Typography>
      <Box sx={{ typography: 'body2', mt: 0.25 }}>{children}</Box>
    </Box>
  );
}

function ReadCard({ title, read }: { title: string; read: CameraRead }) {
  const { t, lang } = useI18n();
  const tz = useSession().preferences.timezone;
  const [viewing, setViewing] = useState<number | null>(null);
  return (
    <Box sx={{ border: 1, borderColor: 'divider', borderRadius: 2, p: 2 }} data-testid="camera-read">
      <Stack direction="row" sx={{ justifyContent: 'space-between', alignItems: 'baseline', mb: 1.5 }}>
        <Typography variant="subtitle2">
          {title}: {read.cameraName}
        </Typography>
        <Typography variant="caption" color="text.secondary">
          {read.cameraCode}
        </Typography>
      </Stack>
      {read.pictures.length > 0 ? (
        <Box sx={{ display: 'grid', gap: 1, gridTemplateColumns: 'repeat(auto-fill, minmax(160px, 1fr))', mb: 1.5 }}>
          {read.pictures.map((pic, i) => (
            <Box
              key={pic.url}
              component="button"
              type="button"
              onClick={() => setViewing(i)}
              aria-label={t('picture.show', { kind: pic.kind })}
              data-testid="picture-thumb"
              sx={{
                display: 'block',
                width: '100%',
                p: 0,
                border: 0,
                cursor: 'zoom-in',
                borderRadius: 1,
                overflow: 'hidden',
                bgcolor: 'grey.900',
                position: 'relative',
              }}
            >
              <Box
                component="img"
                src={pic.url}
                alt={pic.kind}
                loading="lazy"
                sx={{ width: '100%', height: 120, objectFit: 'contain', display: 'block' }}
              />
              <Chip
                size="small"
                label={pic.kind}
                sx={{ position: 'absolute', left: 6, bottom: 6, bgcolor: 'rgba(0,0,0,0.6)', color: '#fff' }}
              />
            </Box>
          ))}
        </Box>
      ) : (
        <Stack
          direction="row"
          spacing={1}
          sx={{ alignItems: 'center', color: 'text.secondary', bgcolor: 'action.hover', borderRadius: 1, p: 2, mb: 1.5 }}
        >
          <ImageNotSupportedIcon fontSize="small" />
          <Typography variant="body2">{t('event.noPictures')}</Typography>
        </Stack>
      )}
      <Box sx={{ display: 'grid', gap: 1.5, gridTemplateColumns: 'repeat(auto-fill, minmax(120px, 1fr))' }}>
        <Fact label={t('event.reading')}>
          <Box component="span" sx={{ fontFamily: 'monospace', fontWeight: 600 }}>
            {read.plateReading}
          </Box>
        </Fact>
        <Fact label={t('events.confidence')}>{formatConfidence(read.confidence, lang)}</Fact>
        <Fact label={t('event.readAt')}>{formatDateTime(read.readAt, tz, lang)}</Fact>
        <Fact label={t('event.direction')}>{read.direction ?? '—'}</Fact>
        <Fact label={t('event.source')}>{read.source}</Fact>
      </Box>
      <PictureViewer
        pictures={read.pictures}
        index={viewing}
        title={`${title}: ${read.cameraName}`}
        onClose={() => setViewing(null)}
      />
    </Box>
  );
}

type DialogName = 'plate' | 'company' | 'archive' | null;

export function EventDetailPage({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const session = useSession();
  const notify = useNotify();
  const tz = session.preferences.timezone;
  const [event, setEvent] = useState<EventDetail | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [dialog, setDialog] = useState<DialogName>(null);
  const [busy, setBusy] = useState(false);

  const video = useMemo(() => (event ? eventVideoOf(event) : null), [event]);
  const cameraNames = useMemo(() => {
    const names: Record<string, string> = {};
    for (const read of [event?.primaryCamera, event?.secondaryCamera]) {
      if (read) names[read.cameraCode] = read.cameraName;
    }
    return names;
  }, [event]);

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setEvent((await gql.request(ops.eventDetail, { id })).event);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  }, [id]);

  useEffect(() => {
    void load();
  }, [load]);

  const changeStatus = async (status: EventStatus) => {
    if (!event) return;
    setBusy(true);
    try {
      const data = await gql.request(ops.changeEventStatus, { eventId: event.id, status });
      const result = outcome(data.changeEventStatus);
      if (result.ok) {
        setEvent(result.value.event);
        notify(t('event.statusChanged', { status: t(`status.${result.value.event.status}`) }));
      } else notify(result.error.message, 'error');
    } catch (err) {
      notify(errorText(err, t('common.error')), 'error');
    } finally {
      setBusy(false);
      setDialog(null);
    }
  };

  const back = (
    <Button startIcon={<ArrowBackIcon />} onClick={() => navigate('/events')} sx={{ mb: 1 }}>
      {t('nav.events')}
    </Button>
  );
  if (loading && !event) return <Loading />;
  if (error) {
    return (
      <>
        {back}
        <ErrorAlert error={error} onRetry={() => void load()} />
      </>
    );
  }
  if (!event) {
    return (
      <>
        {back}
        <Typography color="text.secondary" data-testid="event-not-found">
          {t('event.notFound')}
        </Typography>
      </>
    );
  }

  const canDocument = session.can('WRITE_BASIC_METADATA') || session.can('EDIT_OWN_METADATA');
  const active = event.status !== 'ARCHIVED';
  const documentedByMe = event.metadata?.createdBy?.id === session.user?.id;
  const canValidate = event.status === 'DOCUMENTED' && session.can('WRITE_BASIC_METADATA');
  const canReopen = event.status === 'VALIDATED' && session.can('WRITE_BASIC_METADATA');
  const canArchive = active && session.can('DELETE_EVENTS');
  const canAssign =
    active && canDocument && session.isStaff && (event.company === null || session.can('WRITE_BASIC_METADATA'));

  const actions = (
    <>
      {canValidate && (
        <Tooltip title={documentedByMe ? t('event.fourEyes') : ''}>
          <span>
            <Button
              variant="contained"
              color="success"
              startIcon={<VerifiedIcon />}
              disabled={busy || documentedByMe}
              onClick={() => void changeStatus('VALIDATED')}
              data-testid="action-validate"
            >
              {t('event.validate')}
            </Button>
          </span>
        </Tooltip>
      )}
      {canReopen && (
        <Button
          variant="outlined"
          startIcon={<ReplayIcon />}
          disabled={busy}
          onClick={() => void changeStatus('DOCUMENTED')}
          data-testid="action-reopen"
        >
          {t('event.reopen')}
        </Button>
      )}
      {active && canDocument && (
        <Button variant="outlined" startIcon={<EditIcon />} onClick={() => setDialog('plate')} data-testid="action-correct">
          {t('event.correctPlate')}
        </Button>
      )}
      {canAssign && (
        <Button variant="outlined" startIcon={<BusinessIcon />} onClick={() => setDialog('company')} data-testid="action-assign">
          {event.company ? t('event.reassignCompany') : t('event.assignCompany')}
        </Button>
      )}
      {session.can('VIEW_AUDIT_LOGS') && (
        <Button
          variant="text"
          startIcon={<HistoryIcon />}
          onClick={() => navigate(`/audit?resourceType=EVENT&resourceId=${event.databaseId}`)}
        >
          {t('nav.audit')}
        </Button>
      )}
      {canArchive && (
        <Button
          variant="outlined"
          color="error"
          startIcon={<ArchiveIcon />}
          onClick={() => setDialog('archive')}
          data-testid="action-archive"
        >
          {t('event.archive')}
        </Button>
      )}
    </>
  );

  const corrected = event.plateRaw !== event.plate;

  return (
    <>
      {back}
      <PageHeader
        title={
          <Stack direction="row" spacing={1.5} sx={{ alignItems: 'center' }}>
            <span>{t('event.title', { id: event.databaseId })}</span>
            <StatusChip status={event.status} size="medium" />
          </Stack>
        }
        subtitle={formatDateTime(event.eventTime, tz, lang)}
        actions={actions}
      />
      <Box sx={{ display: 'grid', gap: 3, gridTemplateColumns: { xs: '1fr', lg: 'minmax(0, 2fr) minmax(320px, 1fr)' } }}>
        <Stack spacing={3} sx={{ minWidth: 0 }}>
          {event.timeIssue && (
            <Alert severity="warning" data-testid="time-issue-alert">
              {t(`timeIssue.${event.timeIssue}`)}
              {event.reportedTime && (
                <>
                  {' '}
                  {t('event.reportedTime', { when: formatDateTime(event.reportedTime, tz, lang, false) })}
                </>
              )}
            </Alert>
          )}
          <Card>
            <CardContent>
              <Stack direction={{ xs: 'column', sm: 'row' }} spacing={3} sx={{ alignItems: { sm: 'center' } }}>
                <Stack spacing={1} sx={{ alignItems: 'flex-start' }}>
                  <PlateBadge display={event.plateDisplay} size="large" />
                  {corrected && (
                    <Typography variant="caption" color="text.secondary" data-testid="plate-raw">
                      {t('event.plateRaw')}: <b>{event.plateRaw}</b>
                    </Typography>
                  )}
                </Stack>
                <Divider orientation="vertical" flexItem sx={{ display: { xs: 'none', sm: 'block' } }} />
                <Box sx={{ flexGrow: 1, display: 'grid', gap: 2, gridTemplateColumns: 'repeat(auto-fill, minmax(150px, 1fr))' }}>
                  <Fact label={t('event.company')}>
                    {event.company ? (
                      event.company.name
                    ) : (
                      <Chip size="small" color="warning" variant="outlined" label={t('common.unassigned')} />
                    )}
                  </Fact>
                  <Fact label={t('events.confidence')}>
                    <Stack direction="row" spacing={0.5} sx={{ alignItems: 'center' }}>
                      <span>{formatConfidence(event.confidence, lang)}</span>
                      {event.lowConfidence && <LowConfidenceFlag />}
                    </Stack>
                  </Fact>
                  <Fact label={t('event.camera')}>{event.primaryCamera?.cameraName ?? event.cameraCode}</Fact>
                  <Fact label={t('event.format')}>{event.plateFormat}</Fact>
                  <Fact label={t('event.createdAt')}>{formatDateTime(event.createdAt, tz, lang, false)}</Fact>
                  <Fact label={t('event.processedAt')}>{formatDateTime(event.processedAt, tz, lang, false)}</Fact>
                </Box>
              </Stack>
            </CardContent>
          </Card>

          {video && <EventVideoSection key={video.id} event={video} cameraNames={cameraNames} />}

          <Card>
            <CardHeader title={t('event.reads')} slotProps={{ title: { variant: 'h3' } }} />
            <CardContent sx={{ pt: 0 }}>
              <Stack spacing={2}>
                {event.primaryCamera && <ReadCard title={t('event.camera')} read={event.primaryCamera} />}
                {event.secondaryCamera && <ReadCard title={t('event.secondary')} read={event.secondaryCamera} />}
              </Stack>
            </CardContent>
          </Card>

          <Card>
            <CardHeader title={t('event.corrections')} slotProps={{ title: { variant: 'h3' } }} />
            <CardContent sx={{ pt: 0 }}>
              {event.plateCorrections.length === 0 ? (
                <Typography variant="body2" color="text.secondary">
                  {t('event.noCorrections')}
                </Typography>
              ) : (
                <List dense disablePadding data-testid="corrections">
                  {event.plateCorrections.map((c, i) => (
                    <ListItem key={`${c.createdAt}-${i}`} disableGutters>
                      <ListItemText
                        primary={
                          <span>
                            <b>{c.fromPlate}</b> → <b>{c.toPlate}</b> · {c.reason}
                          </span>
                        }
                        secondary={`${formatDateTime(c.createdAt, tz, lang, false)} ${
                          c.correctedBy ? t('event.correctedBy', { name: c.correctedBy.fullName }) : ''
                        }`}
                      />
                    </ListItem>
                  ))}
                </List>
              )}
            </CardContent>
          </Card>

          {event.documentaryVideos.length > 0 && (
            <Card>
              <CardHeader title={t('event.videos')} slotProps={{ title: { variant: 'h3' } }} />
              <CardContent sx={{ pt: 0 }}>
                <List dense disablePadding>
                  {event.documentaryVideos.map((v) => (
                    <ListItem key={v.filename} disableGutters>
                      <ListItemIcon sx={{ minWidth: 36 }}>
                        <MovieIcon />
                      </ListItemIcon>
                      <ListItemText
                        primary={v.filename}
                        secondary={`${v.cameraCode} · ${formatDuration(v.durationSeconds)} · ${formatBytes(v.sizeBytes, lang)}`}
                      />
                    </ListItem>
                  ))}
                </List>
              </CardContent>
            </Card>
          )}
        </Stack>
        <Box sx={{ minWidth: 0 }}>
          <MetadataForm event={event} onSaved={setEvent} />
        </Box>
      </Box>

      {dialog === 'plate' && (
        <CorrectPlateDialog
          event={event}
          onClose={() => setDialog(null)}
          onDone={(e) => {
            setEvent(e);
            setDialog(null);
            notify(t('event.plateCorrected'));
          }}
        />
      )}
      {dialog === 'company' && (
        <AssignCompanyDialog
          event={event}
          onClose={() => setDialog(null)}
          onDone={(e) => {
            setEvent(e);
            setDialog(null);
            notify(t('event.companyAssigned'));
          }}
        />
      )}
      <ConfirmDialog
        open={dialog === 'archive'}
        title={t('event.archive')}
        message={t('event.archiveConfirm')}
        confirmLabel={t('event.archive')}
        danger
        busy={busy}
        onConfirm={() => void changeStatus('ARCHIVED')}
        onClose={() => setDialog(null)}
      />
    </>
  );
}
