// For tools that read .ts without Vue's compiler (ESLint's type information); vue-tsc and Vite
// resolve .vue files themselves and take the component's real types.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent;
  export default component;
}
