/**
 * Pure zoom/pan geometry shared by every zoomable view (video tiles, the picture viewer).
 *
 * A view is `translate(x, y) scale(s)` with transform-origin 0 0 on a wrapper the size of the
 * viewport, so a point p of the unscaled wrapper appears at `x + s * p` on screen. The picture
 * inside the wrapper is drawn with object-fit: contain, so it may not fill it; panning is clamped
 * to the *picture* (never to its letterbox bars): along an axis where the zoomed picture is
 * larger than the viewport its edges may not come inside the viewport, and along an axis where
 * it is smaller it stays centred. Keeping this math pure keeps the component a thin event layer
 * and lets the tests pin every edge case.
 */

export interface Size {
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface Rect extends Point, Size {}

export interface View {
  scale: number;
  x: number;
  y: number;
}

export const MIN_SCALE = 1;
export const MAX_SCALE = 10;
/** One click on +/− or one key press. */
export const STEP_FACTOR = 1.25;
/** Arrow keys pan by this share of the viewport. */
export const KEY_PAN_SHARE = 0.1;
export const IDENTITY: View = { scale: 1, x: 0, y: 0 };

const clamp = (value: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, value));

export function clampScale(scale: number): number {
  if (!Number.isFinite(scale)) return MIN_SCALE;
  return clamp(scale, MIN_SCALE, MAX_SCALE);
}

/** Where a picture of `natural` size is drawn inside `box` with object-fit: contain. Without a
 * known natural size (not loaded yet) the picture is taken to fill the box. */
export function containRect(box: Size, natural: Size | null | undefined): Rect {
  if (!natural || natural.width <= 0 || natural.height <= 0 || box.width <= 0 || box.height <= 0) {
    return { x: 0, y: 0, width: Math.max(0, box.width), height: Math.max(0, box.height) };
  }
  const fit = Math.min(box.width / natural.width, box.height / natural.height);
  const width = natural.width * fit;
  const height = natural.height * fit;
  return { x: (box.width - width) / 2, y: (box.height - height) / 2, width, height };
}

function clampAxis(offset: number, scale: number, viewport: number, start: number, length: number): number {
  const scaled = scale * length;
  const value =
    scaled <= viewport
      ? (viewport - scaled) / 2 - scale * start // centred
      : clamp(offset, viewport - scale * (start + length), -scale * start);
  return value === 0 ? 0 : value; // no -0 in the CSS or in comparisons
}

/** The nearest valid view: scale within 1x-10x, picture covering (or centred in) the viewport. */
export function clampView(view: View, box: Size, picture: Rect): View {
  const scale = clampScale(view.scale);
  const x = Number.isFinite(view.x) ? view.x : 0;
  const y = Number.isFinite(view.y) ? view.y : 0;
  return {
    scale,
    x: clampAxis(x, scale, box.width, picture.x, picture.width),
    y: clampAxis(y, scale, box.height, picture.y, picture.height),
  };
}

/** Zoom to `scale` keeping the content under `anchor` (viewport coordinates) where it is. */
export function zoomAt(view: View, scale: number, anchor: Point, box: Size, picture: Rect): View {
  const next = clampScale(scale);
  const px = (anchor.x - view.x) / view.scale;
  const py = (anchor.y - view.y) / view.scale;
  return clampView({ scale: next, x: anchor.x - next * px, y: anchor.y - next * py }, box, picture);
}

export function zoomBy(view: View, factor: number, anchor: Point, box: Size, picture: Rect): View {
  return zoomAt(view, view.scale * factor, anchor, box, picture);
}

export function panBy(view: View, dx: number, dy: number, box: Size, picture: Rect): View {
  return clampView({ scale: view.scale, x: view.x + dx, y: view.y + dy }, box, picture);
}

export function center(box: Size): Point {
  return { x: box.width / 2, y: box.height / 2 };
}

function midpoint(a: Point, b: Point): Point {
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/**
 * Two-finger pinch: from the view at the start of the gesture and both pointers then (a0, b0)
 * and now (a1, b1). The scale follows the change of finger distance and the content point that
 * was under the fingers' midpoint stays under their midpoint (so moving both fingers pans).
 */
export function pinchView(start: View, a0: Point, b0: Point, a1: Point, b1: Point, box: Size, picture: Rect): View {
  const d0 = distance(a0, b0);
  const d1 = distance(a1, b1);
  const scale = clampScale(d0 > 0 ? (start.scale * d1) / d0 : start.scale);
  const m0 = midpoint(a0, b0);
  const m1 = midpoint(a1, b1);
  const px = (m0.x - start.x) / start.scale;
  const py = (m0.y - start.y) / start.scale;
  return clampView({ scale, x: m1.x - scale * px, y: m1.y - scale * py }, box, picture);
}

/** Pixels a wheel event scrolled (DOM deltaMode: 0 pixels, 1 lines, 2 pages). */
export function wheelPixels(deltaY: number, deltaMode: number, pageHeight: number): number {
  if (deltaMode === 1) return deltaY * 16;
  if (deltaMode === 2) return deltaY * pageHeight;
  return deltaY;
}

/** Zoom factor of one wheel event: scrolling up zooms in; one event never more than 2x. */
export function wheelFactor(pixels: number): number {
  if (!Number.isFinite(pixels)) return 1;
  return clamp(Math.exp(-pixels * 0.002), 0.5, 2);
}

export type KeyCommand =
  | { kind: 'zoom'; factor: number }
  | { kind: 'reset' }
  | { kind: 'pan'; dx: number; dy: number };

/** What a key does when the viewer has focus (null: not ours, let it through). Arrow keys move
 * the view towards that side of the picture. */
export function keyCommand(key: string, box: Size): KeyCommand | null {
  const stepX = box.width * KEY_PAN_SHARE;
  const stepY = box.height * KEY_PAN_SHARE;
  switch (key) {
    case '+':
    case '=':
      return { kind: 'zoom', factor: STEP_FACTOR };
    case '-':
    case '_':
      return { kind: 'zoom', factor: 1 / STEP_FACTOR };
    case '0':
      return { kind: 'reset' };
    case 'ArrowLeft':
      return { kind: 'pan', dx: stepX, dy: 0 };
    case 'ArrowRight':
      return { kind: 'pan', dx: -stepX, dy: 0 };
    case 'ArrowUp':
      return { kind: 'pan', dx: 0, dy: stepY };
    case 'ArrowDown':
      return { kind: 'pan', dx: 0, dy: -stepY };
    default:
      return null;
  }
}

export function applyKey(view: View, command: KeyCommand, box: Size, picture: Rect): View {
  if (command.kind === 'reset') return clampView(IDENTITY, box, picture);
  if (command.kind === 'zoom') return zoomBy(view, command.factor, center(box), box, picture);
  return panBy(view, command.dx, command.dy, box, picture);
}

export function sameView(a: View, b: View): boolean {
  return Math.abs(a.scale - b.scale) < 1e-9 && Math.abs(a.x - b.x) < 1e-6 && Math.abs(a.y - b.y) < 1e-6;
}

export function toTransform(view: View): string {
  return `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
}
