/**
 * The playable clips of an event side by side (stacked on narrow screens) on one timeline.
 * It owns the SyncController for the current set of clips and the requestAnimationFrame loop
 * that drives it while playing; tiles and controls only talk to the controller.
 */
import { Box } from '@mui/material';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useSession } from '../../auth/session';
import { useI18n } from '../../i18n';
import { SyncController } from './syncController';
import { TimelineControls } from './TimelineControls';
import { buildTimeline, plateMoment } from './timeline';
import type { VideoClip } from './types';
import { VideoTile } from './VideoTile';

/** Run `ctrl.tick()` on every animation frame while it plays (and only then). */
function usePlaybackLoop(ctrl: SyncController | null): void {
  useEffect(() => {
    if (!ctrl) return undefined;
    let frame = 0;
    const run = () => {
      frame = 0;
      ctrl.tick(); // may notify onChange, which then schedules the next frame itself
      if (frame === 0 && ctrl.getSnapshot().playing) frame = requestAnimationFrame(run);
    };
    const onChange = () => {
      if (ctrl.getSnapshot().playing && frame === 0) frame = requestAnimationFrame(run);
    };
    const unsubscribe = ctrl.subscribe(onChange);
    onChange();
    return () => {
      unsubscribe();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [ctrl]);
}

/** Keys that should keep their own meaning (typing, buttons, sliders, selects). */
function isInteractive(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('input, textarea, select, button, a, [role="slider"]') !== null;
}

export interface SyncedPlayerProps {
  /** READY clips with playback URLs, in display order (primary first). */
  clips: VideoClip[];
  cameraNames: Record<string, string>;
  onReload: (clipId: string) => void;
  /** Shown in the grid after the players (clips that cannot play yet), each keyed. */
  extraTiles?: ReactNode[];
}

export function SyncedPlayer({ clips, cameraNames, onReload, extraTiles = [] }: SyncedPlayerProps) {
  const { t } = useI18n();
  const { preferences } = useSession();
  const timeline = useMemo(() => buildTimeline(clips), [clips]);
  const placed = useMemo(
    () => clips.filter((clip) => timeline.tracks.some((track) => track.id === clip.id)),
    [clips, timeline],
  );
  const idsKey = placed.map((c) => c.id).join('|');
  const [ctrl, setCtrl] = useState<SyncController | null>(null);
  /** Where the previous controller was (a clip turning READY builds a new one). */
  const lastT = useRef(0);
  const autoPlayed = useRef(false);
  const tracksRef = useRef(timeline.tracks);
  tracksRef.current = timeline.tracks;

  useEffect(() => {
    const tracks = tracksRef.current;
    if (!idsKey) return undefined;
    const controller = new SyncController(tracks.map(({ offset, duration, fps }) => ({ offset, duration, fps })));
    controller.seek(lastT.current);
    const remember = controller.subscribe(() => {
      lastT.current = controller.getSnapshot().t;
    });
    setCtrl(controller);
    return () => {
      remember();
      controller.dispose();
      setCtrl((current) => (current === controller ? null : current));
    };
  }, [idsKey]);

  // Catalogue changes that keep the same clips (durations after a refetch).
  useEffect(() => {
    if (ctrl && ctrl.trackCount === timeline.tracks.length) {
      ctrl.setTracks(timeline.tracks.map(({ offset, duration, fps }) => ({ offset, duration, fps })));
    }
  }, [ctrl, timeline]);

  // The autoplay preference starts playback once, muted (browsers refuse sound without a click).
  useEffect(() => {
    if (!ctrl || autoPlayed.current || !preferences.autoPlay) return;
    autoPlayed.current = true;
    ctrl.setMuted(true);
    ctrl.play();
  }, [ctrl, preferences.autoPlay]);

  usePlaybackLoop(ctrl);

  const labels = useMemo(
    () =>
      Object.fromEntries(
        placed.map((clip) => [
          clip.id,
          `${clip.role === 'PRIMARY' ? t('event.camera') : t('event.secondary')}: ${cameraNames[clip.cameraCode] ?? clip.cameraCode}`,
        ]),
      ),
    [placed, cameraNames, t],
  );

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (!ctrl || e.ctrlKey || e.metaKey || e.altKey || isInteractive(e.target)) return;
    if (e.key === ' ' || e.key === 'k') ctrl.toggle();
    else if (e.key === ',') ctrl.step(-1);
    else if (e.key === '.') ctrl.step(1);
    else if (e.key === 'p') {
      const moment = timeline.tracks.map(plateMoment).find((m) => m !== null);
      if (moment === undefined || moment === null) return;
      ctrl.pause();
      ctrl.seek(moment);
    } else return;
    e.preventDefault();
  };

  const count = placed.length + extraTiles.length;
  return (
    <Box data-testid="video-player" onKeyDown={onKeyDown}>
      <Box
        sx={{
          display: 'grid',
          gap: 2,
          gridTemplateColumns: { xs: '1fr', md: count > 1 ? 'repeat(2, minmax(0, 1fr))' : '1fr' },
        }}
      >
        {ctrl &&
          placed.map((clip, i) => (
            <VideoTile
              key={clip.id}
              clip={clip}
              index={i}
              track={timeline.tracks[i]}
              ctrl={ctrl}
              cameraName={cameraNames[clip.cameraCode] ?? null}
              onReload={onReload}
            />
          ))}
        {extraTiles}
      </Box>
      {ctrl && <TimelineControls ctrl={ctrl} timeline={timeline} labels={labels} />}
    </Box>
  );
}
