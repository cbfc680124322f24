/**
 * Digital zoom (1x-10x) and pan over one picture: a video frame or a still.
 *
 * The picture is transformed with CSS (`translate + scale` on a wrapper), so zooming never
 * re-decodes, re-fetches or re-renders the child: a <video> keeps playing underneath. Input is a
 * thin layer over the pure geometry in zoomMath.ts: the wheel zooms around the cursor, one
 * pointer drags, two pointers pinch (pointer events, so mouse, pen and touch alike), double
 * click toggles 2.5x, the +/−/reset buttons and, while the viewer has focus, the keys + - 0 and
 * the arrows. Pan is clamped to the picture (object-fit: contain), given its natural size.
 */
import CenterFocusStrongIcon from '@mui/icons-material/CenterFocusStrong';
import ZoomInIcon from '@mui/icons-material/ZoomIn';
import ZoomOutIcon from '@mui/icons-material/ZoomOut';
import { Box, IconButton, Paper, Tooltip, Typography, type SxProps, type Theme } from '@mui/material';
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type PointerEvent,
  type ReactNode,
} from 'react';
import { useI18n } from '../../i18n';
import {
  IDENTITY,
  MAX_SCALE,
  MIN_SCALE,
  STEP_FACTOR,
  applyKey,
  center,
  clampView,
  containRect,
  keyCommand,
  panBy,
  pinchView,
  sameView,
  toTransform,
  wheelFactor,
  wheelPixels,
  zoomAt,
  zoomBy,
  type Point,
  type Size,
  type View,
} from './zoomMath';

const DOUBLE_CLICK_SCALE = 2.5;

type Gesture =
  | { kind: 'none' }
  | { kind: 'drag'; id: number; last: Point }
  | { kind: 'pinch'; ids: [number, number]; start: View; a0: Point; b0: Point };

export interface ZoomPanProps {
  children: ReactNode;
  /** Natural size of the picture (videoWidth/videoHeight, naturalWidth/naturalHeight); until
   * known the picture is taken to fill the viewer. */
  contentSize?: Size | null;
  /** Accessible name of the viewer. */
  label: string;
  /** Prefix of the data-testids: `<testId>`, `<testId>-zoom-in`, `-zoom-out`, `-zoom-reset`,
   * `-zoom-level`. */
  testId: string;
  showControls?: boolean;
  sx?: SxProps<Theme>;
  onScaleChange?: (scale: number) => void;
}

export function ZoomPan({ children, contentSize, label, testId, showControls = true, sx, onScaleChange }: ZoomPanProps) {
  const { t } = useI18n();
  const outer = useRef<HTMLDivElement>(null);
  const [box, setBox] = useState<Size>({ width: 0, height: 0 });
  const [view, setViewState] = useState<View>(IDENTITY);
  const [dragging, setDragging] = useState(false);
  const viewRef = useRef(view);
  const boxRef = useRef(box);
  const pictureRef = useRef(containRect(box, contentSize));
  const pointers = useRef(new Map<number, Point>());
  const gesture = useRef<Gesture>({ kind: 'none' });

  boxRef.current = box;
  pictureRef.current = containRect(box, contentSize);

  /** Apply a view computed from the latest one (several events may arrive between renders). */
  const change = useCallback((compute: (current: View, size: Size) => View) => {
    const next = compute(viewRef.current, boxRef.current);
    if (sameView(next, viewRef.current)) return;
    viewRef.current = next;
    setViewState(next);
  }, []);

  useEffect(() => {
    onScaleChange?.(view.scale);
  }, [view.scale, onScaleChange]);

  // Track the viewer's size.
  useLayoutEffect(() => {
    const el = outer.current;
    if (!el) return undefined;
    const measure = () => {
      const rect = el.getBoundingClientRect();
      setBox((prev) =>
        prev.width === rect.width && prev.height === rect.height ? prev : { width: rect.width, height: rect.height },
      );
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // A new size or picture: keep the view valid.
  useEffect(() => {
    change((v, size) => clampView(v, size, pictureRef.current));
  }, [box, contentSize?.width, contentSize?.height, change]);

  const localPoint = useCallback((clientX: number, clientY: number): Point => {
    const rect = outer.current?.getBoundingClientRect();
    return rect ? { x: clientX - rect.left, y: clientY - rect.top } : { x: 0, y: 0 };
  }, []);

  // The wheel needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const el = outer.current;
    if (!el) return undefined;
    const onWheel = (e: WheelEvent) => {
      if (e.ctrlKey && e.deltaMode !== 0) return;
      e.preventDefault();
      const factor = wheelFactor(wheelPixels(e.deltaY, e.deltaMode, boxRef.current.height || 800));
      const anchor = localPoint(e.clientX, e.clientY);
      change((v, size) => zoomBy(v, factor, anchor, size, pictureRef.current));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [change, localPoint]);

  /** Start the gesture that the pointers now down call for. */
  const regroup = () => {
    const entries = [...pointers.current.entries()];
    if (entries.length >= 2) {
      const [[idA, a], [idB, b]] = entries;
      gesture.current = { kind: 'pinch', ids: [idA, idB], start: viewRef.current, a0: a, b0: b };
    } else if (entries.length === 1) {
      const [[id, p]] = entries;
      gesture.current = { kind: 'drag', id, last: p };
    } else {
      gesture.current = { kind: 'none' };
    }
    setDragging(gesture.current.kind !== 'none');
  };

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    try {
      e.currentTarget.setPointerCapture(e.pointerId);
    } catch {
      // Synthetic or already-released pointer: tracking without capture still works.
    }
    pointers.current.set(e.pointerId, localPoint(e.clientX, e.clientY));
    regroup();
  };

  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    if (!pointers.current.has(e.pointerId)) return;
    const p = localPoint(e.clientX, e.clientY);
    pointers.current.set(e.pointerId, p);
    const g = gesture.current;
    if (g.kind === 'drag' && g.id === e.pointerId) {
      const dx = p.x - g.last.x;
      const dy = p.y - g.last.y;
      g.last = p;
      change((v, size) => panBy(v, dx, dy, size, pictureRef.current));
    } else if (g.kind === 'pinch') {
      const a1 = pointers.current.get(g.ids[0]);
      const b1 = pointers.current.get(g.ids[1]);
      if (a1 && b1) change((_, size) => pinchView(g.start, g.a0, g.b0, a1, b1, size, pictureRef.current));
    }
  };

  const onPointerEnd = (e: PointerEvent<HTMLDivElement>) => {
    if (!pointers.current.delete(e.pointerId)) return;
    try {
      e.currentTarget.releasePointerCapture(e.pointerId);
    } catch {
      // Not captured.
    }
    regroup();
  };

  const onDoubleClick = (e: { clientX: number; clientY: number }) => {
    const anchor = localPoint(e.clientX, e.clientY);
    change((v, size) =>
      v.scale > MIN_SCALE ? clampView(IDENTITY, size, pictureRef.current) : zoomAt(v, DOUBLE_CLICK_SCALE, anchor, size, pictureRef.current),
    );
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return; // the browser's own zoom and shortcuts
    const command = keyCommand(e.key, boxRef.current);
    if (!command) return;
    e.preventDefault();
    e.stopPropagation();
    change((v, size) => applyKey(v, command, size, pictureRef.current));
  };

  const zoomButton = (factor: number) => change((v, size) => zoomBy(v, factor, center(size), size, pictureRef.current));
  const reset = () => change((_, size) => clampView(IDENTITY, size, pictureRef.current));
  /** The overlay's buttons must not start a drag of the picture beneath them. */
  const stop = (e: { stopPropagation: () => void }) => e.stopPropagation();

  const zoomed = view.scale > MIN_SCALE + 1e-6;
  return (
    <Box
      ref={outer}
      tabIndex={0}
      role="group"
      aria-label={label}
      data-testid={testId}
      data-scale={view.scale.toFixed(2)}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerEnd}
      onPointerCancel={onPointerEnd}
      onDoubleClick={onDoubleClick}
      onKeyDown={onKeyDown}
      onDragStart={(e) => e.preventDefault()}
      sx={[
        {
          position: 'relative',
          overflow: 'hidden',
          touchAction: 'none',
          userSelect: 'none',
          bgcolor: '#000',
          cursor: zoomed ? (dragging ? 'grabbing' : 'grab') : 'default',
          outline: 'none',
          '&:focus-visible': { boxShadow: (theme) => `inset 0 0 0 3px ${theme.palette.primary.main}` },
        },
        ...(Array.isArray(sx) ? sx : [sx]),
      ]}
    >
      <Box
        data-testid={`${testId}-content`}
        style={{ transform: toTransform(view) }}
        sx={{ position: 'absolute', inset: 0, transformOrigin: '0 0', willChange: 'transform' }}
      >
        {children}
      </Box>
      {showControls && (
        <Paper
          elevation={0}
          onPointerDown={stop}
          onDoubleClick={stop}
          sx={{
            position: 'absolute',
            top: 8,
            right: 8,
            display: 'flex',
            alignItems: 'center',
            bgcolor: 'rgba(0,0,0,0.55)',
            color: '#fff',
            borderRadius: 5,
            px: 0.5,
          }}
        >
          <Tooltip title={t('zoom.out')}>
            <span>
              <IconButton
                size="small"
                color="inherit"
                aria-label={t('zoom.out')}
                disabled={!zoomed}
                onClick={() => zoomButton(1 / STEP_FACTOR)}
                data-testid={`${testId}-zoom-out`}
                sx={{ '&.Mui-disabled': { color: 'rgba(255,255,255,0.35)' } }}
              >
                <ZoomOutIcon fontSize="small" />
              </IconButton>
            </span>
          </Tooltip>
          <Typography
            variant="caption"
            data-testid={`${testId}-zoom-level`}
            sx={{ minWidth: 36, textAlign: 'center', fontVariantNumeric: 'tabular-nums' }}
          >
            {view.scale.toFixed(1)}×
          </Typography>
          <Tooltip title={t('zoom.in')}>
            <span>
              <IconButton
                size="small"
                color="inherit"
                aria-label={t('zoom.in')}
                disabled={view.scale >= MAX_SCALE - 1e-6}
                onClick={() => zoomButton(STEP_FACTOR)}
                data-testid={`${testId}-zoom-in`}
                sx={{ '&.Mui-disabled': { color: 'rgba(255,255,255,0.35)' } }}
              >
                <ZoomInIcon fontSize="small" />
              </IconButton>
            </span>
          </Tooltip>
          <Tooltip title={t('zoom.reset')}>
            <span>
              <IconButton
                size="small"
                color="inherit"
                aria-label={t('zoom.reset')}
                disabled={!zoomed}
                onClick={reset}
                data-testid={`${testId}-zoom-reset`}
                sx={{ '&.Mui-disabled': { color: 'rgba(255,255,255,0.35)' } }}
              >
                <CenterFocusStrongIcon fontSize="small" />
              </IconButton>
            </span>
          </Tooltip>
        </Paper>
      )}
    </Box>
  );
}
