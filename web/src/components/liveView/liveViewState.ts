/**
 * The live view's pure rules: the grid layouts (1, 2 or 4 tiles), which camera each slot shows
 * (kept per tab, so a reload or a visit to another page comes back to the same wall), when a
 * tile should hold a stream open, and how far a tile may lag behind the live edge before it
 * skips ahead (a progressive MP4 keeps buffering while the tab is busy; watching a camera
 * minutes late would be misleading).
 */

export const LAYOUTS = [1, 2, 4] as const;
export type Layout = (typeof LAYOUTS)[number];

/** One camera id (or nothing) per slot of the layout. */
export type Slots = (string | null)[];

export interface LiveWall {
  layout: Layout;
  slots: Slots;
}

export const STORAGE_KEY = 'domcctv.page.liveView';

export function isLayout(value: unknown): value is Layout {
  return (LAYOUTS as readonly unknown[]).includes(value);
}

/** Grid columns of a layout: 1 → one, 2 → side by side, 4 → two by two. */
export function gridColumns(layout: Layout): number {
  return layout === 1 ? 1 : 2;
}

/** `slots` cut or padded (with empty slots) to `layout` tiles. */
export function resizeSlots(slots: Slots, layout: Layout): Slots {
  return Array.from({ length: layout }, (_, i) => slots[i] ?? null);
}

/** Slot `index` showing `cameraId` (null: none). */
export function assignSlot(slots: Slots, index: number, cameraId: string | null): Slots {
  return slots.map((id, i) => (i === index ? cameraId : id));
}

export const EMPTY_WALL: LiveWall = { layout: 1, slots: [null] };

/** The wall saved in this tab; anything unreadable gives the empty one-tile wall. */
export function parseWall(raw: string | null): LiveWall {
  if (!raw) return EMPTY_WALL;
  try {
    const data = JSON.parse(raw) as unknown;
    if (!data || typeof data !== 'object') return EMPTY_WALL;
    const { layout, slots } = data as { layout?: unknown; slots?: unknown };
    if (!isLayout(layout) || !Array.isArray(slots)) return EMPTY_WALL;
    const clean = slots.map((s) => (typeof s === 'string' && s ? s : null));
    return { layout, slots: resizeSlots(clean, layout) };
  } catch {
    return EMPTY_WALL;
  }
}

/** Drop cameras that are no longer offered (deleted, or the list changed). */
export function keepKnown(slots: Slots, known: ReadonlySet<string>): Slots {
  return slots.map((id) => (id !== null && known.has(id) ? id : null));
}

/** A tile holds its stream open only with a camera chosen and the page visible. */
export function shouldStream(cameraId: string | null, visible: boolean): boolean {
  return cameraId !== null && visible;
}

/** Lag (s) behind the buffered live edge tolerated before skipping ahead. */
export const MAX_LAG_SECONDS = 4;
/** Where a skip lands: this far (s) before the edge, so playback does not stall at once. */
export const EDGE_MARGIN_SECONDS = 0.75;

/** The time to jump to when playback lags too far behind what has arrived; null otherwise. */
export function catchUpTime(currentTime: number, bufferedEnd: number | null): number | null {
  if (bufferedEnd === null || !Number.isFinite(bufferedEnd) || !Number.isFinite(currentTime)) return null;
  if (bufferedEnd - currentTime <= MAX_LAG_SECONDS) return null;
  return Math.max(0, bufferedEnd - EDGE_MARGIN_SECONDS);
}
