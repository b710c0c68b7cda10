// gridgov — what every page shares: DOM building, tokens, the API client (with 429 back-off), the live feed
// reader, photo downscaling and the offline base map drawn from gridgov's own vector tiles.
(function () {
  'use strict';
  var GG = window.GG;
  var t = GG.t;

  // ------------------------------------------------------------------ DOM

  // h('div', {class: 'x', i18n: 'key', onclick: fn}, child, 'text', [children]) builds an element. i18n keys
  // are re-applied when the language changes (GG.applyLang).
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === undefined || v === null || v === false) return;
        if (k === 'class') el.className = v;
        else if (k === 'i18n') { el.setAttribute('data-i18n', v); el.textContent = t(v); }
        else if (k === 'i18nPlaceholder') { el.setAttribute('data-i18n-placeholder', v); el.placeholder = t(v); }
        else if (k === 'i18nTitle') { el.setAttribute('data-i18n-title', v); el.title = t(v); el.setAttribute('aria-label', t(v)); }
        else if (k.slice(0, 2) === 'on' && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else if (k === 'text') el.textContent = v;
        else if (k === 'html') el.innerHTML = v;
        else if (v === true) el.setAttribute(k, '');
        else el.setAttribute(k, v);
      });
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, c) {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { append(el, x); }); return; }
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }
  GG.h = h; GG.clear = clear;

  GG.applyLang = function (root) {
    root = root || document;
    document.documentElement.lang = t('htmlLang');
    Array.prototype.forEach.call(root.querySelectorAll('[data-i18n]'), function (el) {
      el.textContent = t(el.getAttribute('data-i18n'));
    });
    Array.prototype.forEach.call(root.querySelectorAll('[data-i18n-placeholder]'), function (el) {
      el.placeholder = t(el.getAttribute('data-i18n-placeholder'));
    });
    Array.prototype.forEach.call(root.querySelectorAll('[data-i18n-title]'), function (el) {
      el.title = t(el.getAttribute('data-i18n-title'));
      el.setAttribute('aria-label', el.title);
    });
  };

  // ---------------------------------------------------------------- toast

  var toastTimer = null;
  GG.toast = function (msg, kind) {
    var el = document.getElementById('toast');
    if (!el) return;
    el.textContent = msg;
    el.className = 'toast show' + (kind ? ' ' + kind : '');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { el.className = 'toast'; }, kind === 'error' ? 6000 : 3500);
  };

  // --------------------------------------------------------------- format

  GG.fmtTime = function (s) {
    if (!s) return '';
    var d = new Date(s);
    if (isNaN(d)) return '';
    var p = function (n) { return (n < 10 ? '0' : '') + n; };
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + p(d.getHours()) + ':' + p(d.getMinutes());
  };
  GG.fmtPct = function (v) { return v === null || v === undefined ? '—' : (Math.round(v * 1000) / 10) + '%'; };
  GG.statusLabel = function (s) { return GG.has('status.' + s) ? t('status.' + s) : s; };
  GG.OPEN = ['reported', 'heard', 'deliberating', 'decided', 'dispatched', 'in_progress', 'resolved', 'verified', 'suspended'];
  GG.STATUSES = GG.OPEN.concat(['closed', 'cancelled']);
  GG.STATUS_COLOURS = {
    reported: '#d9480f', heard: '#e67700', deliberating: '#9c36b5', decided: '#7048e8', dispatched: '#1c7ed6',
    in_progress: '#1098ad', resolved: '#2f9e44', verified: '#66a80f', closed: '#868e96', suspended: '#495057',
    cancelled: '#adb5bd'
  };
  GG.statusChip = function (s) {
    return h('span', { class: 'chip', style: 'background:' + (GG.STATUS_COLOURS[s] || '#868e96') }, GG.statusLabel(s));
  };

  // ---------------------------------------------------------------- tokens

  // A staff token lives in sessionStorage (or localStorage when "remember" was ticked); a resident's device
  // token in localStorage. The claims are read only to label the UI: the server checks every request.
  function store(kind) {
    try {
      return { local: window.localStorage, session: window.sessionStorage }[kind];
    } catch (e) { return null; }
  }
  function getItem(kind, key) { var s = store(kind); try { return s ? s.getItem(key) : null; } catch (e) { return null; } }
  function setItem(kind, key, v) { var s = store(kind); try { if (s) { if (v === null) s.removeItem(key); else s.setItem(key, v); } } catch (e) { /* ignore */ } }

  GG.claims = function (tok) {
    if (!tok || tok.indexOf('gg1.') !== 0) return null;
    var parts = tok.split('.');
    if (parts.length !== 3) return null;
    try {
      var b = parts[1].replace(/-/g, '+').replace(/_/g, '/');
      while (b.length % 4) b += '=';
      var json = decodeURIComponent(Array.prototype.map.call(atob(b), function (c) {
        return '%' + ('00' + c.charCodeAt(0).toString(16)).slice(-2);
      }).join(''));
      var c = JSON.parse(json);
      return c && c.role ? c : null;
    } catch (e) { return null; }
  };
  GG.staffToken = function () {
    var tok = getItem('session', 'gridgov.token') || getItem('local', 'gridgov.token');
    var c = GG.claims(tok);
    if (!c || c.role === 'resident') return null;
    if (c.exp && c.exp * 1000 < Date.now()) return null;
    return tok;
  };
  GG.staff = function () { return GG.claims(GG.staffToken()); };
  GG.setStaffToken = function (tok, remember) {
    setItem('session', 'gridgov.token', null);
    setItem('local', 'gridgov.token', null);
    if (tok) setItem(remember ? 'local' : 'session', 'gridgov.token', tok);
  };
  GG.residentToken = function () { return getItem('local', 'gridgov.resident'); };
  // ensureResident returns the device's resident token, asking the server for one the first time.
  GG.ensureResident = function () {
    var tok = GG.residentToken();
    var c = GG.claims(tok);
    if (c && (!c.exp || c.exp * 1000 > Date.now() + 86400000)) return Promise.resolve(tok);
    return GG.api('/api/v1/residents/token', { method: 'POST', auth: 'none' }).then(function (b) {
      setItem('local', 'gridgov.resident', b.token);
      return b.token;
    });
  };

  // ------------------------------------------------------------------ API

  function APIError(status, code, message, field, detail) {
    this.status = status; this.code = code; this.message = message; this.field = field; this.detail = detail || {};
  }
  APIError.prototype = Object.create(Error.prototype);
  GG.APIError = APIError;

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  GG.sleep = sleep;

  // api(path, {method, body, auth: 'staff'|'resident'|'none'|token, headers, raw}) → parsed JSON (or the
  // Response when raw). 429 answers are retried after Retry-After (at most 3 times); GETs and requests with an
  // Idempotency-Key are safe to repeat.
  GG.api = function (path, opt) {
    opt = opt || {};
    var headers = {};
    Object.keys(opt.headers || {}).forEach(function (k) { headers[k] = opt.headers[k]; });
    var tok = opt.auth === 'none' ? null : opt.auth === 'resident' ? GG.residentToken()
      : opt.auth && opt.auth !== 'staff' ? opt.auth : GG.staffToken();
    if (tok) headers.Authorization = 'Bearer ' + tok;
    var body;
    if (opt.body !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(opt.body); }
    var attempt = 0;
    function go() {
      return fetch(path, { method: opt.method || 'GET', headers: headers, body: body, signal: opt.signal })
        .catch(function (err) {
          if (err && err.name === 'AbortError') throw err;
          throw new APIError(0, 'network', t('err.network'));
        })
        .then(function (res) {
          if (res.status === 429 && attempt < 3) {
            attempt++;
            var s = parseInt(res.headers.get('Retry-After'), 10);
            if (!(s >= 0)) s = attempt * 2;
            s = Math.min(s, 30);
            GG.toast(t('err.rate', { s: s }), 'warn');
            return sleep(s * 1000).then(go);
          }
          if (!res.ok) {
            return res.text().then(function (txt) {
              var e = null;
              try { e = JSON.parse(txt).error; } catch (x) { /* not JSON */ }
              throw new APIError(res.status, e && e.code || 'http_' + res.status,
                (e && e.message) || (res.status >= 500 ? t('err.server') : 'HTTP ' + res.status), e && e.field, e);
            });
          }
          if (opt.raw) return res;
          if (res.status === 204) return null;
          return res.json();
        });
    }
    return go();
  };

  GG.randomKey = function () {
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  };

  // ------------------------------------------------------------- live feed

  // stream(onCase, onState) follows GET /api/v1/stream with fetch rather than EventSource, so that the token
  // travels in the Authorization header (never in a URL, where logs and history would keep it). It resumes
  // from the last event id after a break. Returns a function that stops it.
  GG.stream = function (auth, onCase, onState) {
    var stopped = false, ctrl = null, lastId = null, delay = 1000;
    function run() {
      if (stopped) return;
      ctrl = new AbortController();
      var headers = { Accept: 'text/event-stream' };
      var tok = auth === 'resident' ? GG.residentToken() : auth === 'none' ? null : GG.staffToken();
      if (tok) headers.Authorization = 'Bearer ' + tok;
      if (lastId) headers['Last-Event-ID'] = lastId;
      fetch('/api/v1/stream', { headers: headers, signal: ctrl.signal, cache: 'no-store' }).then(function (res) {
        if (!res.ok || !res.body) throw new Error('stream ' + res.status);
        onState(true);
        delay = 1000;
        var reader = res.body.getReader();
        var dec = new TextDecoder();
        var buf = '';
        function pump() {
          return reader.read().then(function (r) {
            if (r.done) throw new Error('stream ended');
            buf += dec.decode(r.value, { stream: true }).replace(/\r\n?/g, '\n');
            var i;
            while ((i = buf.indexOf('\n\n')) >= 0) {
              var block = buf.slice(0, i); buf = buf.slice(i + 2);
              var ev = 'message', data = [], id = null;
              block.split('\n').forEach(function (line) {
                if (line.charAt(0) === ':') return;
                var c = line.indexOf(':');
                var field = c < 0 ? line : line.slice(0, c);
                var val = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
                if (field === 'event') ev = val; else if (field === 'data') data.push(val); else if (field === 'id') id = val;
              });
              if (id) lastId = id;
              if (ev === 'case' && data.length) {
                try { onCase(JSON.parse(data.join('\n'))); } catch (e) { /* a bad event is skipped */ }
              }
            }
            return pump();
          });
        }
        return pump();
      }).catch(function () {
        if (stopped) return;
        onState(false);
        setTimeout(run, delay);
        delay = Math.min(delay * 2, 30000);
      });
    }
    run();
    return function () { stopped = true; if (ctrl) ctrl.abort(); };
  };

  // ---------------------------------------------------------------- photos

  // downscale(file) → a JPEG data URI at most 1600 px on its longer side and under the server's 5 MB limit.
  GG.downscale = function (file) {
    var LIMIT = 5 * 1024 * 1024;
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        URL.revokeObjectURL(url);
        var max = 1600;
        var tries = [[max, 0.82], [1280, 0.75], [1024, 0.7], [800, 0.6]];
        for (var i = 0; i < tries.length; i++) {
          var scale = Math.min(1, tries[i][0] / Math.max(img.naturalWidth, img.naturalHeight));
          var c = document.createElement('canvas');
          c.width = Math.max(1, Math.round(img.naturalWidth * scale));
          c.height = Math.max(1, Math.round(img.naturalHeight * scale));
          c.getContext('2d').drawImage(img, 0, 0, c.width, c.height);
          var uri = c.toDataURL('image/jpeg', tries[i][1]);
          if ((uri.length - uri.indexOf(',') - 1) * 3 / 4 < LIMIT) { resolve(uri); return; }
        }
        reject(new Error(t('r.photoBig')));
      };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error('image')); };
      img.src = url;
    });
  };

  // casePhotos(c, auth) → thumbnails of a case's photos, or null when it has none. c.photos (their URLs) is given
  // only to those who see the case in full, so nobody else asks for them. Each is read with the token in the
  // Authorization header (never in a URL) and shown from an object URL, released once the image has loaded; a
  // photo that cannot be read is left out quietly. A tap enlarges a thumbnail.
  GG.casePhotos = function (c, auth) {
    var urls = c && Array.isArray(c.photos) ? c.photos : [];
    if (!urls.length) return null;
    var strip = h('div', { class: 'photo-strip' });
    urls.forEach(function (u, i) {
      var slot = h('button', { type: 'button', class: 'thumb loading', 'data-index': i + 1, 'aria-label': t('d.photo', { i: i + 1 }),
        onclick: function () { slot.classList.toggle('big'); } });
      strip.appendChild(slot);
      GG.api(u, { auth: auth || 'staff', raw: true }).then(function (res) { return res.blob(); }).then(function (blob) {
        var src = URL.createObjectURL(blob);
        var img = h('img', { src: src, alt: t('d.photo', { i: i + 1 }) });
        img.addEventListener('load', function () { URL.revokeObjectURL(src); slot.classList.remove('loading'); });
        img.addEventListener('error', function () { URL.revokeObjectURL(src); slot.remove(); });
        slot.appendChild(img);
      }, function () { slot.remove(); });
    });
    return h('div', { class: 'photos' }, h('h3', null, t('d.photos', { n: urls.length })), strip);
  };

  // ------------------------------------------------------------- base map

  GG.CENTER = [118.480, 36.697];

  function tiles(layer) { return [window.location.origin + '/tiles/' + layer + '/{z}/{x}/{y}.mvt']; }

  // baseStyle is the calm base map: gridgov's own unit layers from its vector tiles, no glyphs, no sprite.
  GG.baseStyle = function (opts) {
    opts = opts || {};
    var src = function (layer, minzoom) {
      return { type: 'vector', tiles: tiles(layer), minzoom: minzoom, maxzoom: 18 };
    };
    var layers = [
      { id: 'background', type: 'background', paint: { 'background-color': '#f3f1ec' } },
      { id: 'street-fill', type: 'fill', source: 'streets', 'source-layer': 'streets',
        // soft tints told apart by the street code's last digits
        paint: { 'fill-color': ['match', ['%', ['to-number', ['slice', ['get', 'code'], 6], 0], 7],
          0, '#ece5d8', 1, '#e3eadf', 2, '#ece2df', 3, '#e0e6ec', 4, '#e9e7d6', 5, '#e6e0ea', 6, '#dfe9e7', '#ebe6dc'], 'fill-opacity': 0.95 } },
      { id: 'community-fill', type: 'fill', source: 'communities', 'source-layer': 'communities', minzoom: 10,
        paint: { 'fill-color': ['case', ['boolean', ['feature-state', 'hover'], false], '#e2dccf', 'rgba(0,0,0,0)'] } },
      { id: 'building-fill', type: 'fill', source: 'buildings', 'source-layer': 'buildings', minzoom: 14,
        paint: { 'fill-color': '#ddd5c6', 'fill-opacity': 0.8 } },
      { id: 'grid-fill', type: 'fill', source: 'grids', 'source-layer': 'grids', minzoom: 13,
        paint: { 'fill-color': 'rgba(0,0,0,0)' } },
      { id: 'road-casing', type: 'line', source: 'roads', 'source-layer': 'roads', minzoom: 12,
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': '#d6cfc2', 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 1.5, 16, 9] } },
      { id: 'road-line', type: 'line', source: 'roads', 'source-layer': 'roads', minzoom: 12,
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': '#ffffff', 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 0.8, 16, 6] } },
      { id: 'grid-line', type: 'line', source: 'grids', 'source-layer': 'grids', minzoom: 13,
        paint: { 'line-color': '#a99f8c', 'line-width': 0.8, 'line-dasharray': [3, 2] } },
      { id: 'community-line', type: 'line', source: 'communities', 'source-layer': 'communities', minzoom: 10,
        paint: { 'line-color': '#8c8270', 'line-width': ['interpolate', ['linear'], ['zoom'], 10, 0.6, 15, 1.6] } },
      { id: 'street-line', type: 'line', source: 'streets', 'source-layer': 'streets',
        paint: { 'line-color': '#6f6656', 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 1, 15, 2.6] } },
      { id: 'discuss-point', type: 'circle', source: 'discuss_points', 'source-layer': 'discuss_points', minzoom: 14,
        paint: { 'circle-radius': 3, 'circle-color': '#f8f4ea', 'circle-stroke-color': '#8c8270', 'circle-stroke-width': 1 } }
    ];
    return {
      version: 8,
      sources: {
        streets: src('streets', 8), communities: src('communities', 10), grids: src('grids', 12),
        buildings: src('buildings', 14), roads: src('roads', 12), discuss_points: src('discuss_points', 14)
      },
      layers: opts.noDiscuss ? layers.filter(function (l) { return l.id !== 'discuss-point'; }) : layers
    };
  };

  // makeMap(container, {center, zoom}) → a MapLibre map on the base style, exposed as GG.map for tests.
  GG.makeMap = function (container, opts) {
    opts = opts || {};
    if (!window.maplibregl) throw new Error(t('err.noLibrary'));
    var map;
    try {
      map = new window.maplibregl.Map({
        container: container, style: GG.baseStyle(opts), center: opts.center || GG.CENTER,
        zoom: opts.zoom || 13, minZoom: 9, maxZoom: 18, attributionControl: false, dragRotate: false,
        pitchWithRotate: false, fadeDuration: 0,
        locale: GG.lang() === 'en' ? {} : {
          'NavigationControl.ZoomIn': '放大', 'NavigationControl.ZoomOut': '缩小',
          'NavigationControl.ResetBearing': '恢复正北', 'GeolocateControl.FindMyLocation': '我的位置'
        }
      });
    } catch (e) {
      throw new Error(t('err.map'));
    }
    map.touchZoomRotate.disableRotation();
    map.addControl(new window.maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    map.addControl(new window.maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
    map.on('error', function (e) {
      // a tile that failed to load is retried by MapLibre; log once for the developer, quietly
      if (window.console && e && e.error && !/AbortError/.test(String(e.error))) console.warn('map:', e.error.message || e.error);
    });
    GG.map = map;
    return map;
  };

  GG.UNIT_LAYERS = [['building-fill', 'building'], ['community-fill', 'community'], ['street-fill', 'street']];

  // unitPopup shows what lies under a click on the base map.
  GG.unitAt = function (map, point) {
    var hits = map.queryRenderedFeatures(point, { layers: ['discuss-point', 'building-fill', 'grid-fill', 'community-fill', 'street-fill'].filter(function (id) { return map.getLayer(id); }) });
    var order = { discuss_points: 0, buildings: 1, grids: 2, communities: 3, streets: 4 };
    hits.sort(function (a, b) { return order[a.sourceLayer] - order[b.sourceLayer]; });
    return hits[0] || null;
  };
})();
