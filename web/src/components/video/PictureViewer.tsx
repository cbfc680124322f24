/**
 * Full-size viewer of a camera read's pictures with the same digital zoom/pan as the video
 * tiles (ZoomPan). Buttons, PageUp/PageDown, and ←/→ while not zoomed step through the read's
 * pictures; once zoomed the arrows pan instead (ZoomPan's keys).
 */
import CloseIcon from '@mui/icons-material/Close';
import NavigateBeforeIcon from '@mui/icons-material/NavigateBefore';
import NavigateNextIcon from '@mui/icons-material/NavigateNext';
import OpenInNewIcon from '@mui/icons-material/OpenInNew';
import { Box, Button, Dialog, DialogContent, DialogTitle, IconButton, Stack, Tooltip, Typography } from '@mui/material';
import { useState, type KeyboardEvent } from 'react';
import type { Picture } from '../../api/types';
import { useI18n } from '../../i18n';
import { ZoomPan } from './ZoomPan';
import type { Size } from './zoomMath';

export interface PictureViewerProps {
  pictures: Picture[];
  /** Index shown first; null: closed. */
  index: number | null;
  title: string;
  onClose: () => void;
}

export function PictureViewer({ pictures, index, title, onClose }: PictureViewerProps) {
  const open = index !== null && pictures.length > 0;
  return (
    <Dialog open={open} onClose={onClose} maxWidth="lg" fullWidth data-testid="picture-viewer">
      {open && <ViewerBody key={index} pictures={pictures} start={index} title={title} onClose={onClose} />}
    </Dialog>
  );
}

function ViewerBody({ pictures, start, title, onClose }: { pictures: Picture[]; start: number; title: string; onClose: () => void }) {
  const { t } = useI18n();
  const [current, setCurrent] = useState(Math.min(Math.max(0, start), pictures.length - 1));
  const [natural, setNatural] = useState<Size | null>(null);
  const [scale, setScale] = useState(1);
  const picture = pictures[current];
  const many = pictures.length > 1;

  const go = (delta: number) => {
    setNatural(null);
    setCurrent((i) => (i + delta + pictures.length) % pictures.length);
  };

  // ←/→ step between pictures while not zoomed (zoomed, the viewer pans with them instead).
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (!many) return;
    if (e.key === 'PageDown' || (e.key === 'ArrowRight' && scale <= 1)) go(1);
    else if (e.key === 'PageUp' || (e.key === 'ArrowLeft' && scale <= 1)) go(-1);
    else return;
    e.preventDefault();
  };

  return (
    <Box onKeyDownCapture={onKeyDown}>
      <DialogTitle sx={{ display: 'flex', alignItems: 'center', gap: 1, pr: 1 }}>
        <Box sx={{ flexGrow: 1, minWidth: 0 }}>
          <Typography variant="h6" component="span" noWrap>
            {title}
          </Typography>
          <Typography variant="body2" color="text.secondary" component="div" data-testid="picture-viewer-kind">
            {picture.kind}
            {many && ` · ${current + 1} / ${pictures.length}`}
          </Typography>
        </Box>
        <Button
          size="small"
          component="a"
          href={picture.url}
          target="_blank"
          rel="noreferrer"
          startIcon={<OpenInNewIcon />}
          data-testid="picture-viewer-open"
        >
          {t('picture.open')}
        </Button>
        <IconButton aria-label={t('common.close')} onClick={onClose} data-testid="picture-viewer-close">
          <CloseIcon />
        </IconButton>
      </DialogTitle>
      <DialogContent sx={{ pb: 2 }}>
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
          {many && (
            <Tooltip title={t('picture.previous')}>
              <IconButton aria-label={t('picture.previous')} onClick={() => go(-1)} data-testid="picture-viewer-prev">
                <NavigateBeforeIcon />
              </IconButton>
            </Tooltip>
          )}
          <ZoomPan
            key={picture.url}
            label={t('picture.viewer', { kind: picture.kind })}
            testId="picture-zoom"
            contentSize={natural}
            onScaleChange={setScale}
            sx={{ flexGrow: 1, height: { xs: '60vh', md: '70vh' }, borderRadius: 1 }}
          >
            <Box
              component="img"
              src={picture.url}
              alt={picture.kind}
              draggable={false}
              onLoad={(e) => {
                const img = e.currentTarget;
                setNatural({ width: img.naturalWidth, height: img.naturalHeight });
              }}
              data-testid="picture-viewer-image"
              sx={{ width: '100%', height: '100%', objectFit: 'contain', display: 'block' }}
            />
          </ZoomPan>
          {many && (
            <Tooltip title={t('picture.next')}>
              <IconButton aria-label={t('picture.next')} onClick={() => go(1)} data-testid="picture-viewer-next">
                <NavigateNextIcon />
              </IconButton>
            </Tooltip>
          )}
        </Stack>
        <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 1 }}>
          {t('zoom.hint')}
        </Typography>
      </DialogContent>
    </Box>
  );
}
