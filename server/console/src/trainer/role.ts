/** Who is logged in on a staff page, shared by its views. */
import { ref } from 'vue';

export const staffRole = ref<'examiner' | 'trainer' | null>(null);
