/** Mounts a role's page: Vue, vue-i18n, Element Plus (its styles bundled, not fetched) and ours. */
import type { Component } from 'vue';
import { createApp } from 'vue';
import ElementPlus from 'element-plus';
import 'element-plus/dist/index.css';
import type { Router } from 'vue-router';
import { i18n } from '../i18n/index.js';
import './style.css';

export function mountPage(root: Component, router?: Router): void {
  const app = createApp(root);
  app.use(i18n);
  app.use(ElementPlus);
  if (router) app.use(router);
  app.mount('#app');
}
