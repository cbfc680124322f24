/** Saving the frame on screen of a <video> as a PNG, at the video's own resolution (never the
 * zoomed, scaled view: evidence stills keep every decoded pixel). */

export class StillError extends Error {
  override name = 'StillError';
}

/** Draw the current frame to a canvas the size of the decoded video. */
export function frameCanvas(video: HTMLVideoElement): HTMLCanvasElement {
  const width = video.videoWidth;
  const height = video.videoHeight;
  if (!width || !height) throw new StillError('The video has no frame yet');
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) throw new StillError('Canvas 2D is not available');
  context.drawImage(video, 0, 0, width, height);
  return canvas;
}

/** Offer a blob as a file download. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Revoke later: some browsers start reading the object URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

export function downloadStill(video: HTMLVideoElement, fileName: string): Promise<void> {
  const canvas = frameCanvas(video);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => {
      if (!blob) {
        reject(new StillError('The frame could not be encoded'));
        return;
      }
      saveBlob(blob, fileName);
      resolve();
    }, 'image/png');
  });
}
