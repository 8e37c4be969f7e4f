// Reads QR codes from the phone's camera with jsQR (vendored, loaded as a classic script:
// window.jsQR), frame by frame, until `found(text)` accepts one or the scan is stopped.

const SCAN_EVERY_MS = 150;

export class CameraUnavailable extends Error {}

/**
 * Starts the rear camera in `video` and calls `found(text)` for each code read; stops by
 * itself when `found` returns true. Returns a function that stops the scan. Throws
 * CameraUnavailable when the browser has no camera or the holder refused it.
 */
export async function scanQr(video, canvas, found) {
  if (!navigator.mediaDevices?.getUserMedia || !window.jsQR) throw new CameraUnavailable();
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia(
      { video: { facingMode: "environment" }, audio: false });
  } catch {
    throw new CameraUnavailable();
  }
  video.srcObject = stream;
  await video.play();
  let timer = null;
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = null;
    stream.getTracks().forEach((track) => track.stop());
    video.srcObject = null;
  };
  timer = setInterval(() => {
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (!timer || video.readyState < 2 || !w || !h) return;
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(video, 0, 0, w, h);
    const code = window.jsQR(ctx.getImageData(0, 0, w, h).data, w, h,
      { inversionAttempts: "attemptBoth" });
    if (code?.data && found(code.data)) stop();
  }, SCAN_EVERY_MS);
  return stop;
}
