// gridgov 网格化治理 — the web app's shell: the router over the pages (/, /dispatch, /report, /my, /planner,
// /field), staff sign-in with a token (pasted, or from a link ending in #token=…) and the language switch.
//
// Works fully offline: MapLibre GL JS comes from /vendor (copied there by web/build.sh), the base map is drawn
// from this server's own vector tiles with no glyphs and no sprite (names show in popups and lists, never as map
// text), and all data comes from this server's API.
(function () {
  'use strict';
  var GG = window.GG;
  var h = GG.h, t = GG.t;

  var PAGES = {
    '/': landing,
    '/dispatch': GG.pages && GG.pages.dispatch,
    '/report': GG.pages && GG.pages.report,
    '/my': GG.pages && GG.pages.my,
    '/planner': GG.pages && GG.pages.planner,
    '/field': GG.pages && GG.pages.field
  };

  var current = null; // { path, dispose, onLang }

  function route() {
    var path = window.location.pathname.replace(/\/+$/, '') || '/';
    var page = PAGES[path] || landing;
    if (current && current.dispose) { try { current.dispose(); } catch (e) { /* ignore */ } }
    GG.map = null;
    var view = GG.clear(document.getElementById('view'));
    view.className = 'view view-' + (path === '/' ? 'home' : path.slice(1));
    Array.prototype.forEach.call(document.querySelectorAll('#nav a'), function (a) {
      if (a.getAttribute('href') === path) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    });
    current = page(view) || {};
    current.path = path;
    document.title = 'gridgov · ' + t(path === '/' ? 'appName' : 'nav.' + path.slice(1));
  }
  GG.navigate = function (path) {
    if (path !== window.location.pathname) window.history.pushState(null, '', path);
    route();
  };

  // needStaff renders a sign-in card when there is no staff token with one of the roles; true when there is.
  GG.needStaff = function (view, roles) {
    var c = GG.staff();
    if (c && roles.indexOf(c.role) >= 0) return true;
    var msg = c ? t('auth.wrongRole', { role: t('role.' + c.role) }) : t('auth.needed');
    view.appendChild(h('section', { class: 'card narrow center' },
      h('p', null, msg),
      h('button', { type: 'button', class: 'primary', i18n: 'auth.signin', onclick: openAuth })));
    return false;
  };

  // ----------------------------------------------------------------- landing

  function landing(view) {
    var cards = [
      ['/dispatch', 'landing.dispatch', 'landing.dispatchText', '调'],
      ['/report', 'landing.report', 'landing.reportText', '报'],
      ['/my', 'landing.my', 'landing.myText', '我'],
      ['/planner', 'landing.planner', 'landing.plannerText', '析'],
      ['/field', 'landing.field', 'landing.fieldText', '巡']
    ];
    var mapEl = h('div', { class: 'map', id: 'map', role: 'region', 'aria-label': t('nav.home') });
    view.appendChild(h('section', { class: 'home-side' },
      h('h1', { i18n: 'landing.title' }),
      h('p', { class: 'lead', i18n: 'landing.lead' }),
      h('div', { class: 'role-cards' }, cards.map(function (c) {
        return h('a', { href: c[0], 'data-nav': true, class: 'role-card' },
          h('span', { class: 'role-icon', 'aria-hidden': 'true' }, c[3]),
          h('span', null, h('strong', { i18n: c[1] }), h('small', { i18n: c[2] })));
      })),
      h('p', { class: 'muted', i18n: 'landing.mapHint' })));
    view.appendChild(mapEl);
    var map;
    try { map = GG.makeMap(mapEl, { zoom: 12.6 }); } catch (e) { mapEl.appendChild(h('p', { class: 'error pad' }, e.message)); return {}; }
    var popup = null;
    map.on('click', function (e) {
      var f = GG.unitAt(map, e.point);
      if (popup) popup.remove();
      if (!f) return;
      var level = { streets: 'street', communities: 'community', grids: 'grid', buildings: 'building', discuss_points: 'discuss_point' }[f.sourceLayer];
      popup = new window.maplibregl.Popup({ closeButton: true, maxWidth: '280px' }).setLngLat(e.lngLat)
        .setDOMContent(h('div', { class: 'popup' }, h('div', { class: 'muted' }, t('level.' + level)),
          h('strong', null, f.properties.name || ''), h('div', { class: 'mono' }, f.properties.code || ''),
          f.properties.parent_code ? h('div', { class: 'muted small' }, t('parent') + ' ' + f.properties.parent_code) : null)).addTo(map);
    });
    map.on('mousemove', function (e) {
      map.getCanvas().style.cursor = GG.unitAt(map, e.point) ? 'pointer' : '';
    });
    return { dispose: function () { map.remove(); } };
  }

  // ------------------------------------------------------------------ auth

  function openAuth() {
    var d = document.getElementById('auth-dialog');
    document.getElementById('auth-error').textContent = '';
    document.getElementById('auth-token').value = '';
    if (d.showModal) d.showModal(); else d.setAttribute('open', '');
    document.getElementById('auth-token').focus();
  }
  GG.openAuth = openAuth;

  function acceptToken(tok, remember) {
    tok = (tok || '').trim();
    var c = GG.claims(tok);
    if (!c) return t('auth.bad');
    if (c.exp && c.exp * 1000 < Date.now()) return t('auth.expired');
    if (c.role === 'resident') return t('auth.bad');
    GG.setStaffToken(tok, remember);
    renderWho();
    return null;
  }

  function renderWho() {
    var c = GG.staff();
    var who = document.getElementById('who');
    var btn = document.getElementById('signin');
    if (c) {
      who.textContent = t('auth.as', { role: t('role.' + c.role), unit: c.unit });
      who.title = c.sub || '';
      btn.setAttribute('data-i18n', 'auth.signout');
    } else {
      who.textContent = '';
      btn.setAttribute('data-i18n', 'auth.signin');
    }
    btn.textContent = t(btn.getAttribute('data-i18n'));
  }

  function setupAuth() {
    var d = document.getElementById('auth-dialog');
    document.getElementById('signin').addEventListener('click', function () {
      if (GG.staff()) { GG.setStaffToken(null); renderWho(); route(); } else openAuth();
    });
    document.getElementById('auth-cancel').addEventListener('click', function () { d.close(); });
    document.getElementById('auth-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var err = acceptToken(document.getElementById('auth-token').value, document.getElementById('auth-remember').checked);
      if (err) { document.getElementById('auth-error').textContent = err; return; }
      d.close();
      route();
    });
    // a link like /dispatch#token=gg1.… signs in and drops the token from the address bar at once
    var m = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
    if (m) {
      var err = acceptToken(decodeURIComponent(m[1]), false);
      window.history.replaceState(null, '', window.location.pathname + window.location.search);
      if (err) GG.toast(err, 'error');
    }
    renderWho();
  }

  function setupLang() {
    Array.prototype.forEach.call(document.querySelectorAll('.lang button'), function (b) {
      b.addEventListener('click', function () {
        GG.setLang(b.getAttribute('data-lang'));
        applyLang();
        if (current && current.onLang) current.onLang();
      });
    });
  }
  function applyLang() {
    GG.applyLang();
    Array.prototype.forEach.call(document.querySelectorAll('.lang button'), function (b) {
      b.setAttribute('aria-pressed', b.getAttribute('data-lang') === GG.lang() ? 'true' : 'false');
    });
    renderWho();
  }

  document.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('a[data-nav]');
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    GG.navigate(a.getAttribute('href'));
  });
  window.addEventListener('popstate', route);

  setupAuth();
  setupLang();
  applyLang();
  route();
})();
