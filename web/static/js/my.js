// gridgov — /my: a resident follows their own cases (those reported from this device, GET /api/v1/reports?mine=true
// with the device's resident token), sees each one's history live, and rates a case once it is verified.
// Any case can also be looked up by its number (the public view, without personal data).
(function () {
  'use strict';
  var GG = window.GG;
  var h = GG.h, t = GG.t;
  GG.pages = GG.pages || {};

  // the six steps as a resident sees them
  var STEPS = [['reported'], ['heard'], ['deliberating', 'decided'], ['dispatched', 'in_progress'], ['resolved', 'verified'], ['closed']];

  function followed() {
    try { return JSON.parse(window.localStorage.getItem('gridgov.followed') || '[]'); } catch (e) { return []; }
  }

  // readCase reads one case as this device may see it; photos lists its photos' URLs ([] when it has none, or when
  // this device does not see it in full), so that a case read whole is not read again for them.
  function readCase(id) {
    return GG.api('/api/v1/reports/' + id, { auth: GG.residentToken() ? 'resident' : 'none' }).then(function (c) {
      c.photos = c.photos || [];
      return c;
    });
  }

  GG.pages.my = function (view) {
    var disposed = false;
    var cases = {};
    var open = {};
    var listEl = h('div', { class: 'my-list', id: 'my-list' }, h('p', { class: 'muted', i18n: 'loading' }));
    var lookupIn = h('input', { type: 'number', min: 1, id: 'lookup', inputmode: 'numeric' });
    var lookupErr = h('p', { class: 'error small', role: 'alert' });
    view.appendChild(h('section', { class: 'page narrow' },
      h('div', { class: 'row between wrap' }, h('h1', { i18n: 'm.title' }),
        h('a', { href: '/report', 'data-nav': true, class: 'button primary', i18n: 'nav.report' })),
      h('p', { class: 'muted small', i18n: 'm.device' }),
      listEl,
      h('form', { class: 'row lookup', onsubmit: function (e) {
        e.preventDefault();
        var id = parseInt(lookupIn.value, 10);
        if (!(id > 0)) return;
        lookupErr.textContent = '';
        readCase(id).then(function (c) {
          cases[c.id] = c; open[c.id] = true;
          var ids = followed(); if (ids.indexOf(c.id) < 0) ids.unshift(c.id);
          try { window.localStorage.setItem('gridgov.followed', JSON.stringify(ids.slice(0, 50))); } catch (x) { /* ignore */ }
          render(); expand(c.id);
        }, function (e2) { lookupErr.textContent = e2.status === 404 ? t('m.notFound') : e2.message; });
      } }, h('label', null, h('span', { i18n: 'm.followNo' }), lookupIn), h('button', { type: 'submit', i18n: 'm.add' })),
      lookupErr));

    function load() {
      var mine = GG.residentToken()
        ? GG.api('/api/v1/reports?mine=true&limit=100', { auth: 'resident' }).then(function (b) { return b.reports; }, function () { return []; })
        : Promise.resolve([]);
      return mine.then(function (list) {
        list.forEach(function (c) { cases[c.id] = c; });
        // followed case numbers not among them (looked up, or reported before this device had a token)
        var missing = followed().filter(function (id) { return !cases[id]; }).slice(0, 20);
        return Promise.all(missing.map(function (id) {
          return readCase(id).then(function (c) { cases[c.id] = c; }, function () {});
        }));
      }).then(function () { if (!disposed) render(); });
    }

    function render() {
      var list = Object.keys(cases).map(function (k) { return cases[k]; }).sort(function (a, b) { return b.id - a.id; });
      GG.clear(listEl);
      if (!list.length) { listEl.appendChild(h('p', { class: 'empty muted', i18n: 'm.none' })); return; }
      list.forEach(function (c) {
        var box = h('div', { class: 'history-box' });
        var card = h('article', { class: 'my-case card', 'data-id': c.id },
          h('button', { type: 'button', class: 'card-head', 'aria-expanded': open[c.id] ? 'true' : 'false', onclick: function () {
            open[c.id] = !open[c.id]; render();
          } },
            h('div', { class: 'row between' }, h('strong', null, '#' + c.id + ' ' + (c.category_name || c.category)), GG.statusChip(c.status)),
            h('p', { class: 'muted small clamp' }, c.description)),
          steps(c));
        if (open[c.id]) {
          card.appendChild(GG.caseFacts(c));
          card.appendChild(photoBox(c));
          if ((c.actions || []).indexOf('rate') >= 0) card.appendChild(rateBox(c));
          else if (c.satisfaction) card.appendChild(h('p', { class: 'muted' }, t('m.thanks')));
          card.appendChild(box);
          box.appendChild(h('p', { class: 'muted', i18n: 'loading' }));
          GG.api('/api/v1/reports/' + c.id + '/events', { auth: GG.residentToken() ? 'resident' : 'none' }).then(function (b) {
            GG.clear(box).appendChild(h('h3', { i18n: 'd.history' }));
            box.appendChild(GG.history(b.events));
          }, function () { GG.clear(box); });
        }
        listEl.appendChild(card);
      });
    }
    function expand(id) { open[id] = true; render(); }

    // photoBox shows an open case's photos; a case from the list (which carries no photo URLs) is read whole first.
    function photoBox(c) {
      var box = h('div', { class: 'photo-box' });
      var whole = c.photos ? Promise.resolve(c) : readCase(c.id).then(function (full) {
        if (cases[full.id] === c) cases[full.id] = full;
        return full;
      });
      whole.then(function (full) {
        var strip = GG.casePhotos(full, 'resident');
        if (strip && !disposed) box.appendChild(strip);
      }, function () { /* the case stays shown without photos */ });
      return box;
    }

    function steps(c) {
      var at = -1;
      STEPS.forEach(function (s, i) { if (s.indexOf(c.status) >= 0) at = i; });
      if (c.status === 'cancelled' || c.status === 'suspended') return h('p', { class: 'muted small' }, GG.statusLabel(c.status));
      return h('ol', { class: 'steps', 'aria-label': GG.statusLabel(c.status) }, STEPS.map(function (s, i) {
        return h('li', { class: i < at ? 'done' : i === at ? 'now' : '' }, h('span', null, GG.statusLabel(s[s.length - 1] === 'closed' ? 'closed' : s[0])));
      }));
    }

    function rateBox(c) {
      return h('div', { class: 'rate' }, h('p', null, h('strong', { i18n: 'm.rateQ' })),
        h('div', { class: 'row wrap' }, ['satisfied', 'basically_satisfied', 'unsatisfied'].map(function (r) {
          return h('button', { type: 'button', class: r === 'satisfied' ? 'primary' : '', 'data-rating': r, onclick: function (e) {
            e.target.disabled = true;
            GG.api('/api/v1/reports/' + c.id + '/events', { method: 'POST', auth: 'resident', body: { action: 'rate', rating: r } })
              .then(function (res) { cases[c.id] = res.case; GG.toast(t('m.thanks')); render(); },
                function (e2) { e.target.disabled = false; GG.toast(e2.message, 'error'); });
          } }, t('rating.' + r));
        })));
    }

    var stop = GG.residentToken() ? GG.stream('resident', function (ev) {
      var c = cases[ev.case.id];
      if (!c) return;
      readCase(c.id).then(function (full) { cases[full.id] = full; if (!disposed) render(); }, function () {});
    }, function () {}) : function () {};

    load();
    return { dispose: function () { disposed = true; stop(); }, onLang: render };
  };
})();
