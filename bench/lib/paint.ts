// In a page under measurement (an init script): when something is on screen,
// on the page's own clock, without a round trip over the DevTools protocol.
//  - window.__paint(): performance.now() in the task after the next frame;
//  - window.__watchFor(check): that time for the first frame after the DOM
//    made check() true (checked at once and at every DOM mutation).
export const PAINT_WATCH = `
  window.__paint = () => new Promise((r) => requestAnimationFrame(() => {
    const c = new MessageChannel();
    c.port1.onmessage = () => r(performance.now());
    c.port2.postMessage(0);
  }));
  window.__watchFor = (check) => new Promise((res) => {
    let fired = false;
    const done = () => { if (fired) return; fired = true; obs.disconnect(); window.__paint().then(res); };
    const obs = new MutationObserver(() => { if (check()) done(); });
    obs.observe(document, { childList: true, subtree: true, characterData: true });
    if (check()) done();
  });
`;
