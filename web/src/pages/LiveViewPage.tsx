/**
 * Live view: a wall of 1, 2 or 4 live cameras (any user holding VIEW_VIDEOS: staff see every
 * camera, a client user the cameras listed for its company). Each slot picks
 * its camera; the wall is kept per tab. Tiles stream only while shown and while the page is
 * visible (see LiveTile), so a hidden tab or a smaller layout frees the cameras' upstreams.
 */
import GridViewIcon from '@mui/icons-material/GridView';
import { Box, Paper, TextField, ToggleButton, ToggleButtonGroup, Tooltip } from '@mui/material';
import { useEffect, useMemo, useState } from 'react';
import { gql } from '../api';
import { ErrorAlert, PageHeader } from '../components/common';
import { liveViewOps, type LiveCameraOption } from '../components/liveView/api';
import { LiveTile } from '../components/liveView/LiveTile';
import {
  LAYOUTS,
  STORAGE_KEY,
  assignSlot,
  gridColumns,
  isLayout,
  keepKnown,
  parseWall,
  resizeSlots,
  type LiveWall,
} from '../components/liveView/liveViewState';
import { useDocumentVisible } from '../components/liveView/useDocumentVisible';
import { useI18n } from '../i18n';

function loadWall(): LiveWall {
  try {
    return parseWall(sessionStorage.getItem(STORAGE_KEY));
  } catch {
    return parseWall(null);
  }
}

function saveWall(wall: LiveWall): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(wall));
  } catch {
    // Storage blocked: the wall just is not remembered.
  }
}

export function LiveViewPage() {
  const { t } = useI18n();
  const visible = useDocumentVisible();
  const [wall, setWall] = useState<LiveWall>(loadWall);
  const [cameras, setCameras] = useState<LiveCameraOption[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let live = true;
    setError(null);
    gql.request(liveViewOps.liveCameras, {}).then(
      (data) => {
        if (!live) return;
        const options = data.liveCameras;
        setCameras(options);
        // Forget cameras that are gone (the saved wall may be older than the list).
        const known = new Set(options.map((c) => c.id));
        setWall((w) => ({ ...w, slots: keepKnown(w.slots, known) }));
      },
      (err: unknown) => live && setError(err),
    );
    return () => {
      live = false;
    };
  }, [generation]);

  useEffect(() => saveWall(wall), [wall]);

  const byId = useMemo(() => new Map((cameras ?? []).map((c) => [c.id, c])), [cameras]);
  const columns = gridColumns(wall.layout);

  return (
    <>
      <PageHeader
        title={t('liveView.title')}
        subtitle={t('liveView.subtitle')}
        actions={
          <ToggleButtonGroup
            size="small"
            exclusive
            value={wall.layout}
            onChange={(_, value: unknown) => {
              if (isLayout(value)) setWall((w) => ({ layout: value, slots: resizeSlots(w.slots, value) }));
            }}
            aria-label={t('liveView.layout')}
            data-testid="live-view-layout"
          >
            {LAYOUTS.map((n) => (
              <Tooltip key={n} title={t('liveView.layoutN', { count: n })}>
                <ToggleButton value={n} aria-label={t('liveView.layoutN', { count: n })} data-testid={`live-view-layout-${n}`}>
                  <GridViewIcon fontSize="small" sx={{ mr: 0.5 }} />
                  {n}
                </ToggleButton>
              </Tooltip>
            ))}
          </ToggleButtonGroup>
        }
      />
      <ErrorAlert error={error} onRetry={() => setGeneration((g) => g + 1)} />
      {cameras !== null && cameras.length === 0 && (
        <Paper sx={{ p: 4, mb: 2, textAlign: 'center', color: 'text.secondary' }} data-testid="live-view-no-cameras">
          {t('liveView.noCameras')}
        </Paper>
      )}
      <Box
        sx={{
          display: 'grid',
          gap: 2,
          gridTemplateColumns: { xs: '1fr', md: `repeat(${columns}, minmax(0, 1fr))` },
          maxWidth: wall.layout === 1 ? 1200 : undefined,
        }}
        data-testid="live-view-grid"
        data-layout={wall.layout}
      >
        {wall.slots.map((cameraId, slot) => (
          <Box key={slot} sx={{ minWidth: 0 }}>
            <TextField
              select
              size="small"
              fullWidth
              label={t('liveView.camera', { n: slot + 1 })}
              value={cameraId ?? ''}
              onChange={(e) => setWall((w) => ({ ...w, slots: assignSlot(w.slots, slot, e.target.value || null) }))}
              disabled={cameras === null}
              slotProps={{
                select: { native: true },
                inputLabel: { shrink: true },
                htmlInput: { 'data-testid': 'live-view-camera', 'data-slot': slot },
              }}
              sx={{ mb: 1 }}
            >
              <option value="">{t('liveView.none')}</option>
              {(cameras ?? []).map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} ({c.code})
                </option>
              ))}
            </TextField>
            <LiveTile slot={slot} camera={cameraId ? (byId.get(cameraId) ?? null) : null} visible={visible} />
          </Box>
        ))}
      </Box>
    </>
  );
}
