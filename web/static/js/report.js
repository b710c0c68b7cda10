// gridgov — /report: a resident drops a pin (or uses the device's location), sees the grid and the party unit
// it resolves to, picks a category, describes the problem, adds a photo (downscaled here) and sends it with an
// Idempotency-Key, so that a retry after a lost answer creates nothing twice. The answer is the case number.
(function () {
  'use strict';
  var GG = window.GG;
  var h = GG.h, t = GG.t;
  GG.pages = GG.pages || {};

  GG.pages.report = function (view) {
    var disposed = false;
    var pin = null;          // {lat, lon}
    var located = null;      // the /locate answer
    var photo = null;        // data URI
    var idemKey = GG.randomKey();
    var categories = [];

    var mapEl = h('div', { class: 'map', id: 'map', role: 'region', 'aria-label': t('r.step1') });
    var where = h('div', { class: 'where', id: 'where', 'aria-live': 'polite' }, h('p', { class: 'muted', i18n: 'r.pinHint' }));
    var locBtn = h('button', { type: 'button', id: 'use-location' }, '◎ ', h('span', { i18n: 'r.useLocation' }));
    var catSel = h('select', { id: 'category', name: 'category', required: true });
    var desc = h('textarea', { id: 'description', name: 'description', rows: 4, maxlength: 2000, required: true, i18nPlaceholder: 'r.descHint' });
    var urgent = h('input', { type: 'checkbox', id: 'urgent' });
    var fileIn = h('input', { type: 'file', id: 'photo', accept: 'image/*', capture: 'environment' });
    var preview = h('div', { class: 'preview' });
    var nameIn = h('input', { type: 'text', id: 'rep-name', autocomplete: 'name', maxlength: 50 });
    var phoneIn = h('input', { type: 'tel', id: 'rep-phone', autocomplete: 'tel', maxlength: 20 });
    var err = h('p', { class: 'error', role: 'alert', id: 'report-error' });
    var submit = h('button', { type: 'submit', class: 'primary wide', id: 'submit', i18n: 'r.submit' });
    var form = h('form', { class: 'report-form', id: 'report-form', novalidate: true },
      h('h1', { i18n: 'r.title' }),
      h('h2', { i18n: 'r.step1' }), where, locBtn,
      h('h2', { i18n: 'r.step2' }),
      h('label', null, h('span', { i18n: 'r.category' }), catSel),
      h('label', null, h('span', { i18n: 'r.description' }), desc),
      h('label', { class: 'check' }, urgent, ' ', h('span', { i18n: 'r.urgent' })),
      h('label', null, h('span', null, h('span', { i18n: 'r.photo' }), ' ', h('small', { class: 'muted', i18n: 'r.photoHint' })), fileIn),
      preview,
      h('details', null, h('summary', { i18n: 'r.step3' }),
        h('label', null, h('span', { i18n: 'r.name' }), nameIn),
        h('label', null, h('span', { i18n: 'r.phone' }), phoneIn)),
      err, submit);
    var side = h('aside', { class: 'side form-side' }, form);
    view.appendChild(h('div', { class: 'split' }, mapEl, side));

    var map = null, marker = null;
    try { map = GG.makeMap(mapEl, { zoom: 15, center: GG.CENTER }); } catch (e) { mapEl.appendChild(h('p', { class: 'error pad' }, e.message)); }

    function setPin(lat, lon, fly) {
      pin = { lat: Math.round(lat * 1e7) / 1e7, lon: Math.round(lon * 1e7) / 1e7 };
      if (map) {
        if (!marker) {
          marker = new window.maplibregl.Marker({ draggable: true, color: '#d9480f' }).setLngLat([lon, lat]).addTo(map);
          marker.on('dragend', function () { var p = marker.getLngLat(); setPin(p.lat, p.lng, false); });
        } else marker.setLngLat([lon, lat]);
        if (fly) map.easeTo({ center: [lon, lat], zoom: Math.max(map.getZoom(), 16) });
      }
      locate();
    }
    GG.setPin = setPin; // for tests and for the browser console

    var locSeq = 0;
    function locate() {
      var seq = ++locSeq;
      located = null;
      GG.clear(where).appendChild(h('p', { class: 'muted', i18n: 'loading' }));
      GG.api('/api/v1/locate?lat=' + pin.lat + '&lon=' + pin.lon, { auth: 'none' }).then(function (r) {
        if (seq !== locSeq || disposed) return;
        located = r;
        renderWhere();
      }, function (e) {
        if (seq !== locSeq || disposed) return;
        var d = e.detail || {};
        GG.clear(where).appendChild(h('p', { class: 'error' }, e.code === 'outside_coverage'
          ? t('r.outside', { grid: d.nearest_grid ? d.nearest_grid.name : '', m: Math.round(d.distance_m || 0) }) : e.message));
      });
    }
    function renderWhere() {
      var r = located;
      if (!r) return;
      var party = r.responsible && r.responsible[0];
      GG.clear(where).appendChild(h('dl', { class: 'facts', id: 'located' },
        h('dt', { i18n: 'r.grid' }), h('dd', null, [r.street, r.community, r.grid].filter(Boolean).map(function (u) { return u.name; }).join(' / ')),
        r.building ? [h('dt', { i18n: 'level.building' }), h('dd', null, r.building.name)] : null,
        h('dt', { i18n: 'r.party' }), h('dd', null, party ? party.name : t('none'))));
    }

    if (map) {
      map.on('click', function (e) { setPin(e.lngLat.lat, e.lngLat.lng, false); });
    }

    locBtn.addEventListener('click', function () {
      if (!navigator.geolocation) { GG.toast(t('r.locFailed', { msg: '—' }), 'error'); return; }
      locBtn.disabled = true;
      GG.toast(t('r.locating'));
      navigator.geolocation.getCurrentPosition(function (p) {
        locBtn.disabled = false;
        setPin(p.coords.latitude, p.coords.longitude, true);
      }, function (e) {
        locBtn.disabled = false;
        GG.toast(t('r.locFailed', { msg: e.message }), 'error');
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });

    function fillCategories() {
      var keep = catSel.value;
      GG.clear(catSel).appendChild(h('option', { value: '', i18n: 'r.pickCategory' }));
      var domains = {};
      categories.forEach(function (c) { (domains[c.domain] = domains[c.domain] || []).push(c); });
      Object.keys(domains).sort().forEach(function (d) {
        var g = h('optgroup', { label: GG.has('domain.' + d) ? t('domain.' + d) : d });
        domains[d].forEach(function (c) { g.appendChild(h('option', { value: c.code }, GG.lang() === 'en' ? c.name_en : c.name)); });
        catSel.appendChild(g);
      });
      catSel.value = keep;
    }
    GG.api('/api/v1/categories', { auth: 'none' }).then(function (list) {
      categories = list.filter(function (c) { return c.public; });
      fillCategories();
    }, function (e) { err.textContent = e.message; });

    fileIn.addEventListener('change', function () {
      photo = null;
      GG.clear(preview);
      var f = fileIn.files[0];
      if (!f) return;
      GG.downscale(f).then(function (uri) {
        photo = uri;
        preview.appendChild(h('img', { src: uri, alt: '' }));
        preview.appendChild(h('button', { type: 'button', class: 'btn-link', i18n: 'r.removePhoto', onclick: function () {
          photo = null; fileIn.value = ''; GG.clear(preview);
        } }));
      }, function (e) { err.textContent = e.message; fileIn.value = ''; });
    });

    form.addEventListener('submit', function (e) {
      e.preventDefault();
      err.textContent = '';
      if (!pin) { err.textContent = t('r.needPin'); return; }
      if (!catSel.value) { err.textContent = t('r.needCategory'); catSel.focus(); return; }
      if (!desc.value.trim()) { err.textContent = t('r.needDesc'); desc.focus(); return; }
      var body = { category: catSel.value, description: desc.value.trim(), lat: pin.lat, lon: pin.lon, crs: 'wgs84',
        channel: 'app', urgency: urgent.checked ? 'urgent' : 'normal' };
      if (nameIn.value.trim() || phoneIn.value.trim()) body.reporter = { name: nameIn.value.trim(), phone: phoneIn.value.trim() };
      if (photo) body.photos = [photo];
      submit.disabled = true;
      submit.textContent = t('r.submitting');
      GG.ensureResident().then(function () {
        return GG.api('/api/v1/reports', { method: 'POST', body: body, auth: 'resident', headers: { 'Idempotency-Key': idemKey } });
      }).then(function (c) {
        if (disposed) return;
        remember(c.duplicate_of || c.id);
        done(c);
      }, function (e2) {
        submit.disabled = false;
        submit.textContent = t('r.submit');
        err.textContent = e2.message;
      });
    });

    function remember(id) {
      try {
        var ids = JSON.parse(window.localStorage.getItem('gridgov.followed') || '[]');
        if (ids.indexOf(id) < 0) ids.unshift(id);
        window.localStorage.setItem('gridgov.followed', JSON.stringify(ids.slice(0, 50)));
      } catch (x) { /* ignore */ }
    }

    function done(c) {
      var id = c.duplicate_of || c.id;
      GG.clear(side).appendChild(h('section', { class: 'done', id: 'report-done' },
        h('div', { class: 'tick', 'aria-hidden': 'true' }, '✓'),
        h('h1', { i18n: 'r.thanks' }),
        h('p', { class: 'muted', i18n: 'r.caseNo' }),
        h('p', { class: 'case-no', id: 'case-no' }, String(id)),
        c.duplicate_of ? h('p', null, t('r.duplicate', { id: c.duplicate_of })) : null,
        c.assignee ? h('p', null, t('r.assignedTo', { name: c.assignee.name || c.assignee.code })) : null,
        c.due_at ? h('p', { class: 'muted' }, t('r.dueBy', { due: GG.fmtTime(c.due_at) })) : null,
        h('div', { class: 'row' },
          h('a', { href: '/my', 'data-nav': true, class: 'button primary', i18n: 'r.follow' }),
          h('a', { href: '/report', 'data-nav': true, class: 'button', i18n: 'r.another' }))));
    }

    return {
      dispose: function () { disposed = true; if (map) map.remove(); delete GG.setPin; },
      onLang: function () { fillCategories(); renderWhere(); }
    };
  };
})();
