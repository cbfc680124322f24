/**
 * The rules of the video settings forms, checked before asking the server (which enforces the
 * same ones: services/video_admin.py set_site_clip_window / set_company_retention), the reading
 * of a mutation's result union by __typename, and the user's-language text of a refusal. Pure, so
 * they are unit-tested without a browser.
 */
import type { ErrorMember } from '../../api/types';
import { isMessageKey, type MessageKey, type Translate } from '../../i18n';
import type { DeviceCamera, DeviceSite, PlacedCamera } from './types';

/** services/video_admin.py MAX_PRE_ROLL_SECONDS / MAX_POST_ROLL_SECONDS / MAX_RETENTION_DAYS. */
export const PRE_ROLL_MIN = 0;
export const PRE_ROLL_MAX = 300;
export const POST_ROLL_MIN = 1;
export const POST_ROLL_MAX = 600;
export const RETENTION_MIN_DAYS = 1;
export const RETENTION_MAX_DAYS = 3650;

export type Check<V, F extends string> = { ok: true; value: V } | { ok: false; errors: Partial<Record<F, MessageKey>> };

/** A whole number typed by the user ("  30 " reads as 30); null for anything else ("3.5", "1e2", "-1"). */
export function parseWholeNumber(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d{1,9}$/.test(trimmed)) return null;
  return Number(trimmed);
}

export interface ClipWindowForm {
  pre: string;
  post: string;
}

export type ClipWindowField = 'preRollSeconds' | 'postRollSeconds';

export interface ClipWindow {
  preRollSeconds: number;
  postRollSeconds: number;
}

export function validateClipWindow(form: ClipWindowForm): Check<ClipWindow, ClipWindowField> {
  const errors: Partial<Record<ClipWindowField, MessageKey>> = {};
  const pre = parseWholeNumber(form.pre);
  const post = parseWholeNumber(form.post);
  if (!form.pre.trim()) errors.preRollSeconds = 'devices.sites.required';
  else if (pre === null) errors.preRollSeconds = 'devices.sites.wholeSeconds';
  else if (pre < PRE_ROLL_MIN || pre > PRE_ROLL_MAX) errors.preRollSeconds = 'devices.sites.preRange';
  if (!form.post.trim()) errors.postRollSeconds = 'devices.sites.required';
  else if (post === null) errors.postRollSeconds = 'devices.sites.wholeSeconds';
  else if (post < POST_ROLL_MIN || post > POST_ROLL_MAX) errors.postRollSeconds = 'devices.sites.postRange';
  if (pre === null || post === null || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { preRollSeconds: pre, postRollSeconds: post } };
}

export interface RetentionForm {
  /** "Use the server default": days go back to null. */
  useDefault: boolean;
  days: string;
}

export function validateRetention(form: RetentionForm): Check<{ days: number | null }, 'days'> {
  if (form.useDefault) return { ok: true, value: { days: null } };
  if (!form.days.trim()) return { ok: false, errors: { days: 'companies.retention.required' } };
  const days = parseWholeNumber(form.days);
  if (days === null) return { ok: false, errors: { days: 'companies.retention.wholeDays' } };
  if (days < RETENTION_MIN_DAYS || days > RETENTION_MAX_DAYS) {
    return { ok: false, errors: { days: 'companies.retention.range' } };
  }
  return { ok: true, value: { days } };
}

/** The form showing the current retention (null: the server default). */
export function retentionForm(days: number | null): RetentionForm {
  return days === null ? { useDefault: true, days: '' } : { useDefault: false, days: String(days) };
}

export type Settled<S> = { ok: true; value: S } | { ok: false; error: ErrorMember };

/**
 * Branch a mutation's result union on its __typename: the named success member, or (any other
 * member) the error. Unlike api/results.ts `outcome`, this also treats members it has not heard
 * of (e.g. CameraResult's IntegrationError) as refusals rather than successes.
 */
export function settle<S extends { __typename: string }>(
  result: S | ErrorMember,
  successTypename: S['__typename'],
): Settled<S> {
  if (result.__typename === successTypename) return { ok: true, value: result as S };
  return { ok: false, error: result as ErrorMember };
}

export type RefusalScope = 'clipWindow' | 'liveCompanies' | 'retention';

/**
 * The user's-language text of a refused change: a ValidationError field gets its own text
 * (`devices.invalid.<field>.<code>`), other members one per scope and type, then one per type;
 * the server's message is the last resort.
 */
export function refusalText(scope: RefusalScope, error: ErrorMember, t: Translate): string {
  if (error.__typename === 'ValidationError') {
    for (const field of error.fields ?? []) {
      const key = `devices.invalid.${field.field}.${field.code}`;
      if (isMessageKey(key)) return t(key);
    }
    return t('devices.invalid');
  }
  for (const key of [`devices.refused.${scope}.${error.__typename}`, `devices.refused.${error.__typename}`]) {
    if (isMessageKey(key)) return t(key);
  }
  return error.message || t('common.error');
}

/** ValidationError field -> its translated text, for the inputs' helper texts. */
export function refusalFields(error: ErrorMember, t: Translate): Record<string, string> {
  const out: Record<string, string> = {};
  if (error.__typename !== 'ValidationError') return out;
  for (const field of error.fields ?? []) {
    if (field.field in out) continue;
    const key = `devices.invalid.${field.field}.${field.code}`;
    out[field.field] = isMessageKey(key) ? t(key) : field.message;
  }
  return out;
}

/**
 * Every camera once, with the site it was listed under (`Camera` has no site field: the page
 * asks `cameras(siteId:)` per site). Cameras of no site keep `site: null`; order: by site name
 * (no site last), then code.
 */
export function placeCameras(
  all: DeviceCamera[],
  bySite: { site: Pick<DeviceSite, 'id' | 'name'>; cameras: Pick<DeviceCamera, 'id'>[] }[],
): PlacedCamera[] {
  const siteOf = new Map<string, { id: string; name: string }>();
  for (const { site, cameras } of bySite) {
    for (const camera of cameras) {
      if (!siteOf.has(camera.id)) siteOf.set(camera.id, { id: site.id, name: site.name });
    }
  }
  const placed = all.map((camera) => ({ ...camera, site: siteOf.get(camera.id) ?? null }));
  return placed.sort((a, b) => {
    if (a.site && !b.site) return -1;
    if (!a.site && b.site) return 1;
    const bySiteName = (a.site?.name ?? '').localeCompare(b.site?.name ?? '');
    return bySiteName !== 0 ? bySiteName : a.code.localeCompare(b.code);
  });
}
