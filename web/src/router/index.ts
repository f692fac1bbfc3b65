import { createRouter, createWebHistory } from 'vue-router'

import { onUnauthorized } from '../api/client'
import { homePath } from '../lib/menu'
import { useSession } from '../stores/session'

import ShellLayout from '../layouts/ShellLayout.vue'
import LoginView from '../views/LoginView.vue'

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
    { path: '/screen', name: 'screen', component: () => import('../views/ScreenView.vue') },
    {
      path: '/',
      component: ShellLayout,
      children: [
        { path: '', name: 'home', component: { render: () => null } },
        { path: 'workstation', name: 'workstation', component: () => import('../views/WorkstationView.vue') },
        { path: 'tickets/:view', name: 'tickets', component: () => import('../views/TicketListView.vue'), props: true },
        { path: 'ticket/:id', name: 'ticket', component: () => import('../views/TicketDetailView.vue'), props: true },
        { path: 'dispatch', name: 'dispatch', component: () => import('../views/DispatchDeskView.vue') },
        { path: 'review', name: 'review', component: () => import('../views/ReviewView.vue'), props: { mode: 'review' } },
        { path: 'callback', name: 'callback', component: () => import('../views/ReviewView.vue'), props: { mode: 'callback' } },
        { path: 'dashboard', name: 'dashboard', component: () => import('../views/DashboardView.vue') },
        { path: 'stats/units', name: 'stats-units', component: () => import('../views/StatsUnitsView.vue') },
        { path: 'stats/bulletins', name: 'bulletins', component: () => import('../views/StatsBulletinsView.vue') },
        { path: 'stats/appeals', name: 'appeals', component: () => import('../views/StatsAppealsView.vue') },
        { path: 'stats/duty', name: 'duty', component: () => import('../views/StatsDutyView.vue') },
        { path: 'stats/reports', name: 'reports', component: () => import('../views/ReportsView.vue') },
        { path: 'stats/business', name: 'business', component: () => import('../views/BusinessView.vue') },
        { path: 'briefings', name: 'briefings', component: () => import('../views/BriefingsView.vue') },
        { path: 'briefings/:id', name: 'briefing', component: () => import('../views/BriefingView.vue'), props: true },
        { path: 'alerts', name: 'alerts', component: () => import('../views/AlertsView.vue') },
        { path: 'callcenter/floor', name: 'floor', component: () => import('../views/CallFloorView.vue') },
        { path: 'callcenter/calls', name: 'calls', component: () => import('../views/CallsView.vue') },
        { path: 'admin/orgs', name: 'orgs', component: () => import('../views/admin/OrgsView.vue') },
        { path: 'admin/users', name: 'users', component: () => import('../views/admin/UsersView.vue') },
        { path: 'admin/tokens', name: 'tokens', component: () => import('../views/admin/TokensView.vue') },
        { path: 'admin/webhooks', name: 'webhooks', component: () => import('../views/admin/WebhooksView.vue') },
        { path: 'admin/categories', name: 'categories', component: () => import('../views/admin/CategoriesView.vue') },
        { path: 'admin/sla', name: 'sla', component: () => import('../views/admin/SlaView.vue') },
        { path: 'admin/calendar', name: 'calendar', component: () => import('../views/admin/CalendarView.vue') },
        { path: 'admin/routing', name: 'routing', component: () => import('../views/admin/RoutingView.vue') },
        { path: 'admin/jobs', name: 'jobs', component: () => import('../views/admin/JobsView.vue') },
        { path: 'admin/search', name: 'search-index', component: () => import('../views/admin/SearchIndexView.vue') },
        { path: 'search', name: 'search', component: () => import('../views/SearchView.vue') },
        { path: 'audit', name: 'audit', component: () => import('../views/AuditView.vue') },
        { path: 'phrases', name: 'phrases', component: () => import('../views/PhrasesView.vue') },
        { path: 'kb', name: 'kb', component: () => import('../views/kb/KbListView.vue') },
        { path: 'kb/new', name: 'kb-new', component: () => import('../views/kb/KbEditView.vue') },
        { path: 'kb/:id', name: 'kb-article', component: () => import('../views/kb/KbArticleView.vue'), props: true },
        { path: 'kb/:id/edit', name: 'kb-edit', component: () => import('../views/kb/KbEditView.vue'), props: true },
        { path: 'profile', name: 'profile', component: () => import('../views/ProfileView.vue') },
        { path: ':pathMatch(.*)*', name: 'not-found', component: () => import('../views/NotFoundView.vue') },
      ],
    },
  ],
})

router.beforeEach(async (to) => {
  const session = useSession()
  if (!session.loaded) await session.load()
  if (to.meta.public) return true
  if (!session.me) return { name: 'login', query: { redirect: to.fullPath } }
  if (session.me.restriction) return { name: 'login', query: { redirect: to.fullPath } }
  if (to.name === 'home') return homePath(session.menu)
  return true
})

// An expired session sends the user to sign in, and back to the same page afterwards.
onUnauthorized((error) => {
  const session = useSession()
  session.forget()
  const current = router.currentRoute.value
  if (current.name !== 'login') {
    router.push({ name: 'login', query: { redirect: current.fullPath, reason: error.code } })
  }
})
