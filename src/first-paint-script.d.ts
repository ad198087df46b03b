/** src/first-paint.js as text, from the one read of it that the CSP's hash is made of (vite.config.ts). */
declare module 'virtual:first-paint-script' {
  const script: string;
  export default script;
}
