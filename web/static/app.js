// gridgov 网格化治理 — first page: the city's administrative units on a map.
//
// Works fully offline: MapLibre GL JS comes from vendor/ (copied there by
// web/build.sh), the style is built here with no external sources, no
// glyphs and no sprite (so no symbol/text layers), and all data comes from
// this server's /api/v1/units.
(function () {
  'use strict';

  // ---------------------------------------------------------------- config

  var API_UNITS = '/api/v1/units';
  var PAGE_LIMIT = 5000;
  var MAX_PAGES = 1000;           // guard against a server that never stops paging
  var FETCH_TIMEOUT_MS = 60000;
  var START = { center: [118.480, 36.697], zoom: 12.5 }; // Qingzhou

  // All levels the page loads, in drawing/status order.
  var LEVELS = ['street', 'community', 'grid', 'building', 'road', 'discuss_point'];

  // Soft, distinct fills for streets (assigned to street codes in sorted order).
  var STREET_PALETTE = [
    '#a8d5cb', '#f6c89f', '#c3bfe0', '#f4a9a0', '#a9c8e3', '#cfe3a0',
    '#f3c6de', '#f7e59a', '#c9a8cf', '#b8dfc0', '#e8c9a8', '#b7cfd6'
  ];
  var STREET_FILL_DEFAULT = '#d9d4ca';
  var STREET_LINE_DEFAULT = '#8a8478';

  var ROAD_CLASS = ['coalesce', ['get', 'class'], 'branch'];
  var IS_POLYGON = ['match', ['geometry-type'], ['Polygon', 'MultiPolygon'], true, false];
  var IS_LINE = ['match', ['geometry-type'], ['LineString', 'MultiLineString'], true, false];
  var IS_POINT = ['match', ['geometry-type'], ['Point', 'MultiPoint'], true, false];

  // Which style layers each checkbox switches.
  var TOGGLE_LAYERS = {
    street: ['street-fill', 'street-line'],
    community: ['community-hit', 'community-line'],
    grid: ['grid-hit', 'grid-line'],
    building: ['building-fill', 'building-line'],
    road: ['road-casing', 'road-line'],
    discuss_point: ['discuss-point']
  };

  // Click priority: the most specific unit under the pointer wins.
  var CLICK_POINTLIKE = [['discuss-point', 'discuss_point']];        // box query
  var CLICK_AREAL = [['building-fill', 'building']];                   // point query
  var CLICK_ROAD = [['road-line', 'road']];                            // box query
  var CLICK_CONTAINERS = [['grid-hit', 'grid'], ['community-hit', 'community'], ['street-fill', 'street']];

  // ------------------------------------------------------------------ i18n

  var STRINGS = {
    zh: {
      htmlLang: 'zh-CN',
      mapLabel: '地图',
      layers: '图层',
      hint: '网格自 13 级、楼院与议事点自 14 级起显示。点击要素查看详情。',
      'level.street': '街道',
      'level.community': '社区',
      'level.grid': '网格',
      'level.building': '楼院',
      'level.road': '道路',
      'level.discuss_point': '说事议事点',
      loading: '正在加载…',
      loadFailed: '加载失败',
      colon: '：',
      noName: '（未命名）',
      code: '编码',
      parentCode: '上级编码',
      roadClass: '道路等级',
      'roadClass.primary': '主干路',
      'roadClass.secondary': '次干路',
      'roadClass.branch': '支路',
      'err.noLibrary': '地图库未加载：请先运行 web/build.sh 再构建服务。',
      'err.webgl': '无法创建地图（浏览器需支持 WebGL）：',
      'err.map': '地图错误：',
      'err.http': '服务器返回错误',
      'err.network': '网络错误',
      'err.unexpected': '意外错误',
      'err.timeout': '请求超时',
      'err.badJSON': '返回内容不是 JSON',
      'err.notFC': '返回内容不是 GeoJSON FeatureCollection',
      'err.badNext': '分页链接 next 无效',
      'err.foreignNext': '分页链接 next 指向其他站点，已拒绝',
      'err.pageLoop': '分页链接 next 重复，已停止',
      'err.tooManyPages': '分页过多，已停止',
      'nav.zoomIn': '放大',
      'nav.zoomOut': '缩小',
      'nav.compass': '拖动旋转地图，点击恢复正北',
      'popup.close': '关闭'
    },
    en: {
      htmlLang: 'en',
      mapLabel: 'Map',
      layers: 'Layers',
      hint: 'Grids show from zoom 13, compounds and discussion points from zoom 14. Click a feature for details.',
      'level.street': 'Street',
      'level.community': 'Community',
      'level.grid': 'Grid',
      'level.building': 'Compound',
      'level.road': 'Road',
      'level.discuss_point': 'Discussion point',
      loading: 'Loading…',
      loadFailed: 'failed to load',
      colon: ': ',
      noName: '(unnamed)',
      code: 'Code',
      parentCode: 'Parent code',
      roadClass: 'Road class',
      'roadClass.primary': 'primary',
      'roadClass.secondary': 'secondary',
      'roadClass.branch': 'branch',
      'err.noLibrary': 'Map library not loaded: run web/build.sh before building the server.',
      'err.webgl': 'Cannot create the map (the browser needs WebGL): ',
      'err.map': 'Map error: ',
      'err.http': 'server error',
      'err.network': 'network error',
      'err.unexpected': 'unexpected error',
      'err.timeout': 'request timed out',
      'err.badJSON': 'response is not JSON',
      'err.notFC': 'response is not a GeoJSON FeatureCollection',
      'err.badNext': 'invalid pagination link "next"',
      'err.foreignNext': 'pagination link "next" points to another site; refused',
      'err.pageLoop': 'pagination link "next" repeats; stopped',
      'err.tooManyPages': 'too many pages; stopped',
      'nav.zoomIn': 'Zoom in',
      'nav.zoomOut': 'Zoom out',
      'nav.compass': 'Drag to rotate map, click to reset north',
      'popup.close': 'Close'
    }
  };

  var lang = readSavedLang();

  function t(key) {
    var table = STRINGS[lang] || STRINGS.zh;
    return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : key;
  }

  function readSavedLang() {
    try {
      var v = window.localStorage.getItem('gridgov.lang');
      if (v === 'zh' || v === 'en') return v;
    } catch (e) { /* storage may be disabled */ }
    return 'zh';
  }

  function saveLang(v) {
    try { window.localStorage.setItem('gridgov.lang', v); } catch (e) { /* ignore */ }
  }

  function escapeHTML(value) {
    return String(value).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  // ----------------------------------------------------------------- state

  var statusEl = document.getElementById('status');
  var panelEl = document.getElementById('panel');

  // per level: { state: 'loading'|'ok'|'error', count, error: LoadError }
  var levelState = {};
  LEVELS.forEach(function (l) { levelState[l] = { state: 'loading', count: 0, error: null }; });
  var mapErrors = [];      // { key, detail }
  var fatal = null;        // { key, detail } — page cannot show a map at all

  // level -> Map(code -> original GeoJSON feature), for the selection outline
  var featuresByCode = {};

  var map = null;
  var popup = null;        // { popup, level, props }

  // ------------------------------------------------------------ i18n apply

  function applyLang() {
    document.documentElement.lang = t('htmlLang');
    Array.prototype.forEach.call(document.querySelectorAll('[data-i18n]'), function (el) {
      el.textContent = t(el.getAttribute('data-i18n'));
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-i18n-aria]'), function (el) {
      el.setAttribute('aria-label', t(el.getAttribute('data-i18n-aria')));
    });
    Array.prototype.forEach.call(document.querySelectorAll('.lang button'), function (b) {
      b.setAttribute('aria-pressed', b.getAttribute('data-lang') === lang ? 'true' : 'false');
    });
    setControlTitles();
    renderStatus();
    if (popup && popup.popup.isOpen()) {
      popup.popup.setHTML(popupHTML(popup.level, popup.props));
      labelPopupClose(popup.popup);
    }
  }

  // MapLibre takes its UI strings once, at construction; retitle the
  // navigation buttons by hand when the language changes.
  function setControlTitles() {
    var pairs = [
      ['.maplibregl-ctrl-zoom-in', 'nav.zoomIn'],
      ['.maplibregl-ctrl-zoom-out', 'nav.zoomOut'],
      ['.maplibregl-ctrl-compass', 'nav.compass']
    ];
    pairs.forEach(function (p) {
      Array.prototype.forEach.call(document.querySelectorAll(p[0]), function (el) {
        el.title = t(p[1]);
        el.setAttribute('aria-label', t(p[1]));
      });
    });
    var canvas = document.querySelector('#map canvas');
    if (canvas) canvas.setAttribute('aria-label', t('mapLabel'));
  }

  function labelPopupClose(p) {
    var el = p.getElement();
    var btn = el && el.querySelector('.maplibregl-popup-close-button');
    if (btn) {
      btn.setAttribute('aria-label', t('popup.close'));
      btn.title = t('popup.close');
    }
  }

  // ---------------------------------------------------------------- status

  function errorText(err) {
    if (!err) return '';
    return t(err.key) + (err.detail ? ' ' + err.detail : '');
  }

  function renderStatus() {
    statusEl.textContent = '';
    if (fatal) {
      var f = document.createElement('span');
      f.className = 'error';
      f.textContent = errorText(fatal);
      statusEl.appendChild(f);
      return;
    }
    var parts = LEVELS.map(function (l) {
      var s = levelState[l];
      if (s.state === 'loading') return t('level.' + l) + ' ' + (s.count ? s.count + '…' : '…');
      if (s.state === 'error') return t('level.' + l) + ' ✕';
      return t('level.' + l) + ' ' + s.count;
    });
    var counts = document.createElement('span');
    counts.textContent = parts.join(' · ');
    statusEl.appendChild(counts);

    LEVELS.forEach(function (l) {
      var s = levelState[l];
      if (s.state !== 'error') return;
      var e = document.createElement('span');
      e.className = 'error';
      e.textContent = t('level.' + l) + ' ' + t('loadFailed') + t('colon') + errorText(s.error);
      statusEl.appendChild(e);
    });
    mapErrors.forEach(function (err) {
      var e = document.createElement('span');
      e.className = 'error';
      e.textContent = errorText(err);
      statusEl.appendChild(e);
    });
  }

  // ------------------------------------------------------------------ data

  function LoadError(key, detail) {
    this.key = key;
    this.detail = detail || '';
    this.message = key + (detail ? ' ' + detail : '');
  }

  function fetchWithTimeout(url) {
    var ctrl = new AbortController();
    var timer = setTimeout(function () { ctrl.abort(); }, FETCH_TIMEOUT_MS);
    return fetch(url, {
      headers: { Accept: 'application/geo+json, application/json' },
      credentials: 'same-origin',
      signal: ctrl.signal
    }).then(function (res) {
      clearTimeout(timer);
      return res;
    }, function (err) {
      clearTimeout(timer);
      throw new LoadError(err && err.name === 'AbortError' ? 'err.timeout' : 'err.network');
    });
  }

  // Short server-side reason from an error body, if it has one.
  function errorDetail(res) {
    return res.text().then(function (body) {
      var msg = '';
      try {
        var j = JSON.parse(body);
        msg = (j && (j.error || j.message || j.detail)) || '';
        if (typeof msg !== 'string') msg = '';
      } catch (e) { /* not JSON */ }
      msg = msg.trim().slice(0, 160);
      return 'HTTP ' + res.status + (msg ? ' — ' + msg : '');
    }, function () { return 'HTTP ' + res.status; });
  }

  // Fetch every page of one level, following the collection's "next" member.
  function loadLevel(level, onPage) {
    var url = new URL(API_UNITS, window.location.href);
    url.searchParams.set('level', level);
    url.searchParams.set('limit', String(PAGE_LIMIT));
    var features = [];
    var seen = {};
    var pages = 0;

    function step(u) {
      if (pages >= MAX_PAGES) return Promise.reject(new LoadError('err.tooManyPages'));
      pages++;
      seen[u.href] = true;
      return fetchWithTimeout(u.href).then(function (res) {
        if (!res.ok) {
          return errorDetail(res).then(function (d) { throw new LoadError('err.http', d); });
        }
        return res.json().then(function (body) {
          return { res: res, body: body };
        }, function () { throw new LoadError('err.badJSON'); });
      }).then(function (r) {
        var body = r.body;
        if (!body || body.type !== 'FeatureCollection' || !Array.isArray(body.features)) {
          throw new LoadError('err.notFC');
        }
        for (var i = 0; i < body.features.length; i++) {
          var f = body.features[i];
          if (f && f.type === 'Feature' && f.geometry) features.push(f);
        }
        onPage(features.length);
        var next = body.next;
        if (next === undefined || next === null || next === '') return features;
        if (typeof next !== 'string') throw new LoadError('err.badNext');
        var nu;
        try {
          nu = new URL(next, r.res.url || u.href);
        } catch (e) {
          throw new LoadError('err.badNext');
        }
        if (nu.origin !== window.location.origin) throw new LoadError('err.foreignNext');
        if (seen[nu.href]) throw new LoadError('err.pageLoop');
        return step(nu);
      });
    }
    return step(url);
  }

  // ----------------------------------------------------------------- style

  function emptyFC() {
    return { type: 'FeatureCollection', features: [] };
  }

  function buildStyle() {
    var sources = {};
    LEVELS.forEach(function (l) {
      sources['src-' + l] = { type: 'geojson', data: emptyFC() };
    });
    sources['src-selection'] = { type: 'geojson', data: emptyFC() };

    function roadWidth(extra) {
      return ['interpolate', ['exponential', 1.5], ['zoom'],
        10, ['+', extra * 0.5, ['match', ROAD_CLASS, 'primary', 1.4, 'secondary', 0.9, 0.4]],
        14, ['+', extra, ['match', ROAD_CLASS, 'primary', 5, 'secondary', 3.5, 1.8]],
        18, ['+', extra * 1.5, ['match', ROAD_CLASS, 'primary', 18, 'secondary', 13, 7]]];
    }

    // No "glyphs" and no "sprite": the page has neither offline, so the
    // style must never contain a symbol layer.
    var style = {
      version: 8,
      name: 'gridgov',
      sources: sources,
      layers: [
        { id: 'background', type: 'background', paint: { 'background-color': '#ece8e1' } },

        { id: 'street-fill', type: 'fill', source: 'src-street', filter: IS_POLYGON,
          paint: { 'fill-color': STREET_FILL_DEFAULT, 'fill-opacity': 0.5 } },

        { id: 'road-casing', type: 'line', source: 'src-road', filter: IS_LINE,
          layout: { 'line-cap': 'round', 'line-join': 'round' },
          paint: { 'line-color': '#bdb6a9', 'line-width': roadWidth(2) } },
        { id: 'road-line', type: 'line', source: 'src-road', filter: IS_LINE,
          layout: { 'line-cap': 'round', 'line-join': 'round' },
          paint: {
            'line-color': ['match', ROAD_CLASS, 'primary', '#ffffff', 'secondary', '#fdfcf9', '#f4f2ee'],
            'line-width': roadWidth(0)
          } },

        { id: 'building-fill', type: 'fill', source: 'src-building', minzoom: 14, filter: IS_POLYGON,
          paint: { 'fill-color': '#f7f1e6', 'fill-opacity': 0.92 } },

        // transparent fills: only there so a click inside a grid/community finds it
        { id: 'community-hit', type: 'fill', source: 'src-community', filter: IS_POLYGON,
          paint: { 'fill-color': '#000000', 'fill-opacity': 0 } },
        { id: 'grid-hit', type: 'fill', source: 'src-grid', minzoom: 13, filter: IS_POLYGON,
          paint: { 'fill-color': '#000000', 'fill-opacity': 0 } },

        { id: 'grid-line', type: 'line', source: 'src-grid', minzoom: 13, filter: IS_POLYGON,
          paint: {
            'line-color': '#6b7a89',
            'line-width': ['interpolate', ['linear'], ['zoom'], 13, 0.7, 17, 1.2],
            'line-dasharray': [3, 2],
            'line-opacity': ['interpolate', ['linear'], ['zoom'], 13, 0.55, 14, 0.85]
          } },
        { id: 'building-line', type: 'line', source: 'src-building', minzoom: 14, filter: IS_POLYGON,
          paint: { 'line-color': '#b9ab95', 'line-width': 0.8 } },
        { id: 'community-line', type: 'line', source: 'src-community', filter: IS_POLYGON,
          layout: { 'line-join': 'round' },
          paint: {
            'line-color': '#4a5a6a',
            'line-width': ['interpolate', ['linear'], ['zoom'], 10, 0.8, 16, 1.8],
            'line-opacity': 0.85
          } },
        { id: 'street-line', type: 'line', source: 'src-street', filter: IS_POLYGON,
          layout: { 'line-join': 'round' },
          paint: {
            'line-color': STREET_LINE_DEFAULT,
            'line-width': ['interpolate', ['linear'], ['zoom'], 10, 2.2, 16, 4.5],
            'line-opacity': 0.9
          } },

        { id: 'discuss-point', type: 'circle', source: 'src-discuss_point', minzoom: 14, filter: IS_POINT,
          paint: {
            'circle-color': '#d9480f',
            'circle-radius': ['interpolate', ['linear'], ['zoom'], 14, 4, 18, 7],
            'circle-stroke-color': '#ffffff',
            'circle-stroke-width': 1.5
          } },

        { id: 'selection-line', type: 'line', source: 'src-selection', filter: ['!', IS_POINT],
          layout: { 'line-join': 'round', 'line-cap': 'round' },
          paint: { 'line-color': '#e8590c', 'line-width': 3, 'line-opacity': 0.9 } },
        { id: 'selection-point', type: 'circle', source: 'src-selection', filter: IS_POINT,
          paint: {
            'circle-color': 'rgba(0,0,0,0)',
            'circle-radius': 9,
            'circle-stroke-color': '#e8590c',
            'circle-stroke-width': 2.5
          } }
      ]
    };

    // start with the visibility the checkboxes show (browsers restore
    // checkbox state on reload)
    var hidden = {};
    Array.prototype.forEach.call(document.querySelectorAll('[data-toggle]'), function (box) {
      if (!box.checked) {
        (TOGGLE_LAYERS[box.getAttribute('data-toggle')] || []).forEach(function (id) { hidden[id] = true; });
      }
    });
    style.layers.forEach(function (layer) {
      if (hidden[layer.id]) layer.layout = Object.assign({}, layer.layout, { visibility: 'none' });
    });
    return style;
  }

  // darken a #rrggbb colour by the given fraction
  function darken(hex, amount) {
    var n = parseInt(hex.slice(1), 16);
    var r = Math.round(((n >> 16) & 255) * (1 - amount));
    var g = Math.round(((n >> 8) & 255) * (1 - amount));
    var b = Math.round((n & 255) * (1 - amount));
    return '#' + ((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1);
  }

  // Colour streets by code: a match expression built from the codes we got.
  function applyStreetColours(features) {
    var codes = [];
    var seen = {};
    features.forEach(function (f) {
      var c = f.properties && f.properties.code;
      if ((typeof c === 'string' || typeof c === 'number') && !seen[c]) {
        seen[c] = true;
        codes.push(String(c));
      }
    });
    codes.sort();
    if (codes.length === 0) return;
    var fill = ['match', ['to-string', ['get', 'code']]];
    var line = ['match', ['to-string', ['get', 'code']]];
    codes.forEach(function (c, i) {
      var colour = STREET_PALETTE[i % STREET_PALETTE.length];
      fill.push(c, colour);
      line.push(c, darken(colour, 0.38));
    });
    fill.push(STREET_FILL_DEFAULT);
    line.push(STREET_LINE_DEFAULT);
    map.setPaintProperty('street-fill', 'fill-color', fill);
    map.setPaintProperty('street-line', 'line-color', line);
  }

  function extendBounds(b, coords) {
    if (typeof coords[0] === 'number') {
      var x = coords[0], y = coords[1];
      if (isFinite(x) && isFinite(y)) {
        if (x < b[0]) b[0] = x;
        if (y < b[1]) b[1] = y;
        if (x > b[2]) b[2] = x;
        if (y > b[3]) b[3] = y;
      }
      return;
    }
    for (var i = 0; i < coords.length; i++) extendBounds(b, coords[i]);
  }

  function featuresBounds(features) {
    var b = [Infinity, Infinity, -Infinity, -Infinity];
    features.forEach(function (f) {
      var g = f.geometry;
      if (!g) return;
      if (g.type === 'GeometryCollection') {
        (g.geometries || []).forEach(function (gg) { if (gg.coordinates) extendBounds(b, gg.coordinates); });
      } else if (g.coordinates) {
        extendBounds(b, g.coordinates);
      }
    });
    return b[0] <= b[2] && b[1] <= b[3] ? b : null;
  }

  function fitTo(features) {
    var b = featuresBounds(features);
    if (!b) return;
    var c = map.getContainer();
    var w = c.clientWidth, h = c.clientHeight;
    // keep the streets clear of the panel: beside it on wide screens,
    // below it on narrow ones
    var pad = { top: 40, bottom: 40, left: 40, right: 60 };
    if (panelEl.offsetWidth < w / 2) {
      pad.left = panelEl.offsetLeft + panelEl.offsetWidth + 30;
    } else {
      pad.top = panelEl.offsetTop + panelEl.offsetHeight + 20;
      pad.left = 20;
      pad.bottom = 50;
    }
    if (w - pad.left - pad.right < 80 || h - pad.top - pad.bottom < 80) {
      pad = 10;
    }
    map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: pad, maxZoom: 16, duration: 0 });
  }

  // ---------------------------------------------------------------- popup

  function popupHTML(level, props) {
    var p = props || {};
    var name = (p.name === undefined || p.name === null || p.name === '') ? t('noName') : p.name;
    var rows = [
      [t('code'), p.code],
      [t('parentCode'), p.parent_code]
    ];
    if (level === 'road') {
      var cls = (p['class'] === undefined || p['class'] === null || p['class'] === '') ? 'branch' : String(p['class']);
      var clsKey = 'roadClass.' + cls;
      rows.push([t('roadClass'), STRINGS.zh[clsKey] ? t(clsKey) : cls]);
    }
    var dl = rows.map(function (r) {
      var v = (r[1] === undefined || r[1] === null || r[1] === '') ? '—' : r[1];
      return '<dt>' + escapeHTML(r[0]) + '</dt><dd>' + escapeHTML(v) + '</dd>';
    }).join('');
    return '<div class="popup-level">' + escapeHTML(t('level.' + level)) + '</div>' +
      '<p class="popup-name">' + escapeHTML(name) + '</p>' +
      '<dl class="popup-props">' + dl + '</dl>';
  }

  function pickFeature(point) {
    var box = [[point.x - 5, point.y - 5], [point.x + 5, point.y + 5]];
    var order = [
      [CLICK_POINTLIKE, box],
      [CLICK_AREAL, point],
      [CLICK_ROAD, box],
      [CLICK_CONTAINERS, point]
    ];
    for (var i = 0; i < order.length; i++) {
      var group = order[i][0];
      for (var j = 0; j < group.length; j++) {
        var layerId = group[j][0];
        if (map.getLayoutProperty(layerId, 'visibility') === 'none') continue;
        var hits = map.queryRenderedFeatures(order[i][1], { layers: [layerId] });
        if (hits.length) return { level: group[j][1], feature: hits[0] };
      }
    }
    return null;
  }

  function showSelection(level, hit) {
    var code = hit.properties && hit.properties.code;
    var idx = featuresByCode[level];
    var orig = (code !== undefined && idx) ? idx.get(String(code)) : null;
    var geom = orig ? orig.geometry : hit.geometry;
    map.getSource('src-selection').setData({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: {}, geometry: geom }]
    });
  }

  function clearSelection() {
    var src = map.getSource('src-selection');
    if (src) src.setData(emptyFC());
  }

  function onClick(e) {
    var hit = pickFeature(e.point);
    if (popup) {
      var old = popup.popup;
      popup = null;
      old.remove();
    }
    if (!hit) {
      clearSelection();
      return;
    }
    var at = e.lngLat;
    if (hit.feature.geometry && hit.feature.geometry.type === 'Point') {
      at = hit.feature.geometry.coordinates;
    }
    var p = new maplibregl.Popup({ closeOnClick: false, maxWidth: '300px', offset: 8 })
      .setLngLat(at)
      .setHTML(popupHTML(hit.level, hit.feature.properties))
      .addTo(map);
    labelPopupClose(p);
    var entry = { popup: p, level: hit.level, props: hit.feature.properties };
    p.on('close', function () {
      if (popup === entry) {
        popup = null;
        clearSelection();
      }
    });
    popup = entry;
    showSelection(hit.level, hit.feature);
  }

  // ------------------------------------------------------------------ main

  function setupToggles() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-toggle]'), function (box) {
      box.addEventListener('change', function () {
        var level = box.getAttribute('data-toggle');
        (TOGGLE_LAYERS[level] || []).forEach(function (id) {
          if (map && map.getLayer(id)) {
            map.setLayoutProperty(id, 'visibility', box.checked ? 'visible' : 'none');
          }
        });
        if (!box.checked && popup && popup.level === level) popup.popup.remove();
      });
    });
  }

  function setupLangSwitch() {
    Array.prototype.forEach.call(document.querySelectorAll('.lang button'), function (b) {
      b.addEventListener('click', function () {
        var v = b.getAttribute('data-lang');
        if (v === lang || !STRINGS[v]) return;
        lang = v;
        saveLang(v);
        applyLang();
      });
    });
  }

  function setupHoverCursor() {
    var pending = null;
    var scheduled = false;
    map.on('mousemove', function (e) {
      pending = e.point;
      if (scheduled) return;
      scheduled = true;
      window.requestAnimationFrame(function () {
        scheduled = false;
        if (!pending) return;
        var hit = pickFeature(pending);
        map.getCanvas().style.cursor = hit ? 'pointer' : '';
        pending = null;
      });
    });
    map.on('mouseout', function () {
      pending = null;
      map.getCanvas().style.cursor = '';
    });
  }

  function main() {
    setupLangSwitch();

    if (typeof window.maplibregl === 'undefined') {
      fatal = { key: 'err.noLibrary' };
      applyLang();
      return;
    }

    // a link with a saved view (#map=z/lat/lng) keeps that view instead of
    // fitting to the streets
    var startedFromHash = /(^#|&)map=/.test(window.location.hash);

    try {
      map = new maplibregl.Map({
        container: 'map',
        style: buildStyle(),
        center: START.center,
        zoom: START.zoom,
        maxZoom: 19,
        hash: 'map',             // shareable view: #map=zoom/lat/lng
        attributionControl: false,
        locale: {
          'NavigationControl.ZoomIn': t('nav.zoomIn'),
          'NavigationControl.ZoomOut': t('nav.zoomOut'),
          'NavigationControl.ResetBearing': t('nav.compass'),
          'Popup.Close': t('popup.close'),
          'Map.Title': t('mapLabel')
        }
      });
    } catch (err) {
      fatal = { key: 'err.webgl', detail: err && err.message ? err.message : String(err) };
      applyLang();
      return;
    }

    map.addControl(new maplibregl.NavigationControl({ visualizePitch: true }), 'top-right');
    map.addControl(new maplibregl.ScaleControl({ unit: 'metric', maxWidth: 120 }), 'bottom-left');

    map.on('error', function (e) {
      var msg = (e && e.error && e.error.message) ? e.error.message : 'unknown';
      if (window.console) console.error('gridgov map:', e && e.error ? e.error : e);
      mapErrors.push({ key: 'err.map', detail: msg });
      if (mapErrors.length > 3) mapErrors.shift();   // show the latest few only
      renderStatus();
    });

    setupToggles();
    applyLang();

    var mapLoaded = new Promise(function (resolve) { map.once('load', resolve); });

    LEVELS.forEach(function (level) {
      loadLevel(level, function (n) {
        levelState[level].count = n;   // pages so far: shown as "楼院 21…"
        renderStatus();
      }).then(function (features) {
        var idx = new Map();
        features.forEach(function (f) {
          var c = f.properties && f.properties.code;
          if (c !== undefined && c !== null) idx.set(String(c), f);
        });
        featuresByCode[level] = idx;
        levelState[level] = { state: 'ok', count: features.length, error: null };
        renderStatus();
        return mapLoaded.then(function () {
          map.getSource('src-' + level).setData({ type: 'FeatureCollection', features: features });
          if (level === 'street') {
            applyStreetColours(features);
            if (!startedFromHash) fitTo(features);
          }
        });
      }).catch(function (err) {
        var le = err instanceof LoadError ? err : new LoadError('err.unexpected', err && err.message);
        levelState[level] = { state: 'error', count: 0, error: le };
        renderStatus();
      });
    });

    mapLoaded.then(function () {
      map.on('click', onClick);
      setupHoverCursor();
    });
  }

  main();
})();
