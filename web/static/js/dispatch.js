// gridgov — /dispatch: the dispatcher's live map of open cases (coloured by status, overdue ringed in red,
// clustered at low zoom), the filtered case list, and the case panel with its history and exactly the actions
// the server says the signed-in role may take now (the case's "actions").
(function () {
  'use strict';
  var GG = window.GG;
  var h = GG.h, t = GG.t;
  GG.pages = GG.pages || {};

  var STAFF = ['dispatcher', 'grid_chief', 'grid_worker', 'department', 'admin'];

  // form fields per action, beyond {"action"}; each [name, kind, options]
  var ACTION_FIELDS = {
    hear: [['classification', 'select', ['immediate', 'pending', 'escalate', 'suggestion'], 'class.']],
    schedule: [['point_code', 'text']],
    decide: [['yes', 'number'], ['no', 'number'], ['abstain', 'number'], ['owner', 'text']],
    dispatch: [['to', 'text'], ['due_at', 'datetime-local']],
    start: [['note', 'textarea']],
    resolve: [['note', 'textarea'], ['photo', 'file']],
    verify: [['passed', 'checkbox'], ['note', 'textarea']],
    rate: [['rating', 'select', ['satisfied', 'basically_satisfied', 'unsatisfied'], 'rating.']],
    conclude: [],
    escalate: [['reason', 'textarea']],
    'return': [['reason', 'textarea']],
    suspend: [['reason', 'textarea']],
    resume: [],
    cancel: [['reason', 'textarea']],
    merge: [['into', 'number'], ['reason', 'textarea']]
  };
  var PRIMARY = { hear: 1, dispatch: 1, start: 1, resolve: 1, verify: 1, conclude: 1 };

  // actionForm builds the form for one action; onDone(body) gets the server's answer.
  GG.actionForm = function (c, action, onDone) {
    var fields = ACTION_FIELDS[action] || [];
    var inputs = {};
    var photo = null;
    var err = h('p', { class: 'error', role: 'alert' });
    var form = h('form', { class: 'action-form', 'data-action': action });
    fields.forEach(function (f) {
      var name = f[0], kind = f[1], input;
      var labelKey = { yes: 'f.yes', no: 'f.no', abstain: 'f.abstain' }[name] || 'f.' + name;
      if (kind === 'select') {
        input = h('select', { name: name }, f[2].map(function (o) { return h('option', { value: o, i18n: f[3] + o }); }));
      } else if (kind === 'textarea') {
        input = h('textarea', { name: name, rows: 2, maxlength: 2000 });
      } else if (kind === 'checkbox') {
        input = h('input', { type: 'checkbox', name: name, checked: true });
        form.appendChild(h('label', { class: 'check' }, input, ' ', h('span', { i18n: labelKey })));
        inputs[name] = input;
        return;
      } else if (kind === 'file') {
        input = h('input', { type: 'file', name: name, accept: 'image/*', capture: 'environment' });
        input.addEventListener('change', function () {
          photo = null;
          if (!input.files[0]) return;
          GG.downscale(input.files[0]).then(function (uri) { photo = uri; }, function (e) { err.textContent = e.message; });
        });
      } else {
        input = h('input', { type: kind, name: name, min: kind === 'number' ? 0 : null });
      }
      inputs[name] = input;
      form.appendChild(h('label', null, h('span', { i18n: labelKey }), input));
    });
    var submit = h('button', { type: 'submit', class: 'primary' }, t('action.' + action));
    form.appendChild(err);
    form.appendChild(h('div', { class: 'row end' }, submit));
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var body = { action: action };
      Object.keys(inputs).forEach(function (k) {
        var el = inputs[k];
        if (k === 'yes' || k === 'no' || k === 'abstain') {
          body.votes = body.votes || { yes: 0, no: 0, abstain: 0 };
          body.votes[k] = parseInt(el.value, 10) || 0;
        } else if (k === 'passed') body.passed = el.checked;
        else if (k === 'into') { if (el.value) body.into = parseInt(el.value, 10); }
        else if (k === 'due_at') { if (el.value) body.due_at = new Date(el.value).toISOString(); }
        else if (k === 'photo') { if (photo) body.photos = [photo]; }
        else if (el.value) body[k] = el.value;
      });
      submit.disabled = true;
      err.textContent = '';
      GG.api('/api/v1/reports/' + c.id + '/events', { method: 'POST', body: body, auth: form.authKind || 'staff' })
        .then(function (res) { GG.toast(t('d.done', { action: t('action.' + action) })); onDone(res); },
          function (e) { err.textContent = e.message; submit.disabled = false; });
    });
    return form;
  };

  // history renders a case's events, oldest first.
  GG.history = function (events) {
    return h('ol', { class: 'history' }, events.map(function (e) {
      return h('li', null,
        h('div', { class: 'row between' }, h('strong', null, GG.has('action.' + e.action) ? t('action.' + e.action) : e.action),
          h('time', { class: 'muted' }, GG.fmtTime(e.at))),
        h('div', { class: 'muted small' }, (e.from ? GG.statusLabel(e.from) + ' → ' : '') + GG.statusLabel(e.to) +
          ' · ' + (GG.has('role.' + e.actor_role) ? t('role.' + e.actor_role) : e.actor_role) + (e.actor_unit ? ' ' + e.actor_unit : '')),
        e.note ? h('div', { class: 'note' }, e.note) : null);
    }));
  };

  // caseFacts renders a case's details.
  GG.caseFacts = function (c) {
    var place = [c.street, c.community, c.grid, c.building].filter(Boolean).map(function (r) { return r.name || r.code; }).join(' / ');
    var rows = [
      ['d.place', place || c.address || ''],
      ['d.assignee', c.assignee ? (c.assignee.name || c.assignee.code) : t('none')],
      ['d.due', GG.fmtTime(c.due_at) + (c.overdue ? ' · ' + t('overdue') : '')],
      ['d.created', GG.fmtTime(c.created_at)]
    ];
    if (c.reporter && (c.reporter.name || c.reporter.phone)) rows.push(['d.reporter', [c.reporter.name, c.reporter.phone].filter(Boolean).join(' ')]);
    return h('dl', { class: 'facts' }, rows.map(function (r) {
      return [h('dt', { i18n: r[0] }), h('dd', { class: r[0] === 'd.due' && c.overdue ? 'overdue' : null }, r[1])];
    }));
  };

  GG.pages.dispatch = function (view) {
    if (!GG.needStaff(view, STAFF)) return {};
    var cases = {};          // id → case
    var fresh = {};          // id → true for cases that arrived live
    var categories = {};
    var selected = null;
    var disposed = false;
    var filter = { unit: '', status: 'open', category: '' };
    var fitted = false;

    var mapEl = h('div', { class: 'map', id: 'map', role: 'region', 'aria-label': t('nav.dispatch') });
    var live = h('span', { class: 'live off', i18n: 'd.offline' });
    var count = h('span', { class: 'muted' });
    var unitSel = h('select', { id: 'f-unit', 'aria-label': t('unit.all') }, h('option', { value: '', i18n: 'unit.all' }));
    var statusSel = h('select', { id: 'f-status', 'aria-label': t('p.status') },
      h('option', { value: 'open', i18n: 'status.open' }), h('option', { value: '', i18n: 'status.all' }),
      GG.STATUSES.map(function (s) { return h('option', { value: s, i18n: 'status.' + s }); }));
    var catSel = h('select', { id: 'f-category', 'aria-label': t('p.category') }, h('option', { value: '', i18n: 'cat.all' }));
    var list = h('ul', { class: 'case-list', id: 'case-list' });
    var panel = h('section', { class: 'case-panel', id: 'case-panel', hidden: true });
    var side = h('aside', { class: 'side' },
      h('div', { class: 'side-head row between' }, h('h1', { i18n: 'nav.dispatch' }), h('div', null, live, ' ', count)),
      h('div', { class: 'filters' }, unitSel, statusSel, catSel),
      h('p', { class: 'legend small muted' }, GG.OPEN.slice(0, 8).map(function (s) {
        return h('span', { class: 'legend-item' }, h('i', { class: 'dot', style: 'background:' + GG.STATUS_COLOURS[s] }), h('span', { i18n: 'status.' + s }));
      }), h('span', { class: 'legend-item' }, h('i', { class: 'dot ring' }), h('span', { i18n: 'overdue' }))),
      list, panel);
    view.appendChild(h('div', { class: 'split' }, mapEl, side));

    var map;
    try { map = GG.makeMap(mapEl, { zoom: 12.5 }); } catch (e) { mapEl.appendChild(h('p', { class: 'error pad' }, e.message)); }

    function matches(c) {
      if (filter.status === 'open' && GG.OPEN.indexOf(c.status) < 0) return false;
      if (filter.status && filter.status !== 'open' && c.status !== filter.status) return false;
      if (filter.category && c.category !== filter.category) return false;
      var grid = c.grid && c.grid.code || c.grid;
      if (filter.unit && !(typeof grid === 'string' && grid.indexOf(filter.unit) === 0)) return false;
      return true;
    }
    function shown() {
      return Object.keys(cases).map(function (k) { return cases[k]; }).filter(matches)
        .sort(function (a, b) { return b.id - a.id; });
    }

    function geojson() {
      return { type: 'FeatureCollection', features: shown().map(function (c) {
        return { type: 'Feature', id: c.id, geometry: { type: 'Point', coordinates: [c.lon, c.lat] },
          properties: { id: c.id, status: c.status, overdue: !!c.overdue, fresh: !!fresh[c.id] } };
      }) };
    }

    function renderList() {
      var items = shown();
      count.textContent = t('d.cases', { n: items.length });
      GG.clear(list);
      if (!items.length) { list.appendChild(h('li', { class: 'empty muted', i18n: 'd.noCases' })); return; }
      items.slice(0, 300).forEach(function (c) {
        var cat = categories[c.category];
        list.appendChild(h('li', { 'data-id': c.id, class: (fresh[c.id] ? 'fresh ' : '') + (selected === c.id ? 'sel' : '') },
          h('button', { type: 'button', onclick: function () { openCase(c.id, true); } },
            h('div', { class: 'row between' },
              h('strong', null, '#' + c.id + ' ' + (cat ? (GG.lang() === 'en' ? cat.name_en : cat.name) : (c.category_name || c.category))),
              GG.statusChip(c.status)),
            h('div', { class: 'muted small row between' },
              h('span', null, (c.grid && c.grid.name) || (typeof c.grid === 'string' ? c.grid : '')),
              h('span', { class: c.overdue ? 'overdue' : '' }, (c.overdue ? t('overdue') + ' · ' : '') + GG.fmtTime(c.created_at || c.at))),
            fresh[c.id] ? h('span', { class: 'badge', i18n: 'd.new' }) : null)));
      });
    }

    function render() {
      renderList();
      if (map && map.getSource('cases')) map.getSource('cases').setData(geojson());
    }

    function fillUnits() {
      var comms = {};
      Object.keys(cases).forEach(function (k) {
        var c = cases[k];
        if (!c.community || !c.grid || !c.community.code) return;
        var cm = comms[c.community.code] = comms[c.community.code] || { name: c.community.name, grids: {} };
        cm.grids[c.grid.code] = c.grid.name;
      });
      var keep = unitSel.value;
      while (unitSel.options.length > 1) unitSel.remove(1);
      Object.keys(comms).sort().forEach(function (code) {
        var g = h('optgroup', { label: comms[code].name });
        g.appendChild(h('option', { value: code }, comms[code].name));
        Object.keys(comms[code].grids).sort().forEach(function (gc) { g.appendChild(h('option', { value: gc }, '　' + comms[code].grids[gc])); });
        unitSel.appendChild(g);
      });
      unitSel.value = keep;
    }

    function load() {
      var q = ['limit=1000'];
      if (filter.status && filter.status !== 'open') q.push('status=' + encodeURIComponent(filter.status));
      if (filter.category) q.push('category=' + encodeURIComponent(filter.category));
      if (filter.unit) q.push('grid=' + encodeURIComponent(filter.unit));
      return GG.api('/api/v1/reports?' + q.join('&')).then(function (b) {
        if (disposed) return;
        b.reports.forEach(function (c) { cases[c.id] = c; });
        if (!fitted && map && b.reports.length) {
          fitted = true;
          var bb = b.reports.reduce(function (a, c) { return [Math.min(a[0], c.lon), Math.min(a[1], c.lat), Math.max(a[2], c.lon), Math.max(a[3], c.lat)]; }, [180, 90, -180, -90]);
          map.fitBounds([[bb[0], bb[1]], [bb[2], bb[3]]], { padding: 40, maxZoom: 15, duration: 0 });
        }
        if (!filter.unit && !filter.category && !filter.status) fillUnits();
        else if (unitSel.options.length <= 1) fillUnits();
        render();
      }, function (e) { GG.toast(e.message, 'error'); });
    }

    [unitSel, statusSel, catSel].forEach(function (sel) {
      sel.addEventListener('change', function () {
        filter = { unit: unitSel.value, status: statusSel.value, category: catSel.value };
        render();
        load();
      });
    });

    GG.api('/api/v1/categories', { auth: 'none' }).then(function (list) {
      list.forEach(function (c) { categories[c.code] = c; });
      fillCategories();
      renderList();
    });
    function fillCategories() {
      var keep = catSel.value;
      while (catSel.options.length > 1) catSel.remove(1);
      Object.keys(categories).map(function (k) { return categories[k]; })
        .sort(function (a, b) { return a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : a.code < b.code ? -1 : 1; })
        .forEach(function (c) { catSel.appendChild(h('option', { value: c.code }, GG.lang() === 'en' ? c.name_en : c.name)); });
      catSel.value = keep;
    }

    // ------------------------------------------------------------ case panel

    function openCase(id, fly) {
      selected = id;
      list.hidden = true;
      panel.hidden = false;
      GG.clear(panel).appendChild(h('p', { class: 'muted', i18n: 'loading' }));
      if (map && map.getSource('cases')) map.setFilter('case-selected', ['==', ['get', 'id'], id]);
      Promise.all([GG.api('/api/v1/reports/' + id), GG.api('/api/v1/reports/' + id + '/events')]).then(function (r) {
        if (disposed || selected !== id) return;
        cases[id] = r[0];
        delete fresh[id];
        renderPanel(r[0], r[1].events);
        if (fly && map) map.easeTo({ center: [r[0].lon, r[0].lat], zoom: Math.max(map.getZoom(), 15) });
      }, function (e) { GG.clear(panel).appendChild(h('p', { class: 'error' }, e.message)); });
    }
    function closeCase() {
      selected = null;
      panel.hidden = true;
      list.hidden = false;
      if (map && map.getLayer('case-selected')) map.setFilter('case-selected', ['==', ['get', 'id'], -1]);
      render();
    }

    function renderPanel(c, events) {
      var cat = categories[c.category];
      var formBox = h('div', { class: 'form-box' });
      var acts = c.actions || [];
      GG.clear(panel).appendChild(h('div', null,
        h('button', { type: 'button', class: 'btn-link', onclick: closeCase }, '← ', h('span', { i18n: 'd.back' })),
        h('div', { class: 'row between' }, h('h2', null, '#' + c.id + ' ' + (cat ? (GG.lang() === 'en' ? cat.name_en : cat.name) : c.category)), GG.statusChip(c.status)),
        h('p', { class: 'muted small' }, [c.classification ? t('class.' + c.classification) : '', c.urgency === 'urgent' ? t('r.urgent') : '',
          c.supporters ? t('d.supporters', { n: c.supporters }) : ''].filter(Boolean).join(' · ')),
        h('p', { class: 'desc' }, c.description),
        GG.caseFacts(c),
        GG.casePhotos(c, 'staff'),
        h('h3', { i18n: 'd.actions' }),
        acts.length ? h('div', { class: 'actions', id: 'case-actions' }, acts.map(function (a) {
          return h('button', { type: 'button', class: PRIMARY[a] ? 'primary' : '', 'data-action': a, onclick: function () {
            GG.clear(formBox).appendChild(GG.actionForm(c, a, function (res) {
              cases[c.id] = res.case;
              openCase(c.id, false);
            }));
          } }, t('action.' + a));
        })) : h('p', { class: 'muted', i18n: 'd.noActions' }),
        formBox,
        h('h3', { i18n: 'd.history' }),
        GG.history(events)));
    }

    // ------------------------------------------------------------ map layers

    if (map) {
      map.on('load', function () {
        map.addSource('cases', { type: 'geojson', data: geojson(), cluster: true, clusterMaxZoom: 14, clusterRadius: 42,
          clusterProperties: { overdue: ['+', ['case', ['get', 'overdue'], 1, 0]] } });
        map.addLayer({ id: 'case-cluster', type: 'circle', source: 'cases', filter: ['has', 'point_count'],
          paint: { 'circle-color': ['case', ['>', ['get', 'overdue'], 0], '#e8590c', '#1c7ed6'], 'circle-opacity': 0.85,
            'circle-radius': ['step', ['get', 'point_count'], 13, 10, 17, 50, 22, 200, 28],
            'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
        map.addLayer({ id: 'case-point', type: 'circle', source: 'cases', filter: ['!', ['has', 'point_count']],
          paint: { 'circle-color': ['match', ['get', 'status']].concat(flatColours(), ['#868e96']),
            'circle-radius': ['interpolate', ['linear'], ['zoom'], 12, 5, 17, 9],
            'circle-stroke-color': ['case', ['get', 'overdue'], '#e03131', '#ffffff'],
            'circle-stroke-width': ['case', ['get', 'overdue'], 3, 1.5] } });
        map.addLayer({ id: 'case-selected', type: 'circle', source: 'cases', filter: ['==', ['get', 'id'], -1],
          paint: { 'circle-color': 'rgba(0,0,0,0)', 'circle-radius': 16, 'circle-stroke-color': '#212529', 'circle-stroke-width': 2.5 } });
        map.on('click', 'case-cluster', function (e) {
          var f = e.features[0];
          map.getSource('cases').getClusterExpansionZoom(f.properties.cluster_id).then(function (z) {
            map.easeTo({ center: f.geometry.coordinates, zoom: z + 0.2 });
          });
        });
        map.on('click', 'case-point', function (e) { openCase(e.features[0].properties.id, false); });
        ['case-cluster', 'case-point'].forEach(function (l) {
          map.on('mouseenter', l, function () { map.getCanvas().style.cursor = 'pointer'; });
          map.on('mouseleave', l, function () { map.getCanvas().style.cursor = ''; });
        });
        map.on('render', updateCounts);
      });
    }
    function flatColours() {
      var out = [];
      Object.keys(GG.STATUS_COLOURS).forEach(function (s) { out.push(s, GG.STATUS_COLOURS[s]); });
      return out;
    }

    // cluster counts as HTML markers (the map has no glyphs for text layers)
    var markers = {}, onScreen = {};
    function updateCounts() {
      if (!map.getSource('cases') || !map.isSourceLoaded('cases')) return;
      var next = {};
      map.querySourceFeatures('cases').forEach(function (f) {
        var p = f.properties;
        if (!p.cluster) return;
        var id = p.cluster_id;
        if (next[id]) return;
        var m = markers[id];
        if (!m) {
          m = markers[id] = new window.maplibregl.Marker({ element: h('div', { class: 'cluster-count' }, String(p.point_count_abbreviated || p.point_count)) })
            .setLngLat(f.geometry.coordinates);
        }
        next[id] = m;
        if (!onScreen[id]) m.addTo(map);
      });
      Object.keys(onScreen).forEach(function (id) { if (!next[id]) onScreen[id].remove(); });
      onScreen = next;
      markers = next;
    }

    // --------------------------------------------------------------- live feed

    var stop = GG.stream('staff', function (ev) {
      var fc = ev.case;
      var known = cases[fc.id];
      if (known) {
        known.status = fc.status; known.overdue = fc.overdue; known.due_at = fc.due_at; known.classification = fc.classification;
        render();
        if (selected === fc.id) openCase(fc.id, false);
        return;
      }
      if (ev.action !== 'report' && ev.from) return;
      // a new case: read it whole (names, description), then show it
      GG.api('/api/v1/reports/' + fc.id).then(function (c) {
        if (disposed) return;
        cases[c.id] = c;
        fresh[c.id] = true;
        render();
        var cat = categories[c.category];
        GG.toast(t('d.newCase', { id: c.id, category: cat ? (GG.lang() === 'en' ? cat.name_en : cat.name) : c.category }));
      }, function () { /* not ours to see */ });
    }, function (up) {
      live.className = 'live ' + (up ? 'on' : 'off');
      live.setAttribute('data-i18n', up ? 'd.live' : 'd.offline');
      live.textContent = t(up ? 'd.live' : 'd.offline');
      view.setAttribute('data-live', up ? 'on' : 'off');
    });

    load();

    return {
      dispose: function () { disposed = true; stop(); if (map) map.remove(); },
      onLang: function () { fillCategories(); render(); if (selected) openCase(selected, false); }
    };
  };
})();
