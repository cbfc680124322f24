import { createElement, type ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { Language } from '../../api/types';
import { SessionProvider } from '../../auth/session';
import { I18nProvider } from '../../i18n';
import { ClipState, failureText } from './ClipState';
import { translator } from '../../i18n';
import type { VideoClip } from './types';

function clip(overrides: Partial<VideoClip>): VideoClip {
  return {
    id: 'VmlkZW9DbGlwOjE=',
    databaseId: 1,
    cameraCode: 'CAM-NORTE-01',
    role: 'PRIMARY',
    status: 'PENDING',
    anchorTime: '2025-03-01T11:30:10Z',
    start: null,
    end: null,
    durationSeconds: null,
    plateOffsetSeconds: null,
    failureCode: null,
    failureReason: null,
    attempts: 0,
    nextAttemptAt: null,
    sizeBytes: null,
    sha256: null,
    codec: null,
    width: null,
    height: null,
    fps: null,
    qualities: [],
    high: null,
    medium: null,
    low: null,
    plateStillUrl: null,
    downloadUrl: null,
    ...overrides,
  };
}

function render(node: ReactNode, lang: Language = 'ES'): string {
  return renderToStaticMarkup(createElement(SessionProvider, { children: createElement(I18nProvider, { lang, children: node }) }));
}

describe('ClipState', () => {
  it('shows a pending clip with its attempts, next attempt and last failure', () => {
    const html = render(
      createElement(ClipState, {
        clip: clip({
          attempts: 2,
          nextAttemptAt: '2025-03-01T11:31:00Z',
          failureCode: 'RECORDER_OFFLINE',
          failureReason: 'connect timeout',
        }),
      }),
    );
    expect(html).toContain('data-status="PENDING"');
    expect(html).toContain('Esperando al grabador');
    expect(html).toContain('Intentos: 2');
    expect(html).toContain('próximo intento 01-03-2025, 08:31:00'); // America/Santiago default
    expect(html).toContain('El grabador no respondió');
    expect(html).toContain('connect timeout');
  });

  it('explains a failure by its code with the server reason as detail, in English too', () => {
    const failed = clip({ status: 'FAILED', attempts: 8, failureCode: 'RECORDING_MISSING', failureReason: 'gap 11:30:00-11:30:40' });
    const html = render(createElement(ClipState, { clip: failed }), 'EN');
    expect(html).toContain('The video could not be captured');
    expect(html).toContain('The recorder holds no recording of that moment.');
    expect(html).toContain('Detail: gap 11:30:00-11:30:40');
    expect(html).not.toContain('data-testid="clip-retry"');
  });

  it('offers the retry button only when given one', () => {
    const failed = clip({ status: 'FAILED', failureCode: 'INTERNAL' });
    const html = render(createElement(ClipState, { clip: failed, onRetry: () => undefined }));
    expect(html).toContain('data-testid="clip-retry"');
    expect(html).toContain('Reintentar captura');
  });

  it('says when a captured clip cannot be watched (no VIEW_VIDEOS)', () => {
    const html = render(createElement(ClipState, { clip: clip({ status: 'READY' }) }));
    expect(html).toContain('No tiene permiso para ver videos.');
  });
});

describe('failureText', () => {
  it('falls back to a generic text for unknown or missing codes', () => {
    const t = translator('ES');
    expect(failureText('SOMETHING_NEW', t)).toBe('El video no se pudo obtener.');
    expect(failureText(null, t)).toBe('El video no se pudo obtener.');
    expect(failureText('NO_RECORDER', t)).toBe('La cámara no tiene un grabador configurado.');
  });
});
