// The app renders in the browser only: it must start from the device with no network.
export const ssr = false;
export const prerender = false;
