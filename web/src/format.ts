/** Pure formatting helpers (dates in the user's time zone, plates, numbers). */
import type { Language } from './api/types';

const LOCALES: Record<Language, string> = { ES: 'es-CL', EN: 'en-GB' };

export function locale(lang: Language): string {
  return LOCALES[lang];
}

/** "24-11-2026, 17:44:48" (es) in the given IANA zone; "—" for missing values. */
export function formatDateTime(
  iso: string | null | undefined,
  timeZone: string,
  lang: Language,
  withSeconds = true,
): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(LOCALES[lang], {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: withSeconds ? '2-digit' : undefined,
    hour12: false,
  }).format(date);
}

/** A calendar date (YYYY-MM-DD, no zone) shown as dd-mm-yyyy / dd/mm/yyyy. */
export function formatDate(value: string | null | undefined, lang: Language): string {
  if (!value) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return value;
  return lang === 'ES' ? `${m[3]}-${m[2]}-${m[1]}` : `${m[3]}/${m[2]}/${m[1]}`;
}

/** ANPR confidence 0-100 with one decimal: "91,5 %" (es) / "91.5%" (en). */
export function formatConfidence(value: number, lang: Language): string {
  const n = new Intl.NumberFormat(LOCALES[lang], {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(value);
  return lang === 'ES' ? `${n} %` : `${n}%`;
}

export function formatBytes(bytes: number, lang: Language): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 ? 0 : 1;
  return `${new Intl.NumberFormat(LOCALES[lang], { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
}

export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${m}:${ss}`;
}

/** What a person types as a plate ("hj-kl 42", "HJ·KL·42") reduced to its characters: HJKL42. */
export function normalizePlateInput(text: string): string {
  return text.toUpperCase().replace(/[^A-Z0-9Ñ]/g, '');
}

/** Plates from a free list ("HJKL42, kbwz93\nFK1234") for the live plate watch. */
export function parsePlateList(text: string): string[] {
  const plates = text
    .split(/[\s,;]+/)
    .map(normalizePlateInput)
    .filter((p) => p.length > 0);
  return [...new Set(plates)];
}

/** The wall clock of an instant in `timeZone`, each part zero-padded ("2025", "03", "08"). */
export interface WallClock {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

/** The wall clock of the instant `epochMs` in `timeZone` (the user's zone, not the browser's). */
export function wallClock(epochMs: number, timeZone: string): WallClock {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(epochMs));
  const get = (type: keyof WallClock) => parts.find((p) => p.type === type)?.value ?? '00';
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** Offset (ms) of `timeZone` from UTC at the instant `utcMs`. */
function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const w = wallClock(utcMs, timeZone);
  const asUtc = Date.UTC(+w.year, +w.month - 1, +w.day, +w.hour, +w.minute, +w.second);
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/**
 * A wall-clock time typed in a datetime-local input ("2025-03-01T08:30"), read in the user's
 * preferred zone (not the browser's), as an ISO UTC instant for the API. Null if empty/invalid.
 */
export function zonedLocalToUtcIso(local: string, timeZone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(local.trim());
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
  let guess = wall - zoneOffsetMs(wall, timeZone);
  // Second pass settles instants next to a DST change.
  guess = wall - zoneOffsetMs(guess, timeZone);
  return new Date(guess).toISOString();
}

/** Pretty JSON for the audit viewer ("—" for null). */
export function prettyJson(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2);
}

/** Keys whose values differ between two JSON objects (audit before/after). */
export function changedKeys(before: unknown, after: unknown): string[] {
  const a = before && typeof before === 'object' ? (before as Record<string, unknown>) : {};
  const b = after && typeof after === 'object' ? (after as Record<string, unknown>) : {};
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}
