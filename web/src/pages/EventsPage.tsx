/** Event search: plate (exact / prefix / OCR-tolerant), company, dates, status and more. */
import ExpandLessIcon from '@mui/icons-material/ExpandLess';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import SearchIcon from '@mui/icons-material/Search';
import {
  Box,
  Button,
  Checkbox,
  Chip,
  FormControl,
  FormControlLabel,
  InputLabel,
  MenuItem,
  OutlinedInput,
  Paper,
  Select,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useCallback, useMemo, useState, type FormEvent } from 'react';
import { gql } from '../api';
import { ops } from '../api/operations';
import { PLATE_MATCHES, STATUSES, type EventFilter, type EventStatus, type PlateMatch } from '../api/types';
import { useSession } from '../auth/session';
import { CompanyPicker, type CompanyOption } from '../components/CompanyPicker';
import {
  ErrorAlert,
  LowConfidenceFlag,
  PageHeader,
  PlateBadge,
  StatusChip,
  TimeIssueFlag,
} from '../components/common';
import { useConnection } from '../components/useConnection';
import { formatConfidence, formatDateTime, normalizePlateInput, zonedLocalToUtcIso } from '../format';
import { useI18n } from '../i18n';
import { navigate } from '../router';

interface SearchForm {
  plate: string;
  plateMatch: PlateMatch;
  company: CompanyOption | null;
  unassigned: boolean;
  since: string;
  until: string;
  statuses: EventStatus[];
  cameraCode: string;
  guideNumber: string;
  documented: '' | 'yes' | 'no';
  lowConfidence: boolean;
  timeIssue: boolean;
  includeArchived: boolean;
}

const EMPTY: SearchForm = {
  plate: '',
  plateMatch: 'EXACT',
  company: null,
  unassigned: false,
  since: '',
  until: '',
  statuses: [],
  cameraCode: '',
  guideNumber: '',
  documented: '',
  lowConfidence: false,
  timeIssue: false,
  includeArchived: false,
};

const STORAGE_KEY = 'domcctv.page.eventSearch';

function loadForm(): SearchForm {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? { ...EMPTY, ...(JSON.parse(raw) as Partial<SearchForm>) } : EMPTY;
  } catch {
    return EMPTY;
  }
}

export function toFilter(form: SearchForm, timeZone: string): EventFilter {
  const plate = normalizePlateInput(form.plate);
  return {
    plate: plate || null,
    plateMatch: form.plateMatch,
    companyId: form.unassigned ? null : (form.company?.id ?? null),
    unassigned: form.unassigned || null,
    since: form.since ? zonedLocalToUtcIso(form.since, timeZone) : null,
    until: form.until ? zonedLocalToUtcIso(form.until, timeZone) : null,
    statuses: form.statuses.length ? form.statuses : null,
    cameraCode: form.cameraCode.trim() || null,
    guideNumber: form.guideNumber.trim() || null,
    documented: form.documented === '' ? null : form.documented === 'yes',
    lowConfidence: form.lowConfidence || null,
    timeIssue: form.timeIssue || null,
    includeArchived: form.includeArchived,
  };
}

export function EventsPage() {
  const { t, lang } = useI18n();
  const session = useSession();
  const tz = session.preferences.timezone;
  const [form, setForm] = useState<SearchForm>(loadForm);
  const [submitted, setSubmitted] = useState<SearchForm>(form);
  const staff = session.can('SEARCH_ALL_COMPANIES');
  const filter = useMemo(() => toFilter(submitted, tz), [submitted, tz]);
  const [moreOpen, setMoreOpen] = useState(false);
  // Phones show the main criteria; the rest open with "Más filtros". Wider screens show all.
  const adv = { display: { xs: moreOpen ? 'flex' : 'none', md: 'flex' } };

  const fetchPage = useCallback(
    async (after: string | null) =>
      (
        await gql.request(ops.searchEvents, {
          filter,
          first: session.preferences.defaultPageSize,
          after,
        })
      ).events,
    [filter, session.preferences.defaultPageSize],
  );
  const results = useConnection(fetchPage, JSON.stringify(filter));

  const set = <K extends keyof SearchForm>(key: K, value: SearchForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));

  const search = (e?: FormEvent) => {
    e?.preventDefault();
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(form));
    setSubmitted({ ...form });
  };
  const clear = () => {
    sessionStorage.removeItem(STORAGE_KEY);
    setForm(EMPTY);
    setSubmitted(EMPTY);
  };

  return (
    <>
      <PageHeader title={t('events.title')} />
      <Paper component="form" onSubmit={search} sx={{ p: 2, mb: 3 }} data-testid="event-search">
        <Box
          sx={{
            display: 'grid',
            gap: 2,
            gridTemplateColumns: { xs: '1fr', sm: 'repeat(2, 1fr)', lg: 'repeat(4, 1fr)' },
          }}
        >
          <TextField
            label={t('events.plate')}
            value={form.plate}
            onChange={(e) => set('plate', e.target.value.toUpperCase())}
            slotProps={{ htmlInput: { 'data-testid': 'search-plate', maxLength: 12 } }}
          />
          <FormControl>
            <InputLabel id="match-label">{t('events.match')}</InputLabel>
            <Select
              labelId="match-label"
              label={t('events.match')}
              value={form.plateMatch}
              onChange={(e) => set('plateMatch', e.target.value as PlateMatch)}
              data-testid="search-match"
            >
              {PLATE_MATCHES.map((m) => (
                <MenuItem key={m} value={m}>
                  {t(`events.match.${m}`)}
                </MenuItem>
              ))}
            </Select>
          </FormControl>
          {staff && (
            <CompanyPicker
              label={t('events.company')}
              value={form.company}
              disabled={form.unassigned}
              onChange={(c) => set('company', c)}
            />
          )}
          <FormControl>
            <InputLabel id="status-label">{t('events.status')}</InputLabel>
            <Select<EventStatus[]>
              labelId="status-label"
              multiple
              value={form.statuses}
              onChange={(e) => set('statuses', e.target.value as EventStatus[])}
              input={<OutlinedInput label={t('events.status')} />}
              renderValue={(selected) => (
                <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5 }}>
                  {selected.map((s) => (
                    <Chip key={s} size="small" label={t(`status.${s}`)} sx={{ height: 20 }} />
                  ))}
                </Box>
              )}
            >
              {STATUSES.filter((s) => s !== 'ARCHIVED' || form.includeArchived).map((s) => (
                <MenuItem key={s} value={s}>
                  <Checkbox size="small" checked={form.statuses.includes(s)} />
                  {t(`status.${s}`)}
                </MenuItem>
              ))}
            </Select>
          </FormControl>
          <TextField
            sx={adv}
            label={t('events.since')}
            type="datetime-local"
            value={form.since}
            onChange={(e) => set('since', e.target.value)}
            slotProps={{ inputLabel: { shrink: true } }}
          />
          <TextField
            sx={adv}
            label={t('events.until')}
            type="datetime-local"
            value={form.until}
            onChange={(e) => set('until', e.target.value)}
            slotProps={{ inputLabel: { shrink: true } }}
          />
          <TextField
            sx={adv}
            label={t('events.camera')}
            value={form.cameraCode}
            placeholder="CAM-NORTE-01"
            onChange={(e) => set('cameraCode', e.target.value)}
          />
          <TextField
            sx={adv}
            label={t('events.guide')}
            value={form.guideNumber}
            onChange={(e) => set('guideNumber', e.target.value)}
          />
          <FormControl sx={adv}>
            <InputLabel id="documented-label">{t('events.documented')}</InputLabel>
            <Select
              labelId="documented-label"
              label={t('events.documented')}
              value={form.documented}
              onChange={(e) => set('documented', e.target.value as SearchForm['documented'])}
            >
              <MenuItem value="">{t('common.any')}</MenuItem>
              <MenuItem value="yes">{t('common.yes')}</MenuItem>
              <MenuItem value="no">{t('common.no')}</MenuItem>
            </Select>
          </FormControl>
          <Stack
            direction="row"
            sx={{ ...adv, alignItems: 'center', flexWrap: 'wrap', columnGap: 1, gridColumn: { lg: 'span 3' } }}
          >
            {staff && (
              <FormControlLabel
                control={
                  <Checkbox
                    size="small"
                    checked={form.unassigned}
                    onChange={(e) => set('unassigned', e.target.checked)}
                  />
                }
                label={t('events.onlyUnassigned')}
              />
            )}
            <FormControlLabel
              control={
                <Checkbox
                  size="small"
                  checked={form.lowConfidence}
                  onChange={(e) => set('lowConfidence', e.target.checked)}
                />
              }
              label={t('events.lowConfidence')}
            />
            <FormControlLabel
              control={
                <Checkbox
                  size="small"
                  checked={form.timeIssue}
                  onChange={(e) => set('timeIssue', e.target.checked)}
                />
              }
              label={t('events.timeIssue')}
            />
            {session.can('ADVANCED_SEARCH') && (
              <FormControlLabel
                control={
                  <Checkbox
                    size="small"
                    checked={form.includeArchived}
                    onChange={(e) => set('includeArchived', e.target.checked)}
                  />
                }
                label={t('events.includeArchived')}
              />
            )}
          </Stack>
        </Box>
        <Stack direction="row" spacing={1} sx={{ mt: 2, justifyContent: 'flex-end' }}>
          <Button
            sx={{ display: { md: 'none' }, mr: 'auto' }}
            startIcon={moreOpen ? <ExpandLessIcon /> : <ExpandMoreIcon />}
            onClick={() => setMoreOpen((o) => !o)}
          >
            {moreOpen ? t('events.fewerFilters') : t('events.moreFilters')}
          </Button>
          <Button onClick={clear}>{t('common.clear')}</Button>
          <Button type="submit" variant="contained" startIcon={<SearchIcon />} data-testid="search-submit">
            {t('common.search')}
          </Button>
        </Stack>
      </Paper>

      <ErrorAlert error={results.error} onRetry={results.reload} />
      <Paper sx={{ overflow: 'hidden' }}>
        <TableContainer>
          <Table size="small" data-testid="events-table">
            <TableHead>
              <TableRow>
                <TableCell>{t('events.time')}</TableCell>
                <TableCell>{t('events.plate')}</TableCell>
                <TableCell>{t('events.company')}</TableCell>
                <TableCell>{t('events.camera')}</TableCell>
                <TableCell align="right">{t('events.confidence')}</TableCell>
                <TableCell>{t('events.guide')}</TableCell>
                <TableCell>{t('events.status')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {results.items.map((ev) => (
                <TableRow
                  key={ev.id}
                  hover
                  sx={{ cursor: 'pointer' }}
                  onClick={() => navigate(`/events/${encodeURIComponent(ev.id)}`)}
                  data-testid="event-row"
                  data-plate={ev.plate}
                >
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(ev.eventTime, tz, lang)}</TableCell>
                  <TableCell>
                    <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
                      <PlateBadge display={ev.plateDisplay} size="small" />
                      {ev.lowConfidence && <LowConfidenceFlag />}
                      {ev.timeIssue && <TimeIssueFlag issue={ev.timeIssue} />}
                    </Stack>
                  </TableCell>
                  <TableCell>
                    {ev.company ? (
                      ev.company.name
                    ) : (
                      <Chip size="small" variant="outlined" color="warning" label={t('common.unassigned')} />
                    )}
                  </TableCell>
                  <TableCell>
                    <Typography variant="body2">{ev.primaryCamera?.cameraName ?? ev.cameraCode}</Typography>
                    <Typography variant="caption" color="text.secondary">
                      {ev.cameraCode}
                    </Typography>
                  </TableCell>
                  <TableCell align="right" sx={{ color: ev.lowConfidence ? 'warning.main' : undefined }}>
                    {formatConfidence(ev.confidence, lang)}
                  </TableCell>
                  <TableCell>{ev.metadata?.guideNumber ?? '—'}</TableCell>
                  <TableCell>
                    <StatusChip status={ev.status} />
                  </TableCell>
                </TableRow>
              ))}
              {!results.loading && results.items.length === 0 && !results.error && (
                <TableRow>
                  <TableCell colSpan={7} align="center" sx={{ py: 6, color: 'text.secondary' }}>
                    {t('events.empty')}
                  </TableCell>
                </TableRow>
              )}
            </TableBody>
          </Table>
        </TableContainer>
        <Stack direction="row" sx={{ p: 1.5, alignItems: 'center', justifyContent: 'space-between' }}>
          <Typography variant="body2" color="text.secondary" data-testid="events-count">
            {results.loading ? t('common.loading') : t('common.showing', { count: results.items.length })}
          </Typography>
          {results.hasMore && (
            <Button onClick={results.loadMore} disabled={results.loading} data-testid="load-more">
              {t('common.loadMore')}
            </Button>
          )}
        </Stack>
      </Paper>
    </>
  );
}
