// gridgov — /planner: the hotspot heat map (/tiles/hotspots, H3 hexagons coloured by case count, significant
// Gi* hotspots outlined) filtered by category, status and period; the list of significant hotspots; and the KPI
// table per community and grid with an Excel download.
(function () {
  'use strict';
  var GG = window.GG;
  var h = GG.h, t = GG.t;
  GG.pages = GG.pages || {};

  var COUNTY = '370781';

  function isoDay(d) {
    var p = function (n) { return (n < 10 ? '0' : '') + n; };
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate());
  }

  GG.pages.planner = function (view) {
    var disposed = false;
    var staff = GG.staff();
    var root = staff && /^\d+$/.test(staff.unit) ? staff.unit : COUNTY;
    var kpiCode = root;
    var kpiTrail = [];
    var categories = [];
    var now = new Date();
    var f = { category: '', status: '', from: isoDay(new Date(now.getTime() - 365 * 86400000)), to: isoDay(now) };

    var mapEl = h('div', { class: 'map', id: 'map', role: 'region', 'aria-label': t('p.title') });
    var catSel = h('select', { id: 'p-category', 'aria-label': t('p.category') });
    var statusSel = h('select', { id: 'p-status', 'aria-label': t('p.status') }, h('option', { value: '', i18n: 'status.all' }),
      GG.STATUSES.map(function (s) { return h('option', { value: s, i18n: 'status.' + s }); }));
    var fromIn = h('input', { type: 'date', id: 'p-from', value: f.from });
    var toIn = h('input', { type: 'date', id: 'p-to', value: f.to });
    var hotList = h('ol', { class: 'hot-list', id: 'hot-list' });
    var kpiBox = h('div', { class: 'kpi', id: 'kpi' });
    var side = h('aside', { class: 'side wide' },
      h('h1', { i18n: 'p.title' }),
      h('div', { class: 'filters grid2' },
        h('label', null, h('span', { i18n: 'p.category' }), catSel),
        h('label', null, h('span', { i18n: 'p.status' }), statusSel),
        h('label', null, h('span', { i18n: 'p.from' }), fromIn),
        h('label', null, h('span', { i18n: 'p.to' }), toIn)),
      h('p', { class: 'legend small muted' }, h('span', { class: 'ramp', 'aria-hidden': 'true' }), ' ', h('span', { i18n: 'p.legend' })),
      h('h2', { i18n: 'p.hotspots' }), hotList,
      h('h2', { i18n: 'p.kpi' }), kpiBox);
    view.appendChild(h('div', { class: 'split' }, mapEl, side));

    function query() {
      var q = [];
      if (f.category) q.push('category=' + encodeURIComponent(f.category));
      if (f.status) q.push('status=' + encodeURIComponent(f.status));
      if (f.from) q.push('from=' + f.from);
      if (f.to) q.push('to=' + f.to);
      return q.join('&');
    }
    function tileURL() {
      var q = query();
      return window.location.origin + '/tiles/hotspots/{z}/{x}/{y}.mvt' + (q ? '?' + q : '');
    }

    var map = null;
    try { map = GG.makeMap(mapEl, { zoom: 12.3, noDiscuss: true }); } catch (e) { mapEl.appendChild(h('p', { class: 'error pad' }, e.message)); }
    if (map) {
      map.on('load', function () {
        map.addSource('hotspots', { type: 'vector', tiles: [tileURL()], minzoom: 6, maxzoom: 18 });
        var before = map.getLayer('road-casing') ? 'grid-line' : undefined;
        map.addLayer({ id: 'hot-fill', type: 'fill', source: 'hotspots', 'source-layer': 'hotspots',
          paint: { 'fill-color': ['interpolate', ['linear'], ['ln', ['+', 1, ['get', 'count']]],
            0, '#fff5d6', 1, '#fed976', 2, '#fd8d3c', 3, '#e31a1c', 4.5, '#800026'],
            'fill-opacity': 0.62 } }, before);
        map.addLayer({ id: 'hot-outline', type: 'line', source: 'hotspots', 'source-layer': 'hotspots',
          filter: ['match', ['get', 'hot'], ['hot90', 'hot95', 'hot99'], true, false],
          paint: { 'line-color': '#a50f15', 'line-width': ['match', ['get', 'hot'], 'hot99', 2.6, 'hot95', 1.8, 1.1] } });
        map.addLayer({ id: 'cold-outline', type: 'line', source: 'hotspots', 'source-layer': 'hotspots',
          filter: ['match', ['get', 'hot'], ['cold90', 'cold95', 'cold99'], true, false],
          paint: { 'line-color': '#2166ac', 'line-width': 1, 'line-dasharray': [2, 1] } });
        map.on('click', 'hot-fill', function (e) {
          var p = e.features[0].properties;
          new window.maplibregl.Popup({ maxWidth: '240px' }).setLngLat(e.lngLat).setDOMContent(h('div', { class: 'popup' },
            h('strong', null, t('p.cases', { n: p.count })), h('div', { class: 'muted' }, 'Gi* z = ' + p.gi_z + (GG.has('p.' + p.hot) ? ' · ' + t('p.' + p.hot) : '')),
            h('div', { class: 'mono small' }, p.h3))).addTo(map);
        });
      });
    }

    function applyFilters() {
      f = { category: catSel.value, status: statusSel.value, from: fromIn.value, to: toIn.value };
      if (map && map.getSource('hotspots')) map.getSource('hotspots').setTiles([tileURL()]);
      loadHotspots();
      loadKPI();
    }
    [catSel, statusSel, fromIn, toIn].forEach(function (el) { el.addEventListener('change', applyFilters); });

    function fillCategories() {
      var keep = catSel.value;
      GG.clear(catSel).appendChild(h('option', { value: '', i18n: 'cat.all' }));
      categories.forEach(function (c) { catSel.appendChild(h('option', { value: c.code }, GG.lang() === 'en' ? c.name_en : c.name)); });
      catSel.value = keep;
    }
    GG.api('/api/v1/categories', { auth: 'none' }).then(function (list) { categories = list; fillCategories(); });

    var hotSeq = 0;
    function loadHotspots() {
      var seq = ++hotSeq;
      GG.clear(hotList).appendChild(h('li', { class: 'muted', i18n: 'loading' }));
      GG.api('/api/v1/hotspots?code=' + root + (query() ? '&' + query() : ''), { auth: 'none' }).then(function (fc) {
        if (seq !== hotSeq || disposed) return;
        GG.clear(hotList);
        var feats = fc.features || [];
        if (!feats.length) { hotList.appendChild(h('li', { class: 'muted', i18n: 'p.noHotspots' })); return; }
        feats.slice(0, 10).forEach(function (ft) {
          var p = ft.properties;
          hotList.appendChild(h('li', null, h('button', { type: 'button', onclick: function () {
            var ring = ft.geometry.coordinates[0];
            var b = ring.reduce(function (acc, c) { return [Math.min(acc[0], c[0]), Math.min(acc[1], c[1]), Math.max(acc[2], c[0]), Math.max(acc[3], c[1])]; }, [180, 90, -180, -90]);
            if (map) map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 80, maxZoom: 16 });
          } }, h('span', { class: 'hot-badge ' + p.hot }, GG.has('p.' + p.hot) ? t('p.' + p.hot) : p.hot),
            ' ', h('strong', null, t('p.cases', { n: p.count })), ' ', h('span', { class: 'muted small' }, 'z ' + p.gi_z))));
        });
      }, function (e) { if (seq === hotSeq) GG.clear(hotList).appendChild(h('li', { class: 'error' }, e.message)); });
    }

    // ------------------------------------------------------------------ KPIs

    var KPI_COLS = [['cases', 'p.cases2', 'n'], ['closure_rate', 'p.closure', '%'], ['on_time_closure_rate', 'p.ontime', '%'],
      ['rework_rate', 'p.rework', '%'], ['response_rate', 'p.response', '%'], ['satisfaction_rate', 'p.satisfaction', '%']];
    function kpiQuery(fmt) {
      var q = 'code=' + kpiCode + '&by=children';
      if (f.from) q += '&from=' + f.from;
      if (f.to) q += '&to=' + f.to;
      return '/api/v1/stats/kpi?' + q + (fmt ? '&format=' + fmt : '');
    }
    function loadKPI() {
      GG.clear(kpiBox);
      if (!staff || ['planner', 'dispatcher', 'grid_chief', 'grid_worker', 'admin'].indexOf(staff.role) < 0) {
        kpiBox.appendChild(h('p', { class: 'muted' }, h('button', { type: 'button', class: 'btn-link', i18n: 'p.needToken', onclick: GG.openAuth })));
        return;
      }
      kpiBox.appendChild(h('p', { class: 'muted', i18n: 'loading' }));
      GG.api(kpiQuery()).then(function (k) {
        if (disposed) return;
        var cell = function (row, col) {
          var v = row[col[0]];
          return h('td', { class: 'num' }, col[2] === '%' ? GG.fmtPct(v) : String(v));
        };
        GG.clear(kpiBox).appendChild(h('div', { class: 'row between' },
          h('div', null, kpiTrail.length ? h('button', { type: 'button', class: 'btn-link', onclick: function () {
            kpiCode = kpiTrail.pop(); loadKPI();
          } }, '↑ ', h('span', { i18n: 'p.up' })) : null, ' ', h('strong', null, k.name || k.code)),
          h('button', { type: 'button', id: 'kpi-xlsx', onclick: download }, '⤓ ', h('span', { i18n: 'p.xlsx' }))));
        var rows = (k.children || []).map(function (c) {
          var drill = c.code.length < 15;
          return h('tr', null, h('th', { scope: 'row' }, drill ? h('button', { type: 'button', class: 'btn-link', onclick: function () {
            kpiTrail.push(kpiCode); kpiCode = c.code; loadKPI();
          } }, c.name || c.code) : (c.name || c.code)), KPI_COLS.map(function (col) { return cell(c, col); }));
        });
        kpiBox.appendChild(h('div', { class: 'table-wrap' }, h('table', { class: 'kpi-table', id: 'kpi-table' },
          h('thead', null, h('tr', null, h('th', { i18n: 'p.unit' }), KPI_COLS.map(function (c) { return h('th', { class: 'num', i18n: c[1] }); }))),
          h('tbody', null, rows),
          h('tfoot', null, h('tr', null, h('th', { scope: 'row', i18n: 'p.total' }), KPI_COLS.map(function (col) { return cell(k, col); }))))));
      }, function (e) { GG.clear(kpiBox).appendChild(h('p', { class: 'error' }, e.message)); });
    }
    // the download needs the Authorization header, so it is fetched and handed to the browser as a blob
    function download() {
      GG.api(kpiQuery('xlsx'), { raw: true }).then(function (res) {
        var name = 'kpi-' + kpiCode + '.xlsx';
        var cd = res.headers.get('Content-Disposition') || '';
        var m = /filename="?([^";]+)"?/.exec(cd);
        if (m) name = m[1];
        return res.blob().then(function (b) {
          var a = h('a', { href: URL.createObjectURL(b), download: name });
          document.body.appendChild(a); a.click(); a.remove();
          setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
        });
      }, function (e) { GG.toast(e.message, 'error'); });
    }

    loadHotspots();
    loadKPI();
    return {
      dispose: function () { disposed = true; if (map) map.remove(); },
      onLang: function () { fillCategories(); loadHotspots(); loadKPI(); }
    };
  };
})();
