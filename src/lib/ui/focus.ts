// Where the keyboard's focus goes when a form opens or closes in place. A form that replaces the button that opened
// it takes that button away from under the focus, and the browser drops focus to the page's start: a keyboard had
// to tab through the whole plan again to reach the form it had just opened, and a screen reader said nothing.

import { tick } from 'svelte';

const FIELDS = 'input:not([type="hidden"]):not(:disabled), select:not(:disabled), textarea:not(:disabled), button:not(:disabled)';

/** An attachment (`{@attach focusFirstField}`) for a form opened by a button press: its first field takes the focus. */
export function focusFirstField(node: HTMLElement): void {
  node.querySelector<HTMLElement>(FIELDS)?.focus();
}

/**
 * Once the page has updated, focus the first of these elements that is there: the button that comes back when a
 * form closes, or the field to start in when an editor opens in several parts.
 */
export async function focusById(...ids: string[]): Promise<void> {
  await tick();
  for (const id of ids) {
    const el = document.getElementById(id);
    if (el) {
      el.focus();
      return;
    }
  }
}
