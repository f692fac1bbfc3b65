// The briefing pages mounted as a browser would show them, on an API that answers from here:
// the editor adds an excerpt and saves the whole document; the reader offers 批示 to leaders.
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { RouterView, createMemoryHistory, createRouter } from 'vue-router'

import type { Me, Permission } from '../src/api/types'
import type { Briefing, Excerpt } from '../src/lib/briefings'

const api = vi.hoisted(() => ({ get: vi.fn(), post: vi.fn(), put: vi.fn(), patch: vi.fn(), delete: vi.fn(), upload: vi.fn() }))
vi.mock('../src/api/client', async (original) => ({ ...(await original<typeof import('../src/api/client')>()), api }))

const { i18n } = await import('../src/i18n')
const { useSession } = await import('../src/stores/session')
const BriefingView = (await import('../src/views/BriefingView.vue')).default

const briefing = (extra: Partial<Briefing> = {}): Briefing => ({
  id: 'b1', title: '要情摘报 2026-12-07', day: '2026-12-07', state: 'draft', item_count: 0, instruction_count: 0,
  created_by_name: '班长赵敏', created_at: '2026-12-07T09:00:00Z', published_at: null, published_by_name: null,
  foreword: '', version: 1, items: [], ...extra,
})

const excerpt: Excerpt = {
  ticket_id: 't1', number: '2026120700001', title: '东华门大街供水管道爆裂', excerpt: '周边两千户停水，正在抢修。', state: 'dispatched',
  category_path: '城乡建设 / 供水', created_at: '2026-12-07T08:00:00Z', briefing_id: null,
}

function signIn(permissions: Permission[]) {
  const session = useSession()
  session.me = {
    user: { id: 'u', username: 'u', display_name: 'U', org_id: 'o', roles: [], active: true, locked: false, must_change_password: false, totp_enabled: false },
    org: { id: 'o', code: 'CENTER', name: '中心', kind: 'center', parent_id: null, depth: 0, active: true, reviews_replies: false },
    permissions: permissions.map((permission) => ({ permission, reach: 'city' })),
    restriction: null,
    totp_required: false,
  } as Me
  session.loaded = true
}

async function open(): Promise<ReturnType<typeof mount>> {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/briefings', component: { render: () => h('div', 'list') } },
      { path: '/briefings/:id', component: BriefingView, props: true },
      { path: '/ticket/:id', component: { render: () => h('div', 'ticket') } },
    ],
  })
  router.push('/briefings/b1')
  await router.isReady()
  const wrapper = mount(defineComponent({ render: () => h(RouterView) }), {
    global: { plugins: [router, i18n, ElementPlus] },
    attachTo: document.body,
  })
  await flushPromises()
  return wrapper
}

beforeEach(() => {
  setActivePinia(createPinia())
  i18n.global.locale.value = 'zh-CN'
  Object.values(api).forEach((f) => f.mockReset())
  document.body.innerHTML = ''
})

describe('the briefing editor', () => {
  it('adds an excerpt as an item and saves the whole document with its version', async () => {
    signIn(['ticket_read', 'briefing_read', 'briefing_compile'])
    api.get.mockImplementation(async (path: string) => {
      if (path.startsWith('/briefings/excerpts')) return { items: [excerpt] }
      if (path === '/briefings/b1') return briefing()
      throw new Error(path)
    })
    const wrapper = await open()
    expect(api.get).toHaveBeenCalledWith('/briefings/excerpts?from=2026-12-01&to=2026-12-07')
    const add = wrapper.get('[data-test="excerpt-add"]')
    await add.trigger('click')
    const item = wrapper.get('[data-test="briefing-doc"] [data-test="briefing-item"]')
    expect((item.get('input[name="item-headline"]').element as HTMLInputElement).value).toBe('东华门大街供水管道爆裂')
    expect((item.get('textarea[name="item-body"]').element as HTMLTextAreaElement).value).toBe('周边两千户停水，正在抢修。')
    expect(wrapper.get('[data-test="excerpt-add"]').attributes('disabled')).toBeDefined()
    expect(wrapper.find('[data-test="briefing-dirty"]').exists()).toBe(true)
    expect(item.text()).toContain('一、')

    await item.get('input[name="item-headline"]').setValue('东华门大街爆管致两千户停水')
    api.put.mockImplementation(async (_path: string, body: { items: { ticket_id: string; headline: string; body: string }[] }) =>
      briefing({
        version: 2, item_count: 1,
        items: body.items.map((i, n) => ({ id: `i${n}`, position: n + 1, ticket_id: i.ticket_id, ticket_number: excerpt.number, ticket_title: excerpt.title, ticket_state: 'dispatched', headline: i.headline, body: i.body, instructions: [] })),
      }))
    await wrapper.get('[data-test="briefing-save"]').trigger('click')
    await flushPromises()
    expect(api.put).toHaveBeenCalledWith('/briefings/b1', {
      title: '要情摘报 2026-12-07', foreword: '', version: 1,
      items: [{ ticket_id: 't1', headline: '东华门大街爆管致两千户停水', body: '周边两千户停水，正在抢修。' }],
    })
    expect(wrapper.find('[data-test="briefing-dirty"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('asks before leaving with unsaved changes', async () => {
    signIn(['ticket_read', 'briefing_read', 'briefing_compile'])
    api.get.mockImplementation(async (path: string) => (path.startsWith('/briefings/excerpts') ? { items: [excerpt] } : briefing()))
    const wrapper = await open()
    const router = wrapper.vm.$router
    await wrapper.get('[data-test="excerpt-add"]').trigger('click')
    const leaving = router.push('/briefings')
    await flushPromises()
    await vi.waitFor(() => expect(document.body.querySelector('.el-message-box')?.textContent).toContain('有未保存的修改'))
    const stay = [...document.body.querySelectorAll('.el-message-box button')].find((b) => b.textContent?.includes('留在本页')) as HTMLButtonElement
    stay.click()
    await leaving
    expect(router.currentRoute.value.path).toBe('/briefings/b1')
    wrapper.unmount()
  })

  it('asks to reload when someone else saved first', async () => {
    signIn(['ticket_read', 'briefing_read', 'briefing_compile'])
    const { ApiError } = await import('../src/api/client')
    api.get.mockImplementation(async (path: string) => (path.startsWith('/briefings/excerpts') ? { items: [] } : briefing({ title: '今日要情' })))
    api.put.mockRejectedValue(new ApiError(409, 'concurrent_update', 'conflict'))
    const wrapper = await open()
    await wrapper.get('input[name="briefing-title"]').setValue('今日要情（改）')
    await wrapper.get('[data-test="briefing-save"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-test="briefing-error"]').text()).toContain('他人已修改并保存了这份摘报')
    await wrapper.get('[data-test="briefing-reload"]').trigger('click')
    await flushPromises()
    expect(api.get).toHaveBeenLastCalledWith('/briefings/b1')
    wrapper.unmount()
  })
})

describe('the briefing as leaders read it', () => {
  const published = briefing({
    state: 'published', published_at: '2026-12-07T10:00:00Z', published_by_name: '班长赵敏', foreword: '请领导阅示。', item_count: 1, version: 3,
    items: [{
      id: 'i1', position: 1, ticket_id: 't1', ticket_number: '2026120700001', ticket_title: excerpt.title, ticket_state: 'dispatched',
      headline: '东华门大街爆管', body: '两千户停水。', instructions: [{ at: '2026-12-07T11:00:00Z', author_name: '中心主任周建国', content: '今日恢复供水。' }],
    }],
  })

  it('shows the document and lets a leader instruct on an item, naming the briefing', async () => {
    signIn(['ticket_read', 'briefing_read', 'ticket_instruct'])
    api.get.mockImplementation(async (path: string) => (path === '/phrases' ? [] : published))
    api.post.mockResolvedValue({ id: 't1' })
    const wrapper = await open()
    expect(wrapper.get('[data-test="briefing-title"]').text()).toBe('要情摘报 2026-12-07')
    expect(wrapper.get('[data-test="briefing-foreword"]').text()).toContain('请领导阅示。')
    expect(wrapper.get('[data-test="item-instruction"]').text()).toContain('中心主任周建国')
    expect(wrapper.find('[data-test="briefing-editor"]').exists()).toBe(false)
    await wrapper.get('[data-test="item-instruct"]').trigger('click')
    await flushPromises()
    const content = document.body.querySelector('textarea[name="content"]') as HTMLTextAreaElement
    content.value = '请东城区今日办结。'
    content.dispatchEvent(new Event('input'))
    ;(document.body.querySelector('[data-test="action-submit"]') as HTMLButtonElement).click()
    await flushPromises()
    expect(api.post).toHaveBeenCalledWith('/tickets/t1/actions/instruct', { content: '请东城区今日办结。', briefing_id: 'b1' }, { idempotencyKey: expect.any(String) })
    // Read again, with the new instruction under the item.
    expect(api.get.mock.calls.filter(([path]) => path === '/briefings/b1')).toHaveLength(2)
    wrapper.unmount()
  })

  it('offers a supervisor no 批示, and a draft no editor to those who do not compile', async () => {
    signIn(['ticket_read', 'briefing_read', 'briefing_compile'])
    api.get.mockResolvedValue(published)
    let wrapper = await open()
    expect(wrapper.find('[data-test="item-instruct"]').exists()).toBe(false)
    wrapper.unmount()

    setActivePinia(createPinia())
    signIn(['ticket_read', 'briefing_read', 'ticket_instruct'])
    api.get.mockResolvedValue(briefing())
    wrapper = await open()
    expect(wrapper.find('[data-test="briefing-editor"]').exists()).toBe(false)
    expect(wrapper.find('[data-test="briefing-reader"]').exists()).toBe(true)
    wrapper.unmount()
  })
})
