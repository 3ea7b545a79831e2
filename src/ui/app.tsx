import type { ComponentType } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { bridgeEnabled, liveState, startLive, stopLive } from './api/events';
import { auth, signOut } from './lib/auth';
import { useRoute, type Route } from './lib/router';
import { useStore } from './lib/store';
import { Icon, type IconName } from './components/icons';
import { Loading } from './components/ui';
import { BudgetBanner } from './components/budget-banner';
import { LoginPage } from './pages/login';
import { OverviewPage } from './pages/overview';
import { ProvidersPage } from './pages/providers';
import { TokensPage } from './pages/tokens';
import { InterceptionsPage } from './pages/interceptions';
import { InterceptionDetailPage } from './pages/interception-detail';
import { SessionPage, SessionsPage } from './pages/sessions';
import { SettingsPage } from './pages/settings';
import { PricesPage } from './pages/prices';

interface NavItem { path: string; label: string; icon: IconName }

const NAV: NavItem[] = [
  { path: '', label: 'Overview', icon: 'overview' },
  { path: 'providers', label: 'Providers & keys', icon: 'providers' },
  { path: 'tokens', label: 'Bridge tokens', icon: 'tokens' },
  { path: 'interceptions', label: 'Interceptions', icon: 'interceptions' },
  { path: 'sessions', label: 'Sessions', icon: 'sessions' },
  { path: 'usage', label: 'Usage', icon: 'usage' },
  { path: 'prices', label: 'Prices', icon: 'prices' },
  { path: 'settings', label: 'Retention & logs', icon: 'settings' },
];

type UsageModule = { UsagePage: ComponentType };
let usageModule: Promise<UsageModule> | null = null;

/** The usage page carries uPlot; load it only when someone opens it. */
function LazyUsage() {
  const [Page, setPage] = useState<ComponentType | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    usageModule ??= import('./pages/usage');
    usageModule.then((m) => setPage(() => m.UsagePage), () => { usageModule = null; setFailed(true); });
  }, []);
  if (failed) return <p role="alert">The usage page could not be loaded. Reload the dashboard to try again.</p>;
  return Page ? <Page /> : <Loading />;
}

function View({ route }: { route: Route }) {
  const [section, id] = route.parts;
  switch (section ?? '') {
    case '':
    case 'overview':
      return <OverviewPage />;
    case 'providers':
      return <ProvidersPage />;
    case 'tokens':
      return <TokensPage />;
    case 'interceptions':
      // key: another record is a new page (no stale detail on screen while the next one loads).
      return id ? <InterceptionDetailPage key={id} id={id} q={route.query.get('q') ?? ''} /> : <InterceptionsPage route={route} />;
    case 'sessions':
      return id ? <SessionPage key={id} id={id} /> : <SessionsPage />;
    case 'usage':
      return <LazyUsage />;
    case 'settings':
      return <SettingsPage />;
    case 'prices':
      return <PricesPage />;
    default:
      return (
        <div class="empty">
          <p class="empty-title">No page here</p>
          <p><a href="#/">Go to the overview</a></p>
        </div>
      );
  }
}

function LiveIndicator() {
  const state = useStore(liveState);
  const text = state === 'live' ? 'Live' : state === 'off' ? 'Offline' : 'Reconnecting…';
  return (
    <span class={`live live-${state}`} title={state === 'live' ? 'New interceptions appear as they finish' : 'The live feed is reconnecting'}>
      <span class="live-dot" aria-hidden="true" />
      {text}
    </span>
  );
}

function BridgePill() {
  const enabled = useStore(bridgeEnabled);
  if (enabled === null) return null;
  return (
    <a href="#/" class={`pill ${enabled ? 'pill-ok' : 'pill-off'}`} aria-label={`Bridge is ${enabled ? 'on' : 'off'} — go to the overview`}>
      Bridge {enabled ? 'on' : 'off'}
    </a>
  );
}

function Shell() {
  const route = useRoute();
  const section = route.parts[0] ?? '';
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    startLive();
    return () => stopLive();
  }, []);

  // Move focus to the new page's heading when the section changes (not on filter changes),
  // so keyboard and screen-reader users land at the top of what they opened.
  const pageKey = `${section}/${route.parts[1] ?? ''}`;
  useEffect(() => {
    if (first.current) { first.current = false; return; }
    window.scrollTo(0, 0);
    window.setTimeout(() => document.getElementById('page-title')?.focus({ preventScroll: true }), 0);
  }, [pageKey]);

  const current = section === 'overview' ? '' : section;
  const label = NAV.find((n) => n.path === current)?.label;
  useEffect(() => {
    document.title = label ? `${label}${route.parts[1] ? ' · detail' : ''} · AI Bridge` : 'AI Bridge';
  }, [label, route.parts[1]]);
  return (
    <div class="shell">
      <a class="skip-link" href="#main" onClick={(e) => { e.preventDefault(); mainRef.current?.focus(); }}>Skip to content</a>
      <aside class="sidebar-col">
      <div class="sidebar">
        <a class="brand" href="#/" aria-label="AI Bridge — overview">
          <img src={`${import.meta.env.BASE_URL}favicon.svg`} alt="" width={28} height={28} />
          <span>AI Bridge</span>
        </a>
        <nav aria-label="Sections">
          <ul>
            {NAV.map((item) => (
              <li key={item.path}>
                <a href={`#/${item.path}`} class={current === item.path ? 'active' : ''} aria-current={current === item.path ? 'page' : undefined}>
                  <Icon name={item.icon} />
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="sidebar-foot">
          <BridgePill />
          <LiveIndicator />
          <button type="button" class="btn btn-ghost btn-small" onClick={() => signOut(null)}>Sign out</button>
        </div>
      </div>
      </aside>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <BudgetBanner />
        <View route={route} />
      </main>
    </div>
  );
}

export function App() {
  const { token } = useStore(auth);
  return token ? <Shell /> : <LoginPage />;
}
