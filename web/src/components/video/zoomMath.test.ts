import { describe, expect, it } from 'vitest';
import {
  IDENTITY,
  MAX_SCALE,
  applyKey,
  clampScale,
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
  type View,
} from './zoomMath';

const box = { width: 400, height: 300 };
/** A 4:3 picture fills the 400x300 box exactly. */
const full = containRect(box, { width: 800, height: 600 });
/** A 16:9 picture in the same box: letterboxed top and bottom. */
const wide = containRect(box, { width: 1600, height: 900 });

/** Where a point of the unscaled wrapper is drawn on screen. */
const screen = (v: View, p: Point): Point => ({ x: v.x + v.scale * p.x, y: v.y + v.scale * p.y });

describe('containRect', () => {
  it('fits the picture like object-fit: contain', () => {
    expect(full).toEqual({ x: 0, y: 0, width: 400, height: 300 });
    expect(wide).toEqual({ x: 0, y: 37.5, width: 400, height: 225 });
    expect(containRect(box, { width: 300, height: 600 })).toEqual({ x: 125, y: 0, width: 150, height: 300 });
  });

  it('falls back to the whole box while the natural size is unknown', () => {
    expect(containRect(box, null)).toEqual({ x: 0, y: 0, width: 400, height: 300 });
    expect(containRect(box, { width: 0, height: 0 })).toEqual({ x: 0, y: 0, width: 400, height: 300 });
    expect(containRect({ width: 0, height: 0 }, { width: 10, height: 10 })).toEqual({ x: 0, y: 0, width: 0, height: 0 });
  });
});

describe('clampScale', () => {
  it('keeps the scale between 1x and 10x', () => {
    expect(clampScale(0.2)).toBe(1);
    expect(clampScale(3)).toBe(3);
    expect(clampScale(25)).toBe(MAX_SCALE);
    expect(clampScale(Number.NaN)).toBe(1);
    expect(clampScale(Number.POSITIVE_INFINITY)).toBe(1);
  });
});

describe('clampView', () => {
  it('pins an unzoomed view to the origin', () => {
    expect(clampView({ scale: 1, x: 50, y: -20 }, box, full)).toEqual(IDENTITY);
    expect(clampView({ scale: 0.5, x: 0, y: 0 }, box, full)).toEqual(IDENTITY);
  });

  it('never shows past the picture edges when zoomed', () => {
    // At 2x the wrapper is 800x600: x in [-400, 0], y in [-300, 0].
    expect(clampView({ scale: 2, x: 100, y: 100 }, box, full)).toEqual({ scale: 2, x: 0, y: 0 });
    expect(clampView({ scale: 2, x: -1000, y: -1000 }, box, full)).toEqual({ scale: 2, x: -400, y: -300 });
    expect(clampView({ scale: 2, x: -123, y: -45 }, box, full)).toEqual({ scale: 2, x: -123, y: -45 });
  });

  it('clamps to the picture, not to its letterbox bars', () => {
    // 16:9 at 2x: picture is 800x450 starting at y = 75 (scaled); the viewport is 300 high.
    const top = clampView({ scale: 2, x: 0, y: 0 }, box, wide);
    expect(top.y).toBe(-75); // the bar above the picture is not reachable
    const bottom = clampView({ scale: 2, x: 0, y: -1000 }, box, wide);
    expect(bottom.y).toBe(300 - 2 * (37.5 + 225)); // -225: picture bottom at the viewport bottom
  });

  it('centres an axis along which the zoomed picture is still smaller than the viewport', () => {
    // 16:9 at 1.2x: picture height 270 < 300, so it stays centred vertically whatever y asked.
    const v = clampView({ scale: 1.2, x: 0, y: 999 }, box, wide);
    const topEdge = screen(v, { x: 0, y: wide.y }).y;
    const bottomEdge = screen(v, { x: 0, y: wide.y + wide.height }).y;
    expect(topEdge).toBeCloseTo(300 - bottomEdge, 9);
  });

  it('repairs non-finite offsets', () => {
    expect(clampView({ scale: 2, x: Number.NaN, y: Number.POSITIVE_INFINITY }, box, full)).toEqual({ scale: 2, x: 0, y: 0 });
  });
});

describe('zoomAt / zoomBy', () => {
  it('keeps the content under the cursor in place', () => {
    const cursor = { x: 100, y: 200 };
    const before = { x: (cursor.x - IDENTITY.x) / IDENTITY.scale, y: (cursor.y - IDENTITY.y) / IDENTITY.scale };
    const v = zoomAt(IDENTITY, 3, cursor, box, full);
    expect(v.scale).toBe(3);
    const after = screen(v, before);
    expect(after.x).toBeCloseTo(cursor.x, 9);
    expect(after.y).toBeCloseTo(cursor.y, 9);
  });

  it('keeps the anchor fixed across successive zooms from a panned view', () => {
    const v1 = zoomAt(IDENTITY, 2, { x: 300, y: 100 }, box, full);
    const anchor = { x: 250, y: 150 };
    const content = { x: (anchor.x - v1.x) / v1.scale, y: (anchor.y - v1.y) / v1.scale };
    const v2 = zoomBy(v1, 1.5, anchor, box, full);
    const after = screen(v2, content);
    expect(after.x).toBeCloseTo(anchor.x, 9);
    expect(after.y).toBeCloseTo(anchor.y, 9);
  });

  it('clamps at 10x and back to the identity at 1x', () => {
    expect(zoomAt(IDENTITY, 50, { x: 10, y: 10 }, box, full).scale).toBe(10);
    const zoomed = zoomAt(IDENTITY, 4, { x: 390, y: 290 }, box, full);
    expect(zoomAt(zoomed, 0.1, { x: 5, y: 5 }, box, full)).toEqual(IDENTITY);
  });

  it('zooming at a corner does not reveal anything outside the picture', () => {
    const v = zoomAt(IDENTITY, 2, { x: 0, y: 0 }, box, full);
    expect(v).toEqual({ scale: 2, x: 0, y: 0 });
    const w = zoomAt(IDENTITY, 2, { x: 400, y: 300 }, box, full);
    expect(w).toEqual({ scale: 2, x: -400, y: -300 });
  });
});

describe('panBy', () => {
  it('moves within the picture and stops at its edges', () => {
    const v = { scale: 2, x: -200, y: -150 };
    expect(panBy(v, 50, -20, box, full)).toEqual({ scale: 2, x: -150, y: -170 });
    expect(panBy(v, 1000, 1000, box, full)).toEqual({ scale: 2, x: 0, y: 0 });
    expect(panBy(v, -1000, -1000, box, full)).toEqual({ scale: 2, x: -400, y: -300 });
  });

  it('does nothing at 1x', () => {
    expect(panBy(IDENTITY, 80, 80, box, full)).toEqual(IDENTITY);
  });
});

describe('pinchView', () => {
  it('scales with the finger distance around their midpoint', () => {
    const a0 = { x: 150, y: 150 };
    const b0 = { x: 250, y: 150 };
    const a1 = { x: 100, y: 150 };
    const b1 = { x: 300, y: 150 };
    const v = pinchView(IDENTITY, a0, b0, a1, b1, box, full);
    expect(v.scale).toBeCloseTo(2, 9);
    const mid = screen(v, { x: 200, y: 150 });
    expect(mid.x).toBeCloseTo(200, 9);
    expect(mid.y).toBeCloseTo(150, 9);
  });

  it('pans when both fingers move together', () => {
    const start = { scale: 2, x: -200, y: -150 };
    const v = pinchView(start, { x: 100, y: 100 }, { x: 200, y: 100 }, { x: 130, y: 90 }, { x: 230, y: 90 }, box, full);
    expect(v).toEqual({ scale: 2, x: -170, y: -160 });
  });

  it('clamps the scale and survives coincident start pointers', () => {
    const p = { x: 10, y: 10 };
    expect(pinchView(IDENTITY, p, p, { x: 0, y: 0 }, { x: 300, y: 300 }, box, full)).toEqual(IDENTITY);
    const v = pinchView(IDENTITY, { x: 199, y: 150 }, { x: 201, y: 150 }, { x: 0, y: 150 }, { x: 400, y: 150 }, box, full);
    expect(v.scale).toBe(MAX_SCALE);
  });
});

describe('wheel', () => {
  it('normalises line and page deltas to pixels', () => {
    expect(wheelPixels(3, 0, 800)).toBe(3);
    expect(wheelPixels(3, 1, 800)).toBe(48);
    expect(wheelPixels(1, 2, 800)).toBe(800);
  });

  it('zooms in when scrolling up, out when down, within 0.5x-2x per event', () => {
    expect(wheelFactor(-100)).toBeGreaterThan(1);
    expect(wheelFactor(100)).toBeLessThan(1);
    expect(wheelFactor(100) * wheelFactor(-100)).toBeCloseTo(1, 12);
    expect(wheelFactor(-100000)).toBe(2);
    expect(wheelFactor(100000)).toBe(0.5);
    expect(wheelFactor(Number.NaN)).toBe(1);
  });
});

describe('keyboard', () => {
  it('maps +, -, 0 and the arrows', () => {
    expect(keyCommand('+', box)).toEqual({ kind: 'zoom', factor: 1.25 });
    expect(keyCommand('=', box)).toEqual({ kind: 'zoom', factor: 1.25 });
    expect(keyCommand('-', box)).toEqual({ kind: 'zoom', factor: 0.8 });
    expect(keyCommand('0', box)).toEqual({ kind: 'reset' });
    expect(keyCommand('ArrowLeft', box)).toEqual({ kind: 'pan', dx: 40, dy: 0 });
    expect(keyCommand('ArrowRight', box)).toEqual({ kind: 'pan', dx: -40, dy: 0 });
    expect(keyCommand('ArrowUp', box)).toEqual({ kind: 'pan', dx: 0, dy: 30 });
    expect(keyCommand('ArrowDown', box)).toEqual({ kind: 'pan', dx: 0, dy: -30 });
    expect(keyCommand('a', box)).toBeNull();
    expect(keyCommand(' ', box)).toBeNull();
  });

  it('zooms around the centre, pans and resets', () => {
    const zoomed = applyKey(IDENTITY, { kind: 'zoom', factor: 2 }, box, full);
    expect(zoomed).toEqual({ scale: 2, x: -200, y: -150 });
    const left = applyKey(zoomed, keyCommand('ArrowLeft', box)!, box, full);
    expect(left.x).toBe(-160);
    expect(applyKey(left, { kind: 'reset' }, box, full)).toEqual(IDENTITY);
  });
});

describe('helpers', () => {
  it('compares views with a tolerance and renders the CSS transform', () => {
    expect(sameView({ scale: 2, x: 1, y: 1 }, { scale: 2, x: 1 + 1e-9, y: 1 })).toBe(true);
    expect(sameView({ scale: 2, x: 1, y: 1 }, { scale: 2.1, x: 1, y: 1 })).toBe(false);
    expect(toTransform({ scale: 2, x: -10, y: 5 })).toBe('translate(-10px, 5px) scale(2)');
  });
});
