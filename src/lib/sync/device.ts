// A stable, random id for this browser profile: the audit log names the device.
export function deviceId(): string {
  const key = 'fp-device-id';
  let id = localStorage.getItem(key);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(key, id);
  }
  return id;
}
