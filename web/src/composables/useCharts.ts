import { onBeforeUnmount, onMounted } from 'vue'
import * as echarts from 'echarts/core'

/**
 * Charts kept by key across refreshes (a wall screen refreshes all day): one ECharts instance
 * per element, redrawn in place, resized with the window and disposed with the component.
 * `base` is merged under every option (e.g. the wall's text colour).
 */
export function useCharts(base: () => echarts.EChartsCoreOption = () => ({})) {
  const charts = new Map<string, echarts.ECharts>()

  function chart(key: string, el: HTMLDivElement | undefined, option: echarts.EChartsCoreOption, init?: (c: echarts.ECharts) => void) {
    if (!el) return
    let c = charts.get(key)
    if (!c || c.getDom() !== el) {
      c?.dispose()
      c = echarts.init(el)
      init?.(c)
      charts.set(key, c)
    }
    c.setOption({ animation: false, ...base(), ...option }, true)
  }

  const resize = () => charts.forEach((c) => c.resize())
  onMounted(() => window.addEventListener('resize', resize))
  onBeforeUnmount(() => {
    window.removeEventListener('resize', resize)
    charts.forEach((c) => c.dispose())
    charts.clear()
  })
  return { chart }
}
