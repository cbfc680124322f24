/** Live feed of detections over graphql-ws (Subscription.eventStream). */
import DeleteSweepIcon from '@mui/icons-material/DeleteSweep';
import FiberManualRecordIcon from '@mui/icons-material/FiberManualRecord';
import FilterAltIcon from '@mui/icons-material/FilterAlt';
import PauseIcon from '@mui/icons-material/Pause';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import SensorsIcon from '@mui/icons-material/Sensors';
import {
  Box,
  Button,
  Card,
  CardActionArea,
  CardContent,
  Chip,
  Paper,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { subscriptions } from '../api';
import { ops } from '../api/operations';
import type { EventChange, LiveEvent, Picture } from '../api/types';
import { subscribe } from '../api/ws';
import { useSession } from '../auth/session';
import { CompanyPicker, type CompanyOption } from '../components/CompanyPicker';
import { LowConfidenceFlag, PageHeader, PlateBadge, StatusChip } from '../components/common';
import { formatConfidence, formatDateTime, parsePlateList } from '../format';
import { useI18n } from '../i18n';
import { navigate } from '../router';

const MAX_ITEMS = 120;

type Connection = 'connecting' | 'connected' | 'paused' | 'error';

interface Filter {
  cameraCode: string;
  company: CompanyOption | null;
  plates: string;
}

interface FeedItem extends EventChange {
  receivedAt: number;
}

/** The most telling picture first: the whole vehicle, then the detection, then the plate crop. */
export function bestPicture(pictures: Picture[]): Picture | null {
  const order = ['vehicle', 'detection', 'licensePlate'];
  return [...pictures].sort((a, b) => {
    const ia = order.indexOf(a.kind);
    const ib = order.indexOf(b.kind);
    return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
  })[0] ?? null;
}

function LiveCard({ item }: { item: FeedItem }) {
  const { t, lang } = useI18n();
  const tz = useSession().preferences.timezone;
  const ev: LiveEvent = item.event;
  const picture = bestPicture(ev.primaryCamera?.pictures ?? []);
  return (
    <Card data-testid="live-item" sx={{ animation: 'fadein 400ms ease-out', '@keyframes fadein': { from: { opacity: 0, transform: 'translateY(-6px)' }, to: { opacity: 1 } } }}>
      <CardActionArea onClick={() => navigate(`/events/${encodeURIComponent(ev.id)}`)}>
        <Box sx={{ position: 'relative', height: 140, bgcolor: 'grey.900' }}>
          {picture ? (
            <Box component="img" src={picture.url} alt={picture.kind} sx={{ width: '100%', height: '100%', objectFit: 'cover' }} />
          ) : (
            <Stack sx={{ height: '100%', alignItems: 'center', justifyContent: 'center', color: 'grey.600' }}>
              <SensorsIcon fontSize="large" />
            </Stack>
          )}
          <Chip
            size="small"
            label={t(`live.kind.${item.kind}`)}
            color={item.kind === 'CREATED' ? 'primary' : 'default'}
            sx={{ position: 'absolute', top: 8, left: 8 }}
          />
          <Box sx={{ position: 'absolute', bottom: 8, left: 8 }}>
            <PlateBadge display={ev.plateDisplay} />
          </Box>
        </Box>
        <CardContent sx={{ py: 1.5 }}>
          <Stack direction="row" sx={{ justifyContent: 'space-between', alignItems: 'center', mb: 0.5 }}>
            <Typography variant="subtitle2" noWrap>
              {ev.company?.name ?? t('common.unassigned')}
            </Typography>
            <StatusChip status={ev.status} />
          </Stack>
          <Stack direction="row" spacing={1} sx={{ alignItems: 'center', color: 'text.secondary' }}>
            <Typography variant="caption" noWrap sx={{ flexGrow: 1 }}>
              {ev.primaryCamera?.cameraName ?? ev.cameraCode} · {formatDateTime(ev.eventTime, tz, lang)}
            </Typography>
            <Typography variant="caption" sx={{ whiteSpace: 'nowrap' }}>
              {formatConfidence(ev.confidence, lang)}
            </Typography>
            {ev.lowConfidence && <LowConfidenceFlag />}
          </Stack>
        </CardContent>
      </CardActionArea>
    </Card>
  );
}

export function LivePage() {
  const { t } = useI18n();
  const session = useSession();
  const staff = session.can('SEARCH_ALL_COMPANIES');
  const [form, setForm] = useState<Filter>({ cameraCode: '', company: null, plates: '' });
  const [applied, setApplied] = useState<Filter>(form);
  const [paused, setPaused] = useState(false);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [errorMessage, setErrorMessage] = useState('');
  const [items, setItems] = useState<FeedItem[]>([]);
  const [received, setReceived] = useState(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    if (paused) {
      setConnection('paused');
      return;
    }
    const client = subscriptions();
    setConnection('connecting');
    const offs = [
      client.on('connected', () => setConnection('connected')),
      client.on('connecting', () => setConnection('connecting')),
      client.on('closed', () => setConnection((c) => (c === 'error' ? c : 'connecting'))),
    ];
    const plates = parsePlateList(applied.plates);
    const filter = {
      cameraCode: applied.cameraCode.trim() || null,
      companyId: applied.company?.id ?? null,
      plates: plates.length ? plates : null,
    };
    const unsubscribe = subscribe(client, ops.eventStream, { filter }, {
      next: (data) => {
        setConnection('connected');
        setReceived((n) => n + 1);
        const change = data.eventStream;
        setItems((prev) =>
          [{ ...change, receivedAt: Date.now() }, ...prev.filter((p) => p.event.id !== change.event.id)].slice(
            0,
            MAX_ITEMS,
          ),
        );
      },
      error: (message) => {
        setErrorMessage(message);
        setConnection('error');
      },
    });
    return () => {
      unsubscribe();
      offs.forEach((off) => off());
    };
  }, [applied, paused]);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setApplied({ ...form });
  };

  const indicator: Record<Connection, { color: 'success' | 'warning' | 'default' | 'error'; label: string }> = {
    connected: { color: 'success', label: t('live.connected') },
    connecting: { color: 'warning', label: t('live.connecting') },
    paused: { color: 'default', label: t('live.paused') },
    error: { color: 'error', label: t('live.error', { message: errorMessage }) },
  };

  return (
    <>
      <PageHeader
        title={t('live.title')}
        subtitle={t('live.count', { count: received })}
        actions={
          <>
            <Chip
              icon={<FiberManualRecordIcon />}
              color={indicator[connection].color}
              label={indicator[connection].label}
              variant="outlined"
              data-testid="live-status"
              data-state={connection}
            />
            <Button
              variant="outlined"
              startIcon={paused ? <PlayArrowIcon /> : <PauseIcon />}
              onClick={() => setPaused((p) => !p)}
            >
              {paused ? t('live.resume') : t('live.pause')}
            </Button>
            <Button variant="outlined" startIcon={<DeleteSweepIcon />} onClick={() => setItems([])}>
              {t('live.clear')}
            </Button>
          </>
        }
      />
      <Paper component="form" onSubmit={apply} sx={{ p: 2, mb: 3 }}>
        <Box
          sx={{
            display: 'grid',
            gap: 2,
            alignItems: 'center',
            gridTemplateColumns: { xs: '1fr', md: staff ? '1fr 1fr 2fr auto' : '1fr 2fr auto' },
          }}
        >
          <TextField
            label={t('events.camera')}
            value={form.cameraCode}
            placeholder="CAM-NORTE-01"
            onChange={(e) => setForm((f) => ({ ...f, cameraCode: e.target.value }))}
          />
          {staff && (
            <CompanyPicker
              label={t('events.company')}
              value={form.company}
              onChange={(c) => setForm((f) => ({ ...f, company: c }))}
            />
          )}
          <TextField
            label={t('live.plates')}
            value={form.plates}
            placeholder="HJKL42, KBWZ93"
            onChange={(e) => setForm((f) => ({ ...f, plates: e.target.value.toUpperCase() }))}
          />
          <Button type="submit" variant="contained" startIcon={<FilterAltIcon />}>
            {t('live.apply')}
          </Button>
        </Box>
      </Paper>
      {items.length === 0 ? (
        <Paper sx={{ p: 6, textAlign: 'center', color: 'text.secondary' }}>
          <SensorsIcon sx={{ fontSize: 48, mb: 1, opacity: 0.5 }} />
          <Typography>{t('live.waiting')}</Typography>
        </Paper>
      ) : (
        <Box
          sx={{ display: 'grid', gap: 2, gridTemplateColumns: 'repeat(auto-fill, minmax(260px, 1fr))' }}
          data-testid="live-feed"
        >
          {items.map((item) => (
            <LiveCard key={item.event.id} item={item} />
          ))}
        </Box>
      )}
    </>
  );
}
