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

/**
 * An item of a list (ids in the order shown) was removed from under the focus: once the page has updated, the focus
 * goes to the item after it (or, it being the last, the one before), at the element `idOf` names, else to the first of
 * `fallbacks` that is there.
 */
export function focusNeighbour(order: readonly string[], removed: string, idOf: (id: string) => string, ...fallbacks: string[]): Promise<void> {
  const at = order.indexOf(removed);
  const next = at < 0 ? undefined : (order[at + 1] ?? order[at - 1]);
  return focusById(...(next ? [idOf(next)] : []), ...fallbacks);
}

/**
 * After "Vis flere" under a list: the first newly shown item's link takes the focus, where reading goes on (the
 * button itself goes once all are shown).
 */
export async function focusFirstNewItem(list: Element | null, shownBefore: number): Promise<void> {
  await tick();
  list?.children[shownBefore]?.querySelector<HTMLElement>('a, button')?.focus();
}

/**
 * For a form that can be opened from several buttons (a row's "Rediger", "Ny …"): remembers which one had the focus
 * when it opened, to give it back when the form closes.
 */
export function formFocus() {
  let opener: HTMLElement | null = null;
  return {
    /** The form is opening: its field with the id `first` takes the focus. */
    opened(first: string): void {
      opener = focusedElement();
      void focusById(first);
    },
    /**
     * The form has closed: the focus goes back to what opened it, or, if that is gone (redrawn while the form was
     * open), to the first element there of these ids.
     */
    async closed(...fallbacks: string[]): Promise<void> {
      await tick();
      if (opener?.isConnected) opener.focus();
      else await focusById(...fallbacks);
    }
  };
}

/** The element with the focus now (not the page itself). */
function focusedElement(): HTMLElement | null {
  const el = document.activeElement;
  return el instanceof HTMLElement && el !== document.body ? el : null;
}

/**
 * Before a change started from a button that is disabled while it runs, or goes when it is done; call what it returns
 * once the change is done. The focus comes back to that button, or else to the first control (or the heading, or the
 * card itself) of the innermost card around it that is still there, unless the person (or a form that opened) has put
 * it somewhere meanwhile.
 */
export function holdFocus(): () => Promise<void> {
  const pressed = focusedElement();
  const cards: Element[] = [];
  for (let el = pressed?.closest('section, main'); el; el = el.parentElement?.closest('section, main')) cards.push(el);
  return async () => {
    await tick();
    const active = document.activeElement;
    if (active && active !== document.body) return;
    if (pressed?.isConnected && !pressed.matches(':disabled')) return pressed.focus();
    const card = cards.find((c) => c.isConnected);
    if (card) (card.querySelector<HTMLElement>(FIELDS) ?? headingOf(card)).focus();
  };
}

/**
 * A card's heading, or the card itself when it has none (a card named by its label), focusable from script (not by
 * Tab), for when nothing in the card is left to focus.
 */
function headingOf(card: Element): HTMLElement {
  const heading = card.querySelector<HTMLElement>('h1, h2, h3') ?? (card as HTMLElement);
  if (!heading.hasAttribute('tabindex')) heading.tabIndex = -1;
  return heading;
}
