// The CommonJS bundle: `echarts/core` and its parts are ES modules only, which Node 20 before 20.19 and
// jest cannot require.
import * as echarts from 'echarts';

/**
 * Charts as SVG strings, rendered on the server (ECharts server-side rendering: no browser, no
 * canvas), so an email, a page and the console show the same picture. No animation: a static file.
 */
export function renderSvgChart(option: echarts.EChartsOption, width = 560, height = 260): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

