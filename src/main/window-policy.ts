// Which browser permissions the Presence window gets: the camera, for our own page, and nothing else
// (no microphone, geolocation, notifications, USB...). Pure, so it is tested without Electron.

export function decidePermission(
  permission: string,
  requestingUrl: string,
  isTrusted: (url: string) => boolean,
  mediaTypes?: ReadonlyArray<string>,
): boolean {
  if (!isTrusted(requestingUrl)) return false;
  if (permission !== 'media') return false;
  // A request that names its media types must ask for video alone; a permission check names none.
  return mediaTypes === undefined || (mediaTypes.length > 0 && mediaTypes.every((t) => t === 'video'));
}
