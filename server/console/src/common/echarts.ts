/** ECharts with only what the console draws (line charts and the actuator timeline), on canvas. */
import { LineChart, CustomChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { onBeforeUnmount, onMounted, watch } from 'vue';
import type { Ref } from 'vue';
import { lang } from '../i18n/index.js';

echarts.use([
  LineChart,
  CustomChart,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
  CanvasRenderer,
]);

export type ChartOption = echarts.EChartsCoreOption;

/** A chart in `el`, redrawn when `option` changes, resized with the window. */
export function useChart(el: Ref<HTMLElement | undefined>, option: Ref<ChartOption>): void {
  let chart: echarts.ECharts | undefined;
  const resize = () => chart?.resize();
  const init = () => {
    chart?.dispose();
    if (!el.value) return;
    chart = echarts.init(el.value, undefined, { locale: lang.value === 'zh' ? 'ZH' : 'EN' });
    chart.setOption(option.value);
  };
  onMounted(() => {
    init();
    window.addEventListener('resize', resize);
  });
  watch(option, (o) => chart?.setOption(o, { replaceMerge: ['series'] }));
  watch(lang, init);
  onBeforeUnmount(() => {
    window.removeEventListener('resize', resize);
    chart?.dispose();
  });
}
