// Hands a text to the browser as a file download (the CSV export).
export function saveFile(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started from the click; the URL is not needed after it.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
