// The portal builds to web/dist, which the hub serves at "/" (config web_root). No source maps in
// the served build; assets are named by content hash so the hub may cache them for a year.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: { outDir: 'dist', assetsDir: 'assets', sourcemap: false, target: 'es2020' },
  server: {
    // `npx vite` for development: the API from a running hub (`renkei demo`) on the same origin.
    proxy: { '/v1': 'http://127.0.0.1:8080', '/api': 'http://127.0.0.1:8080', '/oidc': 'http://127.0.0.1:8080' },
  },
});
