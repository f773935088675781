/** A reactive wall clock ticking once a second, for countdowns. */
import { onBeforeUnmount, onMounted, ref } from 'vue';

export function useNow() {
  const now = ref(Date.now());
  let timer: ReturnType<typeof setInterval> | undefined;
  onMounted(() => (timer = setInterval(() => (now.value = Date.now()), 1000)));
  onBeforeUnmount(() => clearInterval(timer));
  return now;
}
