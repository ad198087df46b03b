// Binds a <textarea> to a Y.Text: local input becomes minimal Y.Text edits
// (common prefix/suffix diff); remote edits update the field and keep the
// caret where it was relative to the text around it.
import * as Y from 'yjs';
import { ORIGIN_LOCAL } from '../domain/origins.ts';

export function diffEdit(before: string, after: string): { index: number; remove: number; insert: string } {
  let start = 0;
  const min = Math.min(before.length, after.length);
  while (start < min && before[start] === after[start]) start++;
  let end = 0;
  while (end < min - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  return { index: start, remove: before.length - start - end, insert: after.slice(start, after.length - end) };
}

export function bindTextarea(el: HTMLTextAreaElement, ytext: Y.Text, readonly: boolean) {
  el.value = ytext.toString();
  const onInput = () => {
    const { index, remove, insert } = diffEdit(ytext.toString(), el.value);
    if (remove === 0 && insert === '') return;
    ytext.doc?.transact(() => {
      if (remove > 0) ytext.delete(index, remove);
      if (insert) ytext.insert(index, insert);
    }, ORIGIN_LOCAL);
  };
  const observer = (event: Y.YTextEvent, tr: Y.Transaction) => {
    if (tr.origin === ORIGIN_LOCAL && el.value === ytext.toString()) return;
    const focused = document.activeElement === el;
    // Map the caret through the change, using the event's delta.
    let s = el.selectionStart;
    let e = el.selectionEnd;
    let pos = 0;
    for (const op of event.delta) {
      if (op.retain) pos += op.retain;
      else if (op.insert) {
        const len = typeof op.insert === 'string' ? op.insert.length : 1;
        if (pos < s) s += len;
        if (pos < e) e += len;
        pos += len;
      } else if (op.delete) {
        if (pos < s) s -= Math.min(op.delete, s - pos);
        if (pos < e) e -= Math.min(op.delete, e - pos);
      }
    }
    el.value = ytext.toString();
    if (focused) el.setSelectionRange(s, e);
  };
  if (!readonly) el.addEventListener('input', onInput);
  ytext.observe(observer);
  return () => {
    el.removeEventListener('input', onInput);
    ytext.unobserve(observer);
  };
}
