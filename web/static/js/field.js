// gridgov — /field: a field worker's nearest open tasks in route order (GET /api/v1/field/route with the leg
// geometry), the route on the map with numbered stops, a task's details and history, and the workflow actions
// the server allows on it (start; resolve with a note and a photo). When the route service is not there, the
// tasks of the worker's unit are ordered nearest-first by straight distance in the browser.
(function () {
  'use strict';
  var GG = window.GG;
  var h = GG.h, t = GG.t;
  GG.pages = GG.pages || {};

  var ROLES = ['grid_worker', 'grid_chief', 'department', 'dispatcher', 'admin'];
  var K = 10;

  function metres(a, b) {
    var R = 6371008.8, rad = Math.PI / 180;
    var dLat = (b.lat - a.lat) * rad, dLon = (b.lon - a.lon) * rad;
    var x = Math.sin(dLat / 2) * Math.sin(dLat / 2) + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * R * Math.asin(Math.sqrt(x));
  }

  // lines collects every LineString of the GeoJSON objects it is given, wherever they sit in the answer.
  function lines(obj, out, depth) {
    out = out || [];
    if (!obj || typeof obj !== 'object' || (depth || 0) > 6) return out;
    if (Array.isArray(obj)) { obj.forEach(function (o) { lines(o, out, (depth || 0) + 1); }); return out; }
    if (obj.type === 'LineString' && Array.isArray(obj.coordinates)) { out.push(obj.coordinates); return out; }
    if (obj.type === 'MultiLineString' && Array.isArray(obj.coordinates)) { obj.coordinates.forEach(function (c) { out.push(c); }); return out; }
    if (obj.type === 'Feature') return lines(obj.geometry, out, (depth || 0) + 1);
    if (obj.type === 'FeatureCollection') return lines(obj.features, out, (depth || 0) + 1);
    ['geometry', 'legs', 'route', 'path', 'features'].forEach(function (k) { if (obj[k]) lines(obj[k], out, (depth || 0) + 1); });
    return out;
  }

  GG.pages.field = function (view) {
    if (!GG.needStaff(view, ROLES)) return {};
    var disposed = false;
    var here = null;             // {lat, lon}
    var stops = [];              // route order: {report_id, lat, lon, leg_m, eta_s}
    var cases = {};
    var selected = null;
    var markers = [];

    var mapEl = h('div', { class: 'map', id: 'map', role: 'region', 'aria-label': t('fi.title') });
    var methodSel = h('select', { id: 'fi-method', 'aria-label': 'method' },
      h('option', { value: 'road', i18n: 'fi.method.road' }), h('option', { value: 'straight', i18n: 'fi.method.straight' }));
    var summary = h('p', { class: 'muted small', id: 'fi-summary' });
    var list = h('ol', { class: 'task-list', id: 'task-list' });
    var panel = h('section', { class: 'case-panel', hidden: true, id: 'task-panel' });
    var side = h('aside', { class: 'side' },
      h('div', { class: 'side-head row between' }, h('h1', { i18n: 'fi.title' }), methodSel),
      h('div', { class: 'row wrap' },
        h('button', { type: 'button', id: 'fi-locate', onclick: locateMe }, '◎ ', h('span', { i18n: 'fi.locate' })),
        h('button', { type: 'button', id: 'fi-centre', onclick: function () { if (map) { var c = map.getCenter(); setHere(c.lat, c.lng); } } }, h('span', { i18n: 'fi.useCentre' }))),
      summary, list, panel);
    view.appendChild(h('div', { class: 'split' }, mapEl, side));

    var map = null, meMarker = null;
    try { map = GG.makeMap(mapEl, { zoom: 14 }); } catch (e) { mapEl.appendChild(h('p', { class: 'error pad' }, e.message)); }
    var mapReady = new Promise(function (res) { if (map) map.on('load', res); });
    if (map) {
      map.on('load', function () {
        map.addSource('route', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
        map.addLayer({ id: 'route-casing', type: 'line', source: 'route', layout: { 'line-cap': 'round', 'line-join': 'round' },
          paint: { 'line-color': '#ffffff', 'line-width': 8 } });
        map.addLayer({ id: 'route-line', type: 'line', source: 'route', layout: { 'line-cap': 'round', 'line-join': 'round' },
          paint: { 'line-color': '#1c7ed6', 'line-width': 4 } });
      });
    }

    function setHere(lat, lon) {
      here = { lat: lat, lon: lon };
      if (map) {
        if (!meMarker) meMarker = new window.maplibregl.Marker({ element: h('div', { class: 'me-dot', title: 'me' }) }).setLngLat([lon, lat]).addTo(map);
        else meMarker.setLngLat([lon, lat]);
      }
      load();
    }
    function locateMe() {
      if (!navigator.geolocation) return;
      navigator.geolocation.getCurrentPosition(function (p) { setHere(p.coords.latitude, p.coords.longitude); if (map) map.easeTo({ center: [p.coords.longitude, p.coords.latitude], zoom: 15 }); },
        function (e) { GG.toast(t('r.locFailed', { msg: e.message }), 'error'); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
    }
    methodSel.addEventListener('change', function () { if (here) load(); });

    function load() {
      summary.textContent = t('loading');
      var q = 'lat=' + here.lat.toFixed(6) + '&lon=' + here.lon.toFixed(6) + '&k=' + K;
      GG.api('/api/v1/field/route?' + q + '&method=' + methodSel.value + '&geometry=true').then(function (r) {
        if (disposed) return;
        stops = r.stops || [];
        var geo = lines(r);
        if (!geo.length && stops.length) geo = [[[here.lon, here.lat]].concat(stops.map(function (s) { return [s.lon, s.lat]; }))];
        return details().then(function () {
          draw(geo);
          summary.textContent = stops.length ? t('fi.total', { km: ((r.total_m || 0) / 1000).toFixed(1) }) + ' · ' + t('fi.method.' + (r.method === 'straight' ? 'straight' : 'road')) : '';
        });
      }, function (e) {
        if (e.status !== 404 && e.status !== 501) { summary.textContent = e.message; return; }
        return fallback();
      });
    }

    // without the route service: the unit's open tasks this role may act on, nearest neighbour first
    function fallback() {
      return GG.api('/api/v1/reports?limit=500').then(function (b) {
        var open = b.reports.filter(function (c) {
          return (c.actions || []).some(function (a) { return a === 'start' || a === 'resolve' || a === 'verify' || a === 'hear'; });
        });
        var at = here, out = [];
        while (open.length && out.length < K) {
          var best = 0, bd = Infinity;
          open.forEach(function (c, i) { var d = metres(at, c); if (d < bd) { bd = d; best = i; } });
          var c = open.splice(best, 1)[0];
          cases[c.id] = c;
          out.push({ report_id: c.id, lat: c.lat, lon: c.lon, leg_m: bd, eta_s: bd / 1.2 });
          at = c;
        }
        stops = out;
        var total = out.reduce(function (s, x) { return s + x.leg_m; }, 0);
        draw([[[here.lon, here.lat]].concat(out.map(function (s) { return [s.lon, s.lat]; }))]);
        summary.textContent = t('fi.total', { km: (total / 1000).toFixed(1) }) + ' ' + t('fi.fallback');
      }, function (e) { summary.textContent = e.message; });
    }

    function details() {
      return Promise.all(stops.map(function (s) {
        if (cases[s.report_id]) return null;
        return GG.api('/api/v1/reports/' + s.report_id).then(function (c) { cases[c.id] = c; }, function () {});
      }));
    }

    function draw(geo) {
      renderList();
      mapReady.then(function () {
        if (disposed) return;
        map.getSource('route').setData({ type: 'FeatureCollection', features: geo.map(function (c) {
          return { type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: c } };
        }) });
        markers.forEach(function (m) { m.remove(); });
        markers = stops.map(function (s, i) {
          var el = h('button', { type: 'button', class: 'stop-marker', 'aria-label': '#' + s.report_id }, String(i + 1));
          el.addEventListener('click', function (e) { e.stopPropagation(); openTask(s.report_id); });
          return new window.maplibregl.Marker({ element: el }).setLngLat([s.lon, s.lat]).addTo(map);
        });
        if (stops.length) {
          var pts = stops.map(function (s) { return [s.lon, s.lat]; }).concat([[here.lon, here.lat]]);
          var b = pts.reduce(function (a, c) { return [Math.min(a[0], c[0]), Math.min(a[1], c[1]), Math.max(a[2], c[0]), Math.max(a[3], c[1])]; }, [180, 90, -180, -90]);
          map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 60, maxZoom: 16, duration: 0 });
        }
      });
    }

    function renderList() {
      GG.clear(list);
      if (!stops.length) { list.appendChild(h('li', { class: 'muted empty', i18n: 'fi.noTasks' })); return; }
      stops.forEach(function (s, i) {
        var c = cases[s.report_id] || { id: s.report_id };
        list.appendChild(h('li', { 'data-id': s.report_id }, h('button', { type: 'button', onclick: function () { openTask(s.report_id); } },
          h('span', { class: 'stop-no' }, String(i + 1)),
          h('span', { class: 'grow' },
            h('span', { class: 'row between' }, h('strong', null, '#' + c.id + ' ' + (c.category_name || c.category || '')), c.status ? GG.statusChip(c.status) : null),
            h('span', { class: 'muted small' }, t('fi.leg', { m: Math.round(s.leg_m || 0) }) + ' · ' + t('fi.eta', { min: Math.max(1, Math.round((s.eta_s || 0) / 60)) }) +
              (c.overdue ? ' · ' + t('overdue') : ''))))));
      });
    }

    function openTask(id) {
      selected = id;
      list.hidden = true; panel.hidden = false;
      GG.clear(panel).appendChild(h('p', { class: 'muted', i18n: 'loading' }));
      Promise.all([GG.api('/api/v1/reports/' + id), GG.api('/api/v1/reports/' + id + '/events')]).then(function (r) {
        if (disposed || selected !== id) return;
        var c = cases[id] = r[0];
        var formBox = h('div', { class: 'form-box' });
        var acts = c.actions || [];
        var main = acts.indexOf('resolve') >= 0 ? 'resolve' : acts.indexOf('start') >= 0 ? 'start' : null;
        GG.clear(panel).appendChild(h('div', null,
          h('button', { type: 'button', class: 'btn-link', onclick: back }, '← ', h('span', { i18n: 'd.back' })),
          h('div', { class: 'row between' }, h('h2', null, '#' + c.id + ' ' + (c.category_name || c.category)), GG.statusChip(c.status)),
          h('p', { class: 'desc' }, c.description),
          GG.caseFacts(c),
          GG.casePhotos(c, 'staff'),
          h('div', { class: 'actions', id: 'task-actions' }, acts.filter(function (a) { return a !== main; }).map(function (a) {
            return h('button', { type: 'button', 'data-action': a, onclick: function () { showForm(a); } }, t('action.' + a));
          })),
          formBox,
          h('h3', { i18n: 'd.history' }), GG.history(r[1].events)));
        function showForm(a) {
          GG.clear(formBox).appendChild(GG.actionForm(c, a, function (res) {
            cases[id] = res.case;
            if (['resolved', 'closed', 'cancelled', 'verified'].indexOf(res.case.status) >= 0) { back(); load(); } else openTask(id);
          }));
        }
        if (main) showForm(main);
        if (map) map.easeTo({ center: [c.lon, c.lat], zoom: Math.max(map.getZoom(), 15.5) });
      }, function (e) { GG.clear(panel).appendChild(h('p', { class: 'error' }, e.message)); });
    }
    function back() { selected = null; panel.hidden = true; list.hidden = false; renderList(); }

    // start where the worker is when the device may say so quickly, otherwise at the map's centre
    mapReady.then(function () { if (!here) { var c = map.getCenter(); setHere(c.lat, c.lng); } });
    if (!map) setHere(GG.CENTER[1], GG.CENTER[0]);

    return {
      dispose: function () { disposed = true; if (map) map.remove(); },
      onLang: function () { renderList(); if (selected) openTask(selected); }
    };
  };
})();
