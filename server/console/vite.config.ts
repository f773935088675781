/**
 * The console's build: one page per role (candidate, examiner, trainer, slips) plus the index,
 * Vue 3 single-file components, everything bundled into dist/console (nothing from a CDN, no
 * fonts or scripts fetched at run time). server/console.ts serves the pages at /candidate,
 * /examiner, /trainer, /slips and the bundles under /console/.
 */
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/console/',
  plugins: [vue()],
  // vue-i18n's runtime build: messages are plain strings, compiled ahead of time by nobody, so
  // the CSP needs no 'unsafe-eval'.
  resolve: { alias: { 'vue-i18n': 'vue-i18n/dist/vue-i18n.runtime.esm-bundler.js' } },
  define: {
    __VUE_I18N_FULL_INSTALL__: false,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
    __VUE_OPTIONS_API__: false,
    __VUE_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
  },
  build: {
    outDir: here('../../dist/console'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
    rollupOptions: {
      input: {
        index: here('index.html'),
        candidate: here('candidate.html'),
        examiner: here('examiner.html'),
        trainer: here('trainer.html'),
        slips: here('slips.html'),
      },
    },
  },
});
