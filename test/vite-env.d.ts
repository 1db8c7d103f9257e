/** Vite's `?url` imports (a file's served URL; in Node tests, its path), for the Node world's typecheck. */
declare module '*?url' {
  const url: string;
  export default url;
}
